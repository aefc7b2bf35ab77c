// Targets set by earlier issues that every later change keeps (issue 16: with tracing on), in one
// place so that each bench checking them again checks the same figures.
export const KEPT_TARGETS = {
  /** Issue 13: the whole stack idle, every unit's processes, as a share of one core. */
  idleCpuPercent: 8,
  /** Issue 13: every unit's processes' proportional set sizes summed. */
  stackMemoryBytes: 2.0 * 2 ** 30,
  /** The data-at-scale targets: the resident set of each Node service. */
  nodeProcessBytes: 200 * 2 ** 20,
} as const;
