// No service process runs as root. Every unit the stack runs (the engines and
// the platform's services, with every process they started) runs as the
// unprivileged polyglot user, chrooted into the Debian root; the unit control
// is the one root process besides the CLI. A service sees the checkout
// read-only, not the stack's state folder (engine data, secrets), and only the
// gateway sees the unit control's socket.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { units } from '@polyglot/stack/engines/registry';
import { trixieRootDir } from '@polyglot/stack/provision/trixie-root';
import { engineUserIds } from '@polyglot/stack/supervisor/launcher';
import { readPidRecord } from '@polyglot/stack/supervisor/pid-file';
import { isRunning, processTrees } from '@polyglot/stack/supervisor/process-table';

const polyglot = engineUserIds(trixieRootDir());

/** Real, effective, saved and filesystem ids of a process, from /proc/PID/status. */
function ids(pid: number): { uid: number[]; gid: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => /^\S+:\s+(.*)$/m.exec(status.split('\n').find((l) => l.startsWith(`${name}:`)) ?? '')?.[1]!.split(/\s+/).map(Number) ?? [];
  return { uid: field('Uid'), gid: field('Gid') };
}

/** The process and everything it started. */
function tree(root: number): number[] {
  return processTrees(new Map([['root', root]])).get('root') ?? [root];
}

function running(name: string): number {
  const record = readPidRecord(name);
  assert.ok(record && isRunning(record.pid, record.startTime), `${name} is not running (./stackctl up)`);
  return record.pid;
}

test('a service runs as a non-root user: every service process, and everything it started, is polyglot', () => {
  const services = units.filter((u) => u.kind === 'service');
  assert.equal(services.length, 7);
  for (const service of services) {
    for (const pid of tree(running(service.name))) {
      const { uid, gid } = ids(pid);
      assert.deepEqual(uid, [polyglot.uid, polyglot.uid, polyglot.uid, polyglot.uid], `${service.name} pid ${pid} uids ${uid.join(' ')}`);
      assert.deepEqual(gid, [polyglot.gid, polyglot.gid, polyglot.gid, polyglot.gid], `${service.name} pid ${pid} gids ${gid.join(' ')}`);
      assert.notEqual(uid[0], 0);
    }
  }
});

test('the engines run as polyglot too; the unit control is the only unit running as root', () => {
  const asRoot = units.filter((u) => tree(running(u.name)).some((pid) => ids(pid).uid.includes(0))).map((u) => u.name);
  assert.deepEqual(asRoot, ['unit-control']);
});

test('a service sees the checkout read-only at /srv/app, not the state folder; only the gateway sees the unit control', () => {
  for (const service of units.filter((u) => u.kind === 'service')) {
    const pid = running(service.name);
    assert.equal(readlinkSync(`/proc/${pid}/root`), trixieRootDir(), `${service.name} is chrooted into the Debian root`);
    const inside = (path: string) => `/proc/${pid}/root${path}`;
    assert.ok(existsSync(inside('/srv/app/package.json')), `${service.name} sees the checkout`);
    assert.deepEqual(readdirSync(inside('/srv/app/.stack')), [], `${service.name} sees nothing of .stack`);
    const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n');
    const app = mounts.find((l) => l.split(' ')[4] === '/srv/app');
    assert.match(app?.split(' ')[5] ?? '', /^ro\b/, `${service.name}: /srv/app is mounted ${app?.split(' ')[5]}`);
    assert.equal(existsSync(inside('/srv/control/control.sock')), service.name === 'gateway', `${service.name} and the unit control's socket`);
  }
});
