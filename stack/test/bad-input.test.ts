// Preconditions that fail: each is one line, a non-zero exit, and nothing
// half-started or half-cached. These run the CLI with an empty cache and state
// folder of their own, so the running stack is not touched.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { waitFor } from '@polyglot/platform/wait-for';
import { debeziumKey, kafkaKey } from '../src/provision/maven-artifacts.ts';
import { errorLine, runCli, startCli } from '../test-fixtures/run-cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'stack-bad-input-'));
chmodSync(scratch, 0o755);
after(() => rmSync(scratch, { recursive: true, force: true }));

function isolated(name: string): NodeJS.ProcessEnv {
  const root = join(scratch, name);
  return { XDG_CACHE_HOME: join(root, 'cache'), STACK_STATE_DIR: join(root, 'state') };
}

function cacheEntries(env: NodeJS.ProcessEnv): string[] {
  const dir = join(env.XDG_CACHE_HOME!, 'polyglot-persistence');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Bytes downloaded so far into the partial folders of the cache. */
function partialBytes(env: NodeJS.ProcessEnv): number {
  const dir = join(env.XDG_CACHE_HOME!, 'polyglot-persistence');
  let total = 0;
  for (const partial of cacheEntries(env).filter((e) => e.includes('.partial-'))) {
    for (const file of readdirSync(join(dir, partial), { recursive: true, encoding: 'utf8' })) {
      const stats = statSync(join(dir, partial, file), { throwIfNoEntry: false });
      if (stats?.isFile()) total += stats.size;
    }
  }
  return total;
}

function pidFiles(env: NodeJS.ProcessEnv): string[] {
  const dir = join(env.STACK_STATE_DIR!, 'run');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pid')) : [];
}

describe('stackctl refuses clearly', () => {
  test('without root, the native stack says so and points to Docker Compose', async () => {
    // A user namespace without a uid map: the CLI runs as uid 65534 and can still read this checkout.
    const env = isolated('no-root');
    const result = await runCli(['up', '--native'], { env, wrap: ['unshare', '--user'] });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(errorLine(result), 'stackctl: the native stack needs root (debootstrap, chroot and mount namespaces); run it as root, or use Docker Compose: ./stackctl up --docker [NEEDS_ROOT]');
    assert.deepEqual(pidFiles(env), []);
  });

  test('too little disk is reported before anything is fetched', async () => {
    const env = { ...isolated('low-disk'), STACK_MIN_FREE_GIB: '1000000' };
    const result = await runCli(['up', '--native'], { env });
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /^stackctl: too little disk for the cache: [\d.]+ GiB free at .*, 1000000 GiB needed; free some space and run again \[LOW_DISK\]$/);
    assert.deepEqual(cacheEntries(env), []);
    assert.deepEqual(pidFiles(env), []);
  });

  test('a registry that refuses: one line naming the fetch, no partial cache, no process left', async () => {
    // Nothing listens on port 9: the Debian mirror refuses at once.
    const env = { ...isolated('refused'), STACK_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian' };
    const result = await runCli(['up', '--native'], { env });
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /^stackctl: debootstrap trixie from http:\/\/127\.0\.0\.1:9\/debian failed: .* \(full log: .*debian-root\.log\) \[FETCH_FAILED\]$/);
    assert.deepEqual(cacheEntries(env).filter((e) => e.includes('.partial-') || e.startsWith('debian-')), []);
    assert.deepEqual(pidFiles(env), []);
  });

  test('a registry that hangs: the fetch times out with one line', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<Socket>();
    const hanging = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as { port: number }).port;
    try {
      const env = { ...isolated('hanging'), STACK_DEBIAN_MIRROR: `http://127.0.0.1:${port}/debian`, STACK_FETCH_TIMEOUT_S: '4' };
      // Only the Debian root: the one fetch that goes to the hanging mirror.
      const result = await runCli(['fetch', 'postgres'], { env });
      assert.equal(result.code, 1);
      assert.match(errorLine(result), /^stackctl: debootstrap trixie from http:\/\/127\.0\.0\.1:\d+\/debian failed: no result after 4 s \(a registry that does not answer\?\).*\[FETCH_FAILED\]$/);
      assert.deepEqual(cacheEntries(env).filter((e) => e.includes('.partial-')), []);
      assert.deepEqual(pidFiles(env), []);
    } finally {
      for (const socket of sockets) socket.destroy();
      hanging.close();
    }
  });

  test('Ctrl-C mid-download leaves the cache usable and the next run finishes the job', { timeout: 600_000 }, async () => {
    const env = isolated('interrupted');
    const { child, done } = startCli(['fetch', 'connect'], { env });
    // Wait until the download has really begun (bytes in its partial folder), then interrupt.
    await waitFor('the download under way (bytes in its partial folder)', () => partialBytes(env) > 0, { timeoutMs: 60_000, intervalMs: 100 });
    child.kill('SIGINT');
    const interrupted = await done;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    // Kafka may have finished before Debezium's download was cut: a finished artifact is kept, whole.
    // What was cut must not be there under its final name, and what is there must be complete.
    const kept = cacheEntries(env).filter((e) => e === kafkaKey || e === debeziumKey);
    assert.ok(kept.length < 2, `the interrupt came after both downloads: ${kept.join(', ')}`);
    for (const entry of kept) assert.ok(existsSync(join(env.XDG_CACHE_HOME!, 'polyglot-persistence', entry, '.complete')), `${entry} is kept without its .complete marker: nothing half-made may look complete`);
    assert.deepEqual(cacheEntries(env).filter((e) => (e.startsWith('kafka-') || e.startsWith('debezium-')) && !e.includes('.partial-') && e !== kafkaKey && e !== debeziumKey), []);

    const resumed = await runCli(['fetch', 'connect'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    const entries = cacheEntries(env);
    assert.ok(entries.includes(kafkaKey) && entries.includes(debeziumKey), entries.join(', '));
    assert.deepEqual(entries.filter((e) => e.includes('.partial-')), []);
    assert.ok(existsSync(join(env.XDG_CACHE_HOME!, 'polyglot-persistence', kafkaKey, '.complete')));
  });
});
