// The unit control's process (the stack's `unit-control` unit): started by the
// supervisor as root, on the host. Listens on .stack/run/control/control.sock,
// 0660 root:polyglot, until SIGTERM.
import { chmodSync, chownSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInternalSecret } from '@polyglot/platform/internal-secret';
import { controlSocket, repoRoot, statePaths } from '../paths.ts';
import { createControlServer } from './server.ts';

const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

if (process.getuid?.() !== 0) {
  log({ level: 'error', msg: 'the unit control runs as root (it starts and stops engines); start it with ./stackctl up' });
  process.exit(1);
}
const gid = Number(process.env.UNIT_CONTROL_GID);
if (!Number.isInteger(gid) || gid <= 0) {
  log({ level: 'error', msg: 'UNIT_CONTROL_GID is not set; start the unit control with ./stackctl start unit-control' });
  process.exit(1);
}

const server = createControlServer({
  cli: join(repoRoot, 'stack', 'src', 'cli.ts'),
  cwd: repoRoot,
  secret: () => ensureInternalSecret(statePaths.root),
  log,
});

// A socket left by a control that was killed would make listen fail.
rmSync(controlSocket, { force: true });
server.listen(controlSocket, () => {
  // Connecting needs write permission: root and the unprivileged user's group (the gateway), nobody else.
  chownSync(controlSocket, 0, gid);
  chmodSync(controlSocket, 0o660);
  log({ level: 'info', msg: `listening on ${controlSocket}`, pid: process.pid });
});
server.on('error', (error) => {
  log({ level: 'error', msg: `cannot listen on ${controlSocket}: ${error.message}` });
  process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log({ level: 'info', msg: `${signal}: stopping` });
    // Running CLIs go on to their end: a half-done start or stop would leave a unit in between.
    server.close();
    rmSync(controlSocket, { force: true });
    process.exit(0);
  });
}
