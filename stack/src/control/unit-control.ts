// The unit control as a unit of the stack: the one process besides the CLI
// itself that runs as root. Services run unprivileged (service-units.ts), so
// the gateway cannot stop, start or kill a unit for /faults by itself; it asks
// this process over a UNIX socket (server.ts), which runs the stack's own CLI
// for it. `up` starts it (`test` too), `down` stops it, `status` shows it.
import { request } from 'node:http';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UNIT_CONTROL_ROUTES } from '@polyglot/contracts/faults';
import { CONTROL_UNIT, type Engine } from '../engines/engine.ts';
import { withTimeout } from '../engines/engine.ts';
import { controlSocket, repoRoot, statePaths } from '../paths.ts';
import { trixieRootDir } from '../provision/trixie-root.ts';
import { engineUserIds } from '../supervisor/launcher.ts';
import { NODE_UNIT_ENV, NODE_UNIT_FLAGS } from '../services/node-flags.ts';

/** The group that may reach the socket: the unprivileged user's, as in the Debian root. */
function controlGroup(root: string = trixieRootDir()): number {
  return engineUserIds(root).gid;
}

/**
 * The socket's folder, root:polyglot 0750. Made before the control or the gateway starts (the gateway's
 * root binds it), and never removed: the gateway keeps seeing a new socket after the control restarts.
 */
export async function ensureControlFolder(root?: string): Promise<number> {
  const gid = controlGroup(root);
  await mkdir(statePaths.control, { recursive: true, mode: 0o750 });
  await chown(statePaths.control, 0, gid);
  await chmod(statePaths.control, 0o750);
  return gid;
}

/** One request to the control over its socket; resolves with the status and the parsed body. */
export function controlRequest(
  method: 'GET' | 'POST',
  path: string,
  options: { secret?: string; body?: unknown; timeoutMs?: number; socket?: string } = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      {
        socketPath: options.socket ?? controlSocket,
        method,
        path,
        headers: {
          ...(options.secret !== undefined ? { 'x-internal-secret': options.secret } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: the text as it is.
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the unit control did not answer within ${options.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const unitControl: Engine = {
  name: CONTROL_UNIT,
  kind: 'control',
  title: 'unit control (root; /faults stop, start, kill)',
  // Relative to the checkout when inside it, as a person in the checkout would type it.
  address: `unix:${relative(repoRoot, controlSocket).startsWith('..') ? controlSocket : relative(repoRoot, controlSocket)}`,
  ports: [],
  needs: [],
  dependsOn: [],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 5000,
  startTimeoutMs: 20_000,
  async prepare(ctx) {
    await ensureControlFolder(ctx.artifacts.debianRoot);
  },
  launch(ctx) {
    return {
      argv: [process.execPath, '--disable-warning=ExperimentalWarning', ...NODE_UNIT_FLAGS, join(repoRoot, 'stack', 'src', 'control', 'main.ts')],
      binds: [],
      env: { ...NODE_UNIT_ENV, UNIT_CONTROL_GID: String(controlGroup(ctx.artifacts.debianRoot)) },
    };
  },
  async probe() {
    return withTimeout(`${CONTROL_UNIT} probe`, 3000, (async () => {
      const { status, body } = await controlRequest('GET', UNIT_CONTROL_ROUTES.health, { timeoutMs: 2500 });
      if (status !== 200) throw new Error(`${UNIT_CONTROL_ROUTES.health} answered ${status}: ${JSON.stringify(body).slice(0, 200)}`);
      return { version: `Node ${process.versions.node}` };
    })());
  },
};
