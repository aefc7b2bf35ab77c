// Strong writes and read-your-writes: wait, bounded, until the projections a
// change goes to (or a read depends on) have applied it.
import { z } from 'zod';
import {
  CONSISTENCY_MODES,
  PROJECTION_STORES,
  PROJECTIONS,
  PROJECTIONS_OF,
  formatToken,
  type ConsistencyMode,
  type ConsistencyToken,
  type ProjectionName,
} from '@polyglot/contracts/consistency';
import { ErrorBody } from '@polyglot/contracts/api';
import { AppError } from '@polyglot/platform/errors';
import type { TestFaults } from '@polyglot/platform/test-faults';
import type { Visibility, WatermarkWatcher } from '../data-access/watermark-watcher.ts';

export const DEFAULT_WAIT_MS = 5000;
export const MAX_WAIT_MS = 30_000;

export const ConsistencyInfo = z
  .object({
    token: z.string().describe('the change in its source log: SOURCE:ENTITY:POSITION; pass it to a read as ?token= for read-your-writes'),
    mode: z.enum(CONSISTENCY_MODES),
    visibleAfterMs: z
      .record(z.string(), z.number().nullable())
      .optional()
      .describe('strong mode: per projection, milliseconds from the source commit until it showed the change'),
  })
  .describe('how far this write has travelled (absent when the write changed nothing)');
export type ConsistencyInfo = z.infer<typeof ConsistencyInfo>;

export const ConsistencyTimeoutBody = ErrorBody.extend({
  token: z.string(),
  late: z.array(z.enum(PROJECTIONS)).describe('the projections that had not applied the change when time ran out'),
});

export class ConsistencyTimeoutError extends AppError {
  readonly late: ProjectionName[];
  readonly token: string;
  constructor(token: ConsistencyToken, late: ProjectionName[], waitedMs: number, what: 'write' | 'read') {
    const names = late.map((p) => `the ${p} projection (${PROJECTION_STORES[p]})`).join(', ');
    const hint =
      what === 'write'
        ? 'the write itself is committed; read later with this token, or check GET /health for lag and paused projections'
        : 'try again later, or read without the token to get the current (possibly older) data';
    super('CONSISTENCY_TIMEOUT', `${names} did not show change ${formatToken(token)} within ${waitedMs} ms; ${hint}`, { late, token: formatToken(token) });
    this.late = late;
    this.token = formatToken(token);
    this.body = { token: this.token, late };
  }
}

/** The projections to wait for: those a read depends on (all by default) that the change's source feeds. */
export function projectionsFor(token: ConsistencyToken, dependsOn?: readonly ProjectionName[]): ProjectionName[] {
  return PROJECTIONS_OF[token.source].filter((p) => !dependsOn || dependsOn.includes(p));
}

/** Waits until every projection shows the change, or throws ConsistencyTimeoutError naming the late ones. */
export async function awaitProjections(
  watcher: WatermarkWatcher,
  token: ConsistencyToken,
  projections: readonly ProjectionName[],
  timeoutMs: number,
  what: 'write' | 'read',
): Promise<void> {
  if (projections.length === 0) return;
  const reached = await watcher.waitFor(token, projections, timeoutMs);
  const late = projections.filter((p) => !reached.has(p));
  if (late.length > 0) throw new ConsistencyTimeoutError(token, late, timeoutMs, what);
}

/**
 * A strong write's wait, the one for REST, GraphQL and the lab: until every projection of the change
 * shows it (ConsistencyTimeoutError naming the late ones). With the test fault strongAnswersEarly
 * (platform/test-faults.ts, a test's own gateway only) it does not wait: the broken mode the history
 * checker must catch.
 */
export async function awaitStrongWrite(deps: { watermarks: WatermarkWatcher; testFaults: TestFaults }, token: ConsistencyToken, timeoutMs: number): Promise<void> {
  if (deps.testFaults.strongAnswersEarly) return;
  await awaitProjections(deps.watermarks, token, projectionsFor(token), timeoutMs, 'write');
}

/** The body's `consistency` of a write, once it is settled in the given mode. */
export async function describeWrite(watcher: WatermarkWatcher, token: ConsistencyToken, mode: ConsistencyMode): Promise<ConsistencyInfo> {
  const info: ConsistencyInfo = { token: formatToken(token), mode };
  if (mode !== 'strong') return info;
  const projections = projectionsFor(token);
  const seen: Visibility | null = await watcher.visibility(token, projections).catch(() => null);
  info.visibleAfterMs = Object.fromEntries(projections.map((p) => [p, seen?.projections[p]?.visibleAfterMs ?? null]));
  return info;
}

const ProjectionVisibility = z.object({
  applied: z.boolean().describe('the projection shows this change (or a later one of the same entity)'),
  appliedAt: z.iso.datetime().nullable(),
  visibleAfterMs: z.number().nullable().describe('milliseconds from the source commit until applied there'),
});

export const ChangeVisibility = z.object({
  token: z.string(),
  source: z.enum(['users', 'posts', 'graph']),
  entityId: z.string(),
  position: z.number().int(),
  committedAt: z.iso.datetime().nullable().describe('the source commit, as the projections reported it (null until one applied it)'),
  capturedAt: z.iso.datetime().nullable().describe('when Debezium read the change from the log (users, posts; null for follows, whose relay publishes at once)'),
  publishedAt: z.iso.datetime().nullable().describe('when Kafka took the change from Debezium (users, posts) or the graph relay (follows)'),
  complete: z.boolean().describe('every projection of this change shows it'),
  projections: z.partialRecord(z.enum(PROJECTIONS), ProjectionVisibility).describe("the projections this change goes to (a follow is born in Neo4j: not the graph projection)"),
});
export type ChangeVisibility = z.infer<typeof ChangeVisibility>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Where a change is visible now, per projection it goes to (GET /consistency/:token, the GraphQL consistency query and subscription). */
export async function visibilityOf(deps: { watermarks: WatermarkWatcher }, token: ConsistencyToken): Promise<ChangeVisibility> {
  const projections = projectionsFor(token);
  const seen = await deps.watermarks.visibility(token, projections);
  const entries = projections.map((p) => {
    const v = seen.projections[p]!;
    return [p, { applied: v.applied, appliedAt: iso(v.appliedAt), visibleAfterMs: v.visibleAfterMs }] as const;
  });
  return {
    token: formatToken(token),
    ...token,
    committedAt: iso(seen.committedAt),
    capturedAt: iso(seen.capturedAt),
    publishedAt: iso(seen.publishedAt),
    complete: entries.every(([, v]) => v.applied),
    projections: Object.fromEntries(entries),
  };
}
