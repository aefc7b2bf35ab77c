// The six Node services, as benches stop and start them: through ./stackctl, so that a service
// takes its settings from the environment ./stackctl is given (settingsFromHost), as at `up`.
import { spawn } from 'node:child_process';
import { HOST } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { repoRoot } from '@polyglot/stack/paths';
import { sleep } from './load.ts';

export const NODE_SERVICES = ['users', 'posts', 'graph', 'analytics', 'projectors', 'gateway'] as const;
export type NodeService = (typeof NODE_SERVICES)[number];

export const serviceUrl = (service: NodeService) => `http://${HOST}:${servicePorts[service]}`;

/**
 * Runs ./stackctl with `env` (this process's by default); rejects with its last line of stderr when it fails.
 * Not spawnSync: a Ctrl-C during a restart must reach the bench's handler at once. In a process group of its
 * own, so that the Ctrl-C meant for the bench does not cut a start half-way.
 */
export function stackctl(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const child = spawn(`${repoRoot}/stackctl`, args, { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`./stackctl ${args.join(' ')} failed: ${stderr.trim().split('\n').at(-1)}`))));
  });
}

/** Milliseconds until `url`/health answers (anything below 500), or null when it did not within `timeoutMs`. */
export async function healthyWithin(url: string, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const answer = await fetch(`${url}/health`, { headers: internalHeaders(), signal: AbortSignal.timeout(2000) }).catch(() => null);
    if (answer && answer.status < 500) return performance.now() - started;
    await sleep(50);
  }
  return null;
}

/** Stops `services` and starts them again with `env`; ./stackctl start returns once each is healthy (its probe). */
export async function restartServices(services: readonly NodeService[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await stackctl(['stop', ...services], env);
  await stackctl(['start', ...services], env);
}
