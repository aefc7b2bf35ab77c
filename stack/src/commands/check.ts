// ./stackctl check: the consistency claims checked against a recorded history
// under faults (docs/history-checker.md). Exit 0 without an anomaly, 1 with
// any, 3 when no verdict could be reached. The seed is printed on every run;
// the same command with --seed N makes the same choices and the same faults.
import { randomInt } from 'node:crypto';
import { FAULT_PROJECTIONS, FAULT_SERVICES, FAULT_UNITS } from '@polyglot/contracts/faults';
import { HISTORY_PROPERTIES } from '@polyglot/contracts/history';
import { NEMESIS_KINDS, parseNemesis } from '../check/nemesis.ts';
import { runCheck, shownPath, type CheckResult } from '../check/run-check.ts';
import { StackError } from '../errors.ts';
import { info } from '../progress.ts';

export const CHECK_HELP = `  check [--seconds N] [--clients N] [--nemesis LIST|none] [--seed N] [--units LIST] [--json]
                                     N clients (default 8) write and read users, posts and follows over the API in
                                     both modes for N seconds (default 60), every operation recorded, while a nemesis
                                     seeded by --seed (printed; default random) does ${NEMESIS_KINDS.join(',')}
                                     (the default) to random --units (default the services) and projections through
                                     /faults; then the history checker's verdict per property, the convergence time
                                     and the history file (docs/history-checker.md); exit 1 on any anomaly, 3 without
                                     a verdict (GATEWAY_URL, GATEWAY_TOKEN)`;

export interface CheckArgs {
  seconds?: string;
  clients?: string;
  nemesis?: string;
  seed?: string;
  units?: string;
  json?: boolean;
}

const bad = (message: string) => new StackError('BAD_ARGUMENT', `${message}; see ./stackctl help`, { exitCode: 2 });

function whole(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(`--${name} is a whole number from ${min} to ${max} (not "${text}")`);
  return n;
}

function replayCommand(result: { seed: number }, args: { seconds: number; clients: number; nemesis: readonly string[]; units: readonly string[] }): string {
  const units = args.units.join(',') === FAULT_SERVICES.join(',') ? '' : ` --units ${args.units.join(',')}`;
  return `./stackctl check --seconds ${args.seconds} --clients ${args.clients} --nemesis ${args.nemesis.length === 0 ? 'none' : args.nemesis.join(',')} --seed ${result.seed}${units}`;
}

function render(result: CheckResult, replay: string): string {
  const { verdict } = result;
  const total = HISTORY_PROPERTIES.reduce((n, p) => n + verdict.properties[p].anomalies, 0);
  const lines = [`verdict: ${verdict.valid ? 'no anomaly' : `${total} ${total === 1 ? 'anomaly' : 'anomalies'}`} in ${verdict.operations.toLocaleString()} operations on ${verdict.entities.toLocaleString()} entities (seed ${result.seed})`];
  lines.push(`  ${'property'.padEnd(21)}${'checked'.padStart(9)}${'anomalies'.padStart(11)}`);
  for (const property of HISTORY_PROPERTIES) {
    const p = verdict.properties[property];
    const note =
      property === 'strong' ? `   ${verdict.properties.strong.undecided} undecided` : property === 'convergence' && verdict.properties.convergence.convergenceMs !== null ? `   converged in ${verdict.properties.convergence.convergenceMs} ms` : '';
    lines.push(`  ${property.padEnd(21)}${p.checked.toLocaleString().padStart(9)}${p.anomalies.toLocaleString().padStart(11)}${note}`);
  }
  const shownAnomalies = verdict.anomalies.slice(0, 10);
  if (shownAnomalies.length > 0) {
    lines.push(`anomalies${verdict.anomalies.length > shownAnomalies.length ? ` (the first ${shownAnomalies.length} of ${verdict.anomalies.length}; all in the verdict file)` : ''}:`);
    for (const a of shownAnomalies) lines.push(`  ${a.property} in ${a.store}, ${a.entity}: ${a.explanation}`, `    history lines ${a.indexes.join(', ')}`);
  }
  const s = result.stats;
  lines.push(
    `operations: ${s.writes.toLocaleString()} writes, ${s.reads.toLocaleString()} reads (${s.ok} ok, ${s.failed} failed, ${s.unknown} of unknown outcome); faults: ${result.plan.length}${result.healFailures.length > 0 ? `, ${result.healFailures.length} heals failed` : ''}`,
    `settled: ${result.settledMs === null ? 'not within the time allowed' : `${(result.settledMs / 1000).toFixed(1)} s after the clients stopped`}`,
    `history: ${shownPath(result.historyFile)} (${result.historyLines.toLocaleString()} lines)`,
    `verdict file: ${shownPath(result.verdictFile)}`,
    `replay: ${replay}`,
  );
  return `${lines.join('\n')}\n`;
}

export async function checkCommand(args: CheckArgs, positionals: readonly string[]): Promise<number> {
  if (positionals.length > 0) throw bad(`check takes options only (not "${positionals.join(' ')}")`);
  const seconds = whole('seconds', args.seconds, 60, 5, 3600);
  const clients = whole('clients', args.clients, 8, 1, 64);
  const seed = whole('seed', args.seed, randomInt(1, 2 ** 31), 0, 2 ** 32 - 1);
  let nemesis: ReturnType<typeof parseNemesis>;
  try {
    nemesis = parseNemesis(args.nemesis ?? NEMESIS_KINDS.join(','));
  } catch (error) {
    throw bad((error as Error).message);
  }
  const units = args.units === undefined ? [...FAULT_SERVICES] : args.units.split(',').map((u) => u.trim()).filter(Boolean);
  const unknown = units.filter((u) => !(FAULT_UNITS as readonly string[]).includes(u));
  if (unknown.length > 0) throw bad(`--units names units /faults may kill: ${FAULT_UNITS.join(', ')} (not ${unknown.join(', ')})`);
  const replay = replayCommand({ seed }, { seconds, clients, nemesis, units });
  info(`check: seed ${seed}; replay with: ${replay}`);
  const result = await runCheck({ seconds, clients, nemesis, seed, units, projections: FAULT_PROJECTIONS }, (line) => info(`check: ${line}`));
  if (args.json) {
    const { verdict, ...rest } = result;
    process.stdout.write(`${JSON.stringify({ ...rest, valid: verdict.valid, convergenceMs: verdict.properties.convergence.convergenceMs, verdict, replay }, null, 2)}\n`);
  } else {
    process.stdout.write(render(result, replay));
  }
  return result.verdict.valid ? 0 : 1;
}
