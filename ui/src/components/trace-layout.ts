// How a trace is laid out as a waterfall: spans as a tree (each under its
// parent, siblings by start), one row each, a colour per service and a time
// ruler. The gateway already orders the spans by start; this only nests them.
import type { Trace, TraceSpan } from '../api/types.ts';

export interface WaterfallRow {
  span: TraceSpan;
  depth: number;
  /** Spans directly under it. */
  children: number;
  /** Its parent is named but not in the trace (not exported, or lost): drawn at the top level. */
  orphan: boolean;
}

/** The rows to draw: depth first from each root, children by start; the subtrees of collapsed spans left out. */
export function waterfallRows(trace: Trace, collapsed: ReadonlySet<string>): WaterfallRow[] {
  const ids = new Set(trace.spans.map((s) => s.spanId));
  const under = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const span of trace.spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId) {
      const list = under.get(span.parentSpanId) ?? [];
      list.push(span);
      under.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const rows: WaterfallRow[] = [];
  const placed = new Set<string>();
  // Every span is visited (hidden ones too), so that what is left unvisited is only what a cycle in the
  // parents (a broken exporter) makes unreachable: shown at the top level rather than lost.
  const visit = (span: TraceSpan, depth: number, hidden: boolean) => {
    if (placed.has(span.spanId)) return;
    placed.add(span.spanId);
    const children = under.get(span.spanId) ?? [];
    if (!hidden) rows.push({ span, depth, children: children.length, orphan: depth === 0 && span.parentSpanId !== null });
    for (const child of children) visit(child, depth + 1, hidden || collapsed.has(span.spanId));
  };
  for (const root of roots) visit(root, 0, false);
  for (const span of trace.spans) visit(span, 0, false);
  return rows;
}

// The services' colours: each store's own where a service owns one (as on the flow view), the gateway the
// UI's accent; any other service a colour of its own from a small palette, the same on every visit.
const SERVICE_COLOURS: Record<string, string> = {
  gateway: '#23798a',
  users: '#336791',
  posts: '#3f8f5f',
  graph: '#1a7fb5',
  analytics: '#b7791f',
  projectors: '#c4412f',
  debezium: '#7b5ea7',
  connect: '#7b5ea7',
  kafka: '#4a5563',
};
const PALETTE = ['#8e44ad', '#2c7a7b', '#b83280', '#5a67d8', '#c05621', '#2f855a', '#6b7280'];

export function serviceColour(service: string): string {
  const known = SERVICE_COLOURS[service];
  if (known) return known;
  let hash = 0;
  for (const c of service) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** A span's length as a person reads it: microseconds matter below a millisecond. */
export function spanMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A ruler mark: round already, so without trailing zeros (20 ms, 0.5 ms, 1.5 s). */
export function tickText(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1) return `${Number((ms * 1000).toPrecision(3))} µs`;
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** Ruler marks at a round step (1, 2 or 5 × 10^n ms), about four to six across the trace. */
export function rulerTicks(totalMs: number): number[] {
  if (!(totalMs > 0)) return [0];
  const rough = totalMs / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t <= totalMs + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** The value of an attribute as text (the JSON scalar holds strings, numbers and booleans). */
export function attributeText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
