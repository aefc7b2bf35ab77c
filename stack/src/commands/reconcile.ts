// ./stackctl reconcile [--repair] [--json]: the gateway's reconciler from the
// command line. Exit 0 when no drift remains, 1 when some does, 3 when the
// check could not be made (the gateway or a service behind it is down, or the
// session is refused). GATEWAY_URL and GATEWAY_TOKEN (an admin session, when
// AUTH_REQUIRED is on) say where and as whom.
import type { Drift, ReconcileProgress, ReconcileReport, RepairReport } from '@polyglot/contracts/reconcile';
import { gatewayCall as callGateway } from '../gateway-call.ts';
import { formatSeconds, info } from '../progress.ts';

export const RECONCILE_HELP = `  reconcile [--repair] [--changes] [--json]
                                     compare every store with its source of truth and list each drift (exit 1 if any);
                                     --repair fixes it from the source first; --changes looks only at what changed
                                     since the last --changes check (GATEWAY_URL, GATEWAY_TOKEN)`;

/** How often a running check's progress is asked for and printed. */
const PROGRESS_EVERY_MS = 3000;

/** Rows shown in the table; --json has them all. */
const MAX_ROWS = 50;
const MAX_CELL = 48;

const gatewayCall = <T>(method: 'GET' | 'POST', path: string) => callGateway<T>(method, path, { failureCode: 'RECONCILE_FAILED' });

const cell = (value: string | null) => {
  const text = value ?? '-';
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
};

export function renderDrift(drift: readonly Drift[]): string {
  const header = ['STORE', 'ENTITY', 'ID', 'KIND', 'EXPECTED', 'ACTUAL'];
  const rows = drift.slice(0, MAX_ROWS).map((d) => [d.store, d.entity, d.id, d.kind, cell(d.expected), cell(d.actual)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (drift.length > MAX_ROWS) lines.push(`… and ${drift.length - MAX_ROWS} more (--json lists them all)`);
  return lines.join('\n');
}

function tally(drift: readonly Drift[]): string {
  const per = new Map<string, number>();
  for (const d of drift) per.set(`${d.store} ${d.entity}`, (per.get(`${d.store} ${d.entity}`) ?? 0) + 1);
  return [...per].map(([k, n]) => `${k} ${n}`).join(', ');
}

/**
 * Waits for a check the gateway runs, printing where it is every few seconds (its phase, what it compared
 * and the rate): a full check of a large system reads every entity and takes minutes.
 */
export async function withProgress<T>(check: Promise<T>): Promise<T> {
  let done = false;
  const watching = (async () => {
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, PROGRESS_EVERY_MS));
      if (done) return;
      const progress = await gatewayCall<ReconcileProgress>('GET', '/reconcile/progress').catch(() => null);
      const running = progress?.running;
      if (!running || done) continue;
      const c = running.checked;
      info(`reconcile (${running.scope}): ${running.phase}; compared ${c.users} users, ${c.posts} posts, ${c.follows} follows${c.extras ? `, read through ${c.extras} more` : ''}; ${running.perSecond}/s`);
    }
  })();
  try {
    return await check;
  } finally {
    done = true;
    await watching;
  }
}

export function renderReport(report: ReconcileReport): string {
  const c = report.counts;
  const changes = report.changes;
  const lines = [
    `Checked in ${formatSeconds(report.durationMs)} (${report.passes === 1 ? 'one look' : 'suspects looked at twice, after the pipeline settled'}), ${report.checkedAt}`,
    ...(changes
      ? [
          `  only what changed since the last --changes check: ${changes.users} users, ${changes.posts} posts, ${changes.follows} follows${changes.remaining ? ` (${changes.remaining} more changes left for the next check)` : ''}`,
          ...(changes.overflowed.length > 0 ? [`  the change journal of ${changes.overflowed.join(', ')} overflowed since the last full check: run ./stackctl reconcile without --changes to cover everything`] : []),
        ]
      : []),
    `  users:   ${c.users.postgres} in PostgreSQL; ${c.users.neo4j} :User nodes; ${c.users.redis} cached profiles; ${c.users.timescaledb} alive in events`,
    `  posts:   ${c.posts.ferretdb} live; ${c.posts.neo4j} :Post nodes; ${c.posts.redis} in the listing, ${c.posts.redisAuthorListings} in authors' listings; ${c.posts.timescaledb} alive in events`,
    `  follows: ${c.follows.neo4j} FOLLOWS edges; ${c.follows.timescaledb} alive in events`,
  ];
  if (report.total === 0) lines.push('No drift: every store agrees with its source of truth.');
  else lines.push(`Drift: ${report.total} (${tally(report.drift)})`, '', renderDrift(report.drift));
  return lines.join('\n');
}

function renderActions(result: RepairReport): string {
  const parts = Object.entries(result.actions)
    .filter(([, v]) => v !== null)
    .map(([store, v]) => `  ${store}: ${Object.entries(v as Record<string, number>).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return [`Repaired ${result.repaired.length} drift${result.repaired.length === 0 ? '' : ` (${tally(result.repaired)})`} in ${formatSeconds(result.durationMs)}`, ...parts].join('\n');
}

export async function reconcileCommand(options: { repair?: boolean; json?: boolean; changes?: boolean }): Promise<number> {
  const scope = options.changes ? '?scope=changes' : '';
  if (options.repair) {
    info('repairing drift through the gateway (then comparing afresh)');
    const result = await withProgress(gatewayCall<RepairReport>('POST', `/reconcile/repair${scope}`));
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderActions(result)}\n\nAfter the repair:\n${renderReport(result.report)}\n`);
    return result.report.total === 0 ? 0 : 1;
  }
  info(options.changes ? 'comparing what changed since the last --changes check, through the gateway' : 'comparing every store through the gateway');
  const report = await withProgress(gatewayCall<ReconcileReport>('GET', `/reconcile${scope}`));
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
  return report.total === 0 ? 0 : 1;
}
