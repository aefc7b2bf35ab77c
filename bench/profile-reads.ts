// Benchmark: GET /users/:id, served from the profile cache the pipeline keeps,
// against the least a service can do for the same answer (a bare Fastify route
// with one Redis GET, bench/support/bare-profile-server.ts), measured in the
// same run with the same load: wrk (installed with apt-get when missing),
// --connections connections (default 50) for --seconds each, over --users
// existing users whose profiles are cached first. Also the same read with consistency=strong, which goes to the users
// service and PostgreSQL. Prints numbers; asserts nothing. Needs the system up.
//
// Options: --connections 50  --seconds 10  --users 1000
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { repoRoot } from '@polyglot/stack/paths';
import { cpuRows, cpuSnapshot } from './support/cpu.ts';
import { printer, recordFigures } from './support/figures-doc.ts';
import { announceRateLimit, call, gateway } from './support/load.ts';
import { ensureWrk, runWrk, type WrkResult } from './support/wrk.ts';

const { print, printed } = printer();
const { values } = parseArgs({ options: { connections: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' }, users: { type: 'string', default: '1000' } } });
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const USERS = Number(values.users);
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

interface Run extends WrkResult {
  label: string;
  cpu: string[];
}

async function load(label: string, base: string, paths: readonly string[]): Promise<Run> {
  const cpuBefore = cpuSnapshot();
  const result = await runWrk(base, paths, CONNECTIONS, SECONDS);
  return { label, ...result, cpu: cpuRows(cpuBefore, cpuSnapshot()) };
}

async function startBareServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', `${repoRoot}/bench/support/bare-profile-server.ts`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  if (!/^\d+$/.test(line)) throw new Error(`the bare server did not start: ${line}`);
  return { url: `http://127.0.0.1:${line}`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  await ensureWrk();
  await announceRateLimit();
  const listed = await call('GET', `/users?limit=${USERS}`, 'users');
  const ids = ((listed.json ?? []) as Array<{ id: number }>).map((u) => u.id);
  if (ids.length === 0) throw new Error('no users: seed some first (./stackctl seed --users 1000 --posts 0 --follows 0)');
  // Every profile cached (a miss is read from the users service and filled).
  for (const id of ids) await call('GET', `/users/${id}`, 'warm', undefined, { parse: false });
  const bare = await startBareServer();
  try {
    const reads = ids.map((id) => `/users/${id}`);
    print(`\nGET /users/:id over ${ids.length} users, ${CONNECTIONS} connections, ${SECONDS} s each (wrk -t2):\n`);
    const runs = [
      await load('bare Fastify + Redis GET (reference)', bare.url, reads),
      await load('gateway, from the profile cache', gateway, reads),
      await load('gateway, consistency=strong (users service, PostgreSQL)', gateway, reads.map((path) => `${path}?consistency=strong`)),
    ];
    const reference = runs[0]!.perSecond;
    for (const run of runs) {
      print(`  ${run.label.padEnd(58)} ${thousands(run.perSecond).padStart(7)} req/s  p50 ${run.p50}  p99 ${run.p99}  ${((run.perSecond / reference) * 100).toFixed(0).padStart(3)}% of the reference${run.errors ? `  (${run.errors} errors or non-2xx)` : ''}\n`);
      print(`    ${run.cpu.join('\n    ')}\n`);
    }
  } finally {
    bare.stop();
  }
}

await main();
recordFigures('profile-reads', printed());
