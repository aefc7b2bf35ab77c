// stop / start / kill / up-twice and the one-line errors of the CLI, on the running stack.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { endpoints, HOST } from '../src/engines/endpoints.ts';
import { units } from '../src/engines/registry.ts';
import { engineDataDir } from '../src/paths.ts';
import { errorLine, runCli } from '../test-fixtures/run-cli.ts';

interface StatusJson {
  mode: string;
  engines: Array<{ engine: string; kind: string; state: string; pid?: number; rssBytes?: number; version?: string; lastLogLines?: string[] }>;
}

async function statusOf(engine: string) {
  const result = await runCli(['status', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as StatusJson;
  const row = parsed.engines.find((e) => e.engine === engine);
  assert.ok(row, `status has no row for ${engine}`);
  return row;
}

describe('stackctl lifecycle', () => {
  test('status --json reports every engine healthy, with a version, a pid and resident memory', async () => {
    const result = await runCli(['status', '--json']);
    const parsed = JSON.parse(result.stdout) as StatusJson;
    assert.equal(parsed.engines.filter((e) => e.kind === 'engine').length, 10);
    assert.equal(parsed.engines.filter((e) => e.kind === 'control').length, 1);
    assert.equal(parsed.engines.filter((e) => e.kind === 'service').length, 7);
    for (const row of parsed.engines) {
      assert.equal(row.state, 'healthy', `${row.engine} is ${row.state}`);
      assert.ok(row.version && row.version.length > 0);
      assert.ok(row.pid && row.pid > 0);
      assert.ok(row.rssBytes && row.rssBytes > 1024 * 1024, `${row.engine} rss ${row.rssBytes}`);
    }
  });

  test('up on a healthy stack changes nothing and says so', async () => {
    const before = await statusOf('postgres');
    const result = await runCli(['up', '--native']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /already healthy; nothing changed/);
    assert.match(result.stdout, new RegExp(`${units.length}/${units.length} healthy`));
    assert.equal((await statusOf('postgres')).pid, before.pid);
  });

  test('stop makes an engine down and start brings it back healthy', async () => {
    const stopped = await runCli(['stop', 'redis']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal((await statusOf('redis')).state, 'down');
    const started = await runCli(['start', 'redis']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal((await statusOf('redis')).state, 'healthy');
  });

  test('kill is seen as crashed, with the last log lines, until start', async () => {
    const before = await statusOf('postgres');
    const killed = await runCli(['kill', 'postgres']);
    assert.equal(killed.code, 0, killed.stderr);
    const crashed = await statusOf('postgres');
    assert.equal(crashed.state, 'crashed');
    assert.ok(crashed.lastLogLines && crashed.lastLogLines.length > 0);
    const table = await runCli(['status']);
    assert.match(table.stdout, /postgres crashed; last log lines/);
    const started = await runCli(['start', 'postgres']);
    assert.equal(started.code, 0, started.stderr);
    const after = await statusOf('postgres');
    assert.equal(after.state, 'healthy');
    assert.notEqual(after.pid, before.pid);
  });

  test('a taken port is named with the process holding it, and nothing is started', async () => {
    assert.equal((await runCli(['stop', 'redis'])).code, 0);
    // The running services keep trying to reach Redis and will connect to the squatter: drop them.
    const sockets = new Set<Socket>();
    const squatter = createServer((socket) => {
      sockets.add(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => squatter.listen(endpoints.redis.port, HOST, resolve));
    try {
      const result = await runCli(['start', 'redis']);
      assert.equal(result.code, 1);
      assert.match(errorLine(result), new RegExp(`port ${endpoints.redis.port} needed by redis is already taken by pid ${process.pid} `));
      assert.match(errorLine(result), /\[PORT_TAKEN\]$/);
      assert.equal((await statusOf('redis')).state, 'down');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    assert.equal((await runCli(['start', 'redis'])).code, 0);
    assert.equal((await statusOf('redis')).state, 'healthy');
  });

  test('an unknown engine or command is one line and exit code 2', async () => {
    for (const args of [['stop', 'oracle'], ['kill', 'oracle'], ['logs', 'oracle']]) {
      const result = await runCli(args);
      assert.equal(result.code, 2);
      assert.equal(errorLine(result), 'stackctl: unknown engine or service "oracle"; known: postgres, timescaledb, redis, redis-state, ferretdb-store, ferretdb, neo4j, kafka, connect, jaeger, unit-control, users, posts, graph, analytics, projectors, gateway, ui [UNKNOWN_ENGINE]');
    }
    const unknown = await runCli(['launch']);
    assert.equal(unknown.code, 2);
    assert.match(errorLine(unknown), /unknown command "launch".*\[UNKNOWN_COMMAND\]$/);
    const badFlag = await runCli(['status', '--colour']);
    assert.equal(badFlag.code, 2);
    assert.match(errorLine(badFlag), /\[BAD_ARGUMENT\]$/);
  });

  test('reset without --yes and without a terminal deletes nothing', async () => {
    const result = await runCli(['reset']);
    assert.equal(result.code, 2);
    assert.match(errorLine(result), /run \.\/stackctl reset --yes to confirm \[NOT_CONFIRMED\]$/);
    assert.ok(existsSync(engineDataDir('postgres')));
    assert.equal((await statusOf('postgres')).state, 'healthy');
  });

  test('logs prints the tail of an engine log', async () => {
    const result = await runCli(['logs', 'kafka', '-n', '5']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim().split('\n').length, 5);
  });
});
