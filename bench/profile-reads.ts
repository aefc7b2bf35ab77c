// Benchmark: GET /users/:id, served from the profile cache the pipeline keeps,
// against the least a service can do for the same answer (a bare Fastify route
// with one Redis GET, bench/support/bare-profile-server.ts), measured in the
// same run with the same load: wrk (installed with apt-get when missing),
// --connections connections (default 50) for --seconds each, over --users
// existing users whose profiles are cached first. Also the same read with consistency=strong, which goes to the users
// service and PostgreSQL. Prints numbers; asserts nothing. Needs the system up.
//
// Options: --connections 50  --seconds 10  --users 1000
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { INTERNAL_SECRET_HEADER, internalSecret } from '../packages/platform/src/internal-secret.ts';
import { repoRoot } from '../stack/src/paths.ts';
import { ensureHostPackages } from '../stack/src/provision/host-packages.ts';
import { cpuRows, cpuSnapshot } from './support/cpu.ts';
import { announceRateLimit, call, gateway } from './support/load.ts';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' }, users: { type: 'string', default: '1000' } } });
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const USERS = Number(values.users);
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

interface Run {
  label: string;
  perSecond: number;
  p50: string;
  p99: string;
  errors: number;
  cpu: string[];
}

/** wrk's script: each request the next user's id, with the stack's secret (the rate limit's own processes). */
function wrkScript(dir: string, ids: readonly number[], query: string): string {
  const file = join(dir, `reads${query ? '-strong' : ''}.lua`);
  writeFileSync(
    file,
    `local ids = {${ids.join(',')}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/users/" .. ids[(n % #ids) + 1] .. "${query}", { ["${INTERNAL_SECRET_HEADER}"] = "${internalSecret()}" })
end
`,
  );
  return file;
}

// wrk (C, two threads): a Node load generator on this 2-core machine took a core itself and capped the reference.
function load(label: string, base: string, script: string): Run {
  const cpuBefore = cpuSnapshot();
  const result = spawnSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', script, base], { encoding: 'utf8' });
  const cpu = cpuRows(cpuBefore, cpuSnapshot());
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.stdout}`);
  const out = result.stdout;
  const latency = (q: string) => new RegExp(`\\s${q}%\\s+(\\S+)`).exec(out)?.[1] ?? '-';
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return { label, perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0), p50: latency('50'), p99: latency('99'), errors, cpu };
}

async function startBareServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', `${repoRoot}/bench/support/bare-profile-server.ts`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  if (!/^\d+$/.test(line)) throw new Error(`the bare server did not start: ${line}`);
  return { url: `http://127.0.0.1:${line}`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  await ensureHostPackages({ wrk: 'wrk' }, 'bench profile-reads');
  await announceRateLimit();
  const listed = await call('GET', `/users?limit=${USERS}`, 'users');
  const ids = ((listed.json ?? []) as Array<{ id: number }>).map((u) => u.id);
  if (ids.length === 0) throw new Error('no users: seed some first (./stackctl seed --users 1000 --posts 0 --follows 0)');
  // Every profile cached (a miss is read from the users service and filled).
  for (const id of ids) await call('GET', `/users/${id}`, 'warm', undefined, { parse: false });
  const dir = mkdtempSync(join(tmpdir(), 'profile-reads-'));
  const bare = await startBareServer();
  try {
    const reads = wrkScript(dir, ids, '');
    process.stdout.write(`\nGET /users/:id over ${ids.length} users, ${CONNECTIONS} connections, ${SECONDS} s each (wrk -t2):\n`);
    const runs = [load('bare Fastify + Redis GET (reference)', bare.url, reads), load('gateway, from the profile cache', gateway, reads), load('gateway, consistency=strong (users service, PostgreSQL)', gateway, wrkScript(dir, ids, '?consistency=strong'))];
    const reference = runs[0]!.perSecond;
    for (const run of runs) {
      process.stdout.write(`  ${run.label.padEnd(58)} ${thousands(run.perSecond).padStart(7)} req/s  p50 ${run.p50}  p99 ${run.p99}  ${((run.perSecond / reference) * 100).toFixed(0).padStart(3)}% of the reference${run.errors ? `  (${run.errors} errors or non-2xx)` : ''}\n`);
      process.stdout.write(`    ${run.cpu.join('\n    ')}\n`);
    }
  } finally {
    bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
