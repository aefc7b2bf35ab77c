// ./stackctl reconcile [--repair] [--json]: the gateway's reconciler from the
// command line. Exit 0 when no drift remains, 1 when some does, 3 when the
// check could not be made (the gateway or a service behind it is down, or the
// session is refused). GATEWAY_URL and GATEWAY_TOKEN (an admin session, when
// AUTH_REQUIRED is on) say where and as whom.
import type { Drift, ReconcileReport, RepairReport } from '../../../packages/contracts/src/reconcile.ts';
import { gatewayCall as callGateway } from '../gateway-call.ts';
import { formatSeconds, info } from '../progress.ts';

export const RECONCILE_HELP = `  reconcile [--repair] [--json]      compare every store with its source of truth and list each drift (exit 1 if any);
                                     --repair fixes it from the source first (GATEWAY_URL, GATEWAY_TOKEN)`;

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

export function renderReport(report: ReconcileReport): string {
  const c = report.counts;
  const lines = [
    `Checked in ${formatSeconds(report.durationMs)} (${report.passes === 1 ? 'one look' : 'suspects looked at twice, after the pipeline settled'}), ${report.checkedAt}`,
    `  users:   ${c.users.postgres} in PostgreSQL; ${c.users.neo4j} :User nodes; ${c.users.redis} cached profiles; ${c.users.timescaledb} alive in events`,
    `  posts:   ${c.posts.ferretdb} live; ${c.posts.neo4j} with a POSTED edge; ${c.posts.redis} in the listing; ${c.posts.timescaledb} alive in events`,
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

export async function reconcileCommand(options: { repair?: boolean; json?: boolean }): Promise<number> {
  if (options.repair) {
    info('repairing drift through the gateway (then comparing afresh)');
    const result = await gatewayCall<RepairReport>('POST', '/reconcile/repair');
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderActions(result)}\n\nAfter the repair:\n${renderReport(result.report)}\n`);
    return result.report.total === 0 ? 0 : 1;
  }
  info('comparing the stores through the gateway');
  const report = await gatewayCall<ReconcileReport>('GET', '/reconcile');
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`);
  return report.total === 0 ? 0 : 1;
}
