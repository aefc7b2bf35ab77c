// Closed-loop HTTP load with wrk (C, two threads), installed with apt-get when
// missing. A Node load generator on this 2-core machine took a core itself and
// capped what it measured. Each request carries the stack's secret (the rate
// limit's own processes). Async: a bench may write meanwhile.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERNAL_SECRET_HEADER, internalSecret } from '@polyglot/platform/internal-secret';
import { ensureHostPackages } from '@polyglot/stack/provision/host-packages';

export interface WrkResult {
  perSecond: number;
  p50: string;
  p99: string;
  /** Non-2xx answers and socket errors. */
  errors: number;
}

export async function ensureWrk(): Promise<void> {
  await ensureHostPackages({ wrk: 'wrk' }, 'this benchmark (its load generator, wrk)');
}

/** `connections` connections for `seconds` against base, each request the next of `paths` in turn. */
export async function runWrk(base: string, paths: readonly string[], connections: number, seconds: number): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  try {
    const script = join(dir, 'paths.lua');
    writeFileSync(
      script,
      `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], { ["${INTERNAL_SECRET_HEADER}"] = "${internalSecret()}" })
end
`,
    );
    const child = spawn('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, base], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`wrk failed (${code}): ${err || out}`);
    const latency = (q: string) => new RegExp(`\\s${q}%\\s+(\\S+)`).exec(out)?.[1] ?? '-';
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0;
    return { perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0), p50: latency('50'), p99: latency('99'), errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + socketErrors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
