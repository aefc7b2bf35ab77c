// Starts and stops the side-by-side reference API (side-by-side-api.ts) as a
// process of its own, so its CPU is not the load generator's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface SideBySideApi {
  base: string;
  /** What it writes to, removed when it stops. */
  database: string;
  topic: string;
  stop(): Promise<void>;
}

export async function startSideBySideApi(run: string): Promise<SideBySideApi> {
  const database = `bench_side_by_side_${run}`;
  const topic = `bench-side-by-side-${run}`;
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', new URL('./side-by-side-api.ts', import.meta.url).pathname], {
    env: { ...process.env, REFERENCE_DATABASE: database, REFERENCE_TOPIC: topic },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The bench may end early (an error, Ctrl-C): the reference goes with it.
  const orphan = () => child.kill('SIGTERM');
  process.once('exit', orphan);
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => resolve(Number(JSON.parse(line).port)));
    child.once('exit', (code) => reject(new Error(`the side-by-side reference API exited (${code}) before it listened; its error is above`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    database,
    topic,
    async stop() {
      process.removeListener('exit', orphan);
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
