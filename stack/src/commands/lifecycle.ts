// status, start, stop, kill, down, reset and logs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { ComposeSupervisor } from '../docker/compose-supervisor.ts';
import { dependencyDepth, units } from '../engines/registry.ts';
import type { Engine } from '../engines/engine.ts';
import { StackError } from '../errors.ts';
import { recordedMode } from '../mode.ts';
import { engineLogFile, statePaths } from '../paths.ts';
import { info, step } from '../progress.ts';
import { renderStatusTable } from '../status-table.ts';
import { requireCredentials } from '../credentials.ts';
import { backendFor } from './backend.ts';

/** Every engine takes a password generated for this machine: where a person finds them. */
export const CONNECT_HINT = 'Passwords, and how to connect with psql, cypher-shell, redis-cli or curl: ./stackctl credentials';

export async function statusCommand(flags: { json?: boolean }): Promise<number> {
  const backend = backendFor();
  const statuses = await Promise.all(units.map((e) => backend.status(e)));
  process.stdout.write(`${flags.json ? JSON.stringify({ mode: backend.mode, engines: statuses }, null, 2) : `${renderStatusTable(statuses)}\n\n${CONNECT_HINT}`}\n`);
  return 0;
}

export async function startCommand(selected: Engine[]): Promise<number> {
  requireCredentials();
  const backend = backendFor();
  // Start dependencies that are not up first (Connect needs Kafka), deepest first.
  const closure = new Set<Engine>();
  const visit = (unit: Engine) => {
    unit.dependsOn.forEach((d) => visit(units.find((x) => x.name === d)!));
    closure.add(unit);
  };
  selected.forEach(visit);
  const withDeps = [...closure];
  const toStart: Engine[] = [];
  for (const engine of withDeps) {
    if ((await backend.status(engine)).state !== 'healthy') toStart.push(engine);
    else if (selected.includes(engine)) info(`${engine.name} is already healthy`);
  }
  if (toStart.length > 0) await step(`starting ${toStart.map((e) => e.name).join(', ')}`, () => backend.start(toStart));
  const statuses = await Promise.all(selected.map((e) => backend.status(e)));
  process.stdout.write(`${renderStatusTable(statuses)}\n`);
  return 0;
}

export async function stopCommand(selected: Engine[]): Promise<number> {
  const backend = backendFor();
  await Promise.all(selected.map((engine) => step(`stopping ${engine.name}`, () => backend.stop(engine))));
  return 0;
}

export async function killCommand(selected: Engine[]): Promise<number> {
  const backend = backendFor();
  for (const engine of selected) {
    await backend.kill(engine);
    info(`${engine.name} killed with SIGKILL (status will show it as crashed until it is started again)`);
  }
  return 0;
}

/** Stops everything, dependents before what they depend on (services, then Connect, then the rest). */
export async function downCommand(): Promise<number> {
  const backend = backendFor();
  const byDepth = new Map<number, Engine[]>();
  for (const unit of units) byDepth.set(dependencyDepth(unit), [...(byDepth.get(dependencyDepth(unit)) ?? []), unit]);
  for (const depth of [...byDepth.keys()].sort((a, b) => b - a)) {
    // Under Compose the containers go at the end, all together.
    const group = byDepth.get(depth)!.filter((u) => recordedMode() !== 'docker' || u.kind !== 'engine');
    if (group.length === 0) continue;
    await Promise.all(group.map((e) => step(`stopping ${e.name}`, () => backend.stop(e))));
  }
  if (recordedMode() === 'docker') await step('docker compose down', async () => new ComposeSupervisor().downAll());
  info('everything is stopped');
  return 0;
}

export async function resetCommand(flags: { yes?: boolean }): Promise<number> {
  if (!flags.yes) {
    if (!process.stdin.isTTY) throw new StackError('NOT_CONFIRMED', 'reset deletes every engine\'s data; run ./stackctl reset --yes to confirm', { exitCode: 2 });
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Delete all data under ${statePaths.data}? Type "yes" to confirm: `);
    rl.close();
    if (answer.trim().toLowerCase() !== 'yes') throw new StackError('NOT_CONFIRMED', 'reset cancelled; nothing was deleted', { exitCode: 2 });
  }
  if (recordedMode() === 'docker') {
    await step('docker compose down --volumes', async () => new ComposeSupervisor().downAll({ deleteVolumes: true }));
  } else {
    await downCommand();
  }
  await rm(statePaths.data, { recursive: true, force: true });
  await rm(statePaths.logs, { recursive: true, force: true });
  info(`deleted ${statePaths.data} and ${statePaths.logs}; the download cache is kept`);
  return 0;
}

export async function logsCommand(engine: Engine, flags: { lines?: string; follow?: boolean }): Promise<number> {
  const lines = Number(flags.lines ?? '50');
  if (!Number.isInteger(lines) || lines <= 0) throw new StackError('BAD_ARGUMENT', `--lines must be a positive whole number, got "${flags.lines}"`, { exitCode: 2 });
  if (recordedMode() === 'docker') {
    new ComposeSupervisor().logs(engine, lines, Boolean(flags.follow));
    return 0;
  }
  const file = engineLogFile(engine.name);
  if (!existsSync(file)) {
    info(`${engine.name} has no log yet (${file}); start it with ./stackctl start ${engine.name}`);
    return 0;
  }
  const child = spawn('tail', ['-n', String(lines), ...(flags.follow ? ['-F'] : []), file], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));
}
