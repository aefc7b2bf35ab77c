// The table `up` ends with and `status` prints: engine, version, address,
// health, pid and resident memory, all read from the running system.
import type { EngineStatus } from './supervisor/native-supervisor.ts';

const MiB = 1024 * 1024;

export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${Math.round(bytes / MiB)} MiB`;
}

export function renderStatusTable(rows: readonly EngineStatus[]): string {
  const header = ['ENGINE', 'VERSION', 'ADDRESS', 'HEALTH', 'PID', 'RSS'];
  const body = rows.map((r) => [r.engine, r.version ?? '-', r.address, r.state, r.pid === undefined || r.state === 'down' ? '-' : String(r.pid), formatMiB(r.rssBytes)]);
  const total = rows.reduce((sum, r) => sum + (r.rssBytes ?? 0), 0);
  body.push(['total', '', '', `${rows.filter((r) => r.state === 'healthy').length}/${rows.length} healthy`, '', formatMiB(total)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = body.map(line);
  // A blank line between the engines and the rest (the unit control, the platform's services).
  const firstService = rows.findIndex((r) => r.kind !== undefined && r.kind !== 'engine');
  if (firstService > 0) lines.splice(firstService, 0, '');
  const out = [line(header), ...lines];
  for (const r of rows) {
    if (r.state === 'crashed' && r.lastLogLines?.length) {
      out.push('', `${r.engine} crashed; last log lines (./stackctl logs ${r.engine}):`, ...r.lastLogLines.map((l) => `  ${l}`));
    } else if (r.state === 'starting' && r.error) {
      out.push(`${r.engine}: not answering yet (${r.error})`);
    }
  }
  return out.join('\n');
}
