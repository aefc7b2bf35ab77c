// The unit control: the one narrow, authenticated path from the unprivileged
// gateway to the root-side stack CLI. Against the running control (`up`, and
// `test` before its first phase, start it): a socket only root and the
// polyglot group can open; no action without the internal secret; nothing but
// {action: stop|start|kill, unit} for a unit faults may drive; one action per
// unit at a time; each request logged with who asked.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { test } from 'node:test';
import { FAULT_UNITS } from '@polyglot/contracts/faults';
import { ensureInternalSecret } from '@polyglot/platform/internal-secret';
import { controlRequest } from '../src/control/unit-control.ts';
import { controlSocket, engineLogFile, statePaths } from '../src/paths.ts';
import { trixieRootDir } from '../src/provision/trixie-root.ts';
import { engineUserIds } from '../src/supervisor/launcher.ts';
import { readPidRecord } from '../src/supervisor/pid-file.ts';
import { isRunning } from '../src/supervisor/process-table.ts';
import { runCli } from '../test-fixtures/run-cli.ts';

const secret = ensureInternalSecret(statePaths.root);
const polyglot = engineUserIds(trixieRootDir());

/** A raw request, for bodies controlRequest would not send (not JSON, too large). */
function rawPost(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: controlSocket, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function stateOf(unit: string): Promise<string> {
  const status = await runCli(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  return (JSON.parse(status.stdout).engines as Array<{ engine: string; state: string }>).find((e) => e.engine === unit)!.state;
}

test('it runs as root (the one unit that does), shown by status, and answers its health', async () => {
  assert.equal(await stateOf('unit-control'), 'healthy', 'the unit control is not running: ./stackctl start unit-control');
  const record = readPidRecord('unit-control');
  assert.ok(record && isRunning(record.pid, record.startTime));
  assert.match(readFileSync(`/proc/${record.pid}/status`, 'utf8'), /^Uid:\s+0\s/m);
  const health = await controlRequest('GET', '/health');
  assert.deepEqual(health, { status: 200, body: { status: 'ok' } });
});

test('its socket: only root and the polyglot group may open it; another user cannot even reach its folder', () => {
  const folder = statSync(statePaths.control);
  assert.deepEqual([folder.mode & 0o777, folder.uid, folder.gid], [0o750, 0, polyglot.gid]);
  const socket = statSync(controlSocket);
  assert.ok(socket.isSocket());
  assert.deepEqual([socket.mode & 0o777, socket.uid, socket.gid], [0o660, 0, polyglot.gid]);
  const nobody = spawnSync('ls', [statePaths.control], { uid: 65534, gid: 65534, encoding: 'utf8' });
  assert.notEqual(nobody.status, 0, 'a process of another user listed the folder');
  assert.match(nobody.stderr, /Permission denied/);
});

test('a caller without the internal secret, or with another, is refused before anything is looked at', async () => {
  const redisBefore = readPidRecord('redis');
  const attempts: Array<Record<string, string>> = [{}, { 'x-internal-secret': 'not-the-secret' }, { 'x-internal-secret': `${secret}x` }];
  for (const headers of attempts) {
    const kill = await rawPost('/actions', JSON.stringify({ action: 'kill', unit: 'redis' }), headers);
    assert.equal(kill.status, 401, JSON.stringify(kill.body));
    assert.equal(kill.body.code, 'INTERNAL_AUTH_REQUIRED');
    const bogus = await rawPost('/actions', '{not json', headers);
    assert.equal(bogus.status, 401, 'the body is not even parsed');
  }
  const units = await controlRequest('GET', '/units');
  assert.equal(units.status, 401);
  assert.equal(units.body.code, 'INTERNAL_AUTH_REQUIRED');
  const redisAfter = readPidRecord('redis');
  assert.equal(redisAfter?.pid, redisBefore?.pid);
  assert.ok(redisAfter && isRunning(redisAfter.pid, redisAfter.startTime), 'redis still runs');
  const log = readFileSync(engineLogFile('unit-control'), 'utf8').trim().split('\n').slice(-20).map((l) => JSON.parse(l));
  assert.ok(log.some((e) => e.code === 'INTERNAL_AUTH_REQUIRED' && e.path === '/actions' && e.outcome === 'failed'), 'the refusal is in its log');
});

test('with the secret, it takes only {action: stop|start|kill, unit} for a unit faults may drive', async () => {
  const auth = { 'x-internal-secret': secret };
  const refused: Array<[string, number, string]> = [
    [JSON.stringify({ action: 'explode', unit: 'redis' }), 400, 'VALIDATION_FAILED'],
    [JSON.stringify({ action: 'status', unit: 'redis' }), 400, 'VALIDATION_FAILED'],
    [JSON.stringify({ action: 'kill' }), 404, 'UNKNOWN_UNIT'],
    [JSON.stringify({ action: 'kill', unit: 'redis', argv: ['reset', '--yes'] }), 400, 'VALIDATION_FAILED'],
    [JSON.stringify({ action: 'kill', unit: 'redis', by: 'x'.repeat(201) }), 400, 'VALIDATION_FAILED'],
    [JSON.stringify(['kill', 'redis']), 400, 'VALIDATION_FAILED'],
    ['{"action": "kill", ', 400, 'MALFORMED_JSON'],
    [JSON.stringify({ action: 'kill', unit: 'redis', by: 'y'.repeat(5000) }), 413, 'BODY_TOO_LARGE'],
  ];
  for (const unit of ['gateway', 'ui', 'unit-control', 'nope', 'redis;reboot', '../../cli', '--yes', 'REDIS']) {
    refused.push([JSON.stringify({ action: 'kill', unit }), 404, 'UNKNOWN_UNIT']);
  }
  for (const [body, status, code] of refused) {
    const r = await rawPost('/actions', body, auth);
    assert.equal(r.status, status, `${body.slice(0, 80)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, code, body.slice(0, 80));
    assert.equal(typeof r.body.error, 'string');
  }
  const wrongMethod = await controlRequest('GET', '/actions', { secret });
  assert.equal(wrongMethod.status, 405);
  const wrongPath = await controlRequest('POST', '/units/redis/kill', { secret });
  assert.equal(wrongPath.status, 404);
  assert.equal(wrongPath.body.code, 'ROUTE_NOT_FOUND');
  assert.equal(await stateOf('redis'), 'healthy', 'nothing was done');
});

test('GET /units: the states of exactly the units faults may drive', async () => {
  const r = await controlRequest('GET', '/units', { secret, timeoutMs: 20_000 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.map((u: any) => u.name).sort(), [...FAULT_UNITS].sort());
  const redis = r.body.find((u: any) => u.name === 'redis');
  assert.equal(redis.kind, 'engine');
  assert.match(redis.state, /^(healthy|starting|down|crashed)$/);
});

test('an action runs the stack CLI, one at a time per unit, and the log names who asked', async () => {
  // analytics: down during the component tests (then the stop changes nothing), otherwise restarted at once;
  // its projection resumes from its committed offsets, so the changes made meanwhile only wait.
  const unit = 'analytics';
  const before = await stateOf(unit);
  const by = `unit-control test ${randomUUID()}`;
  try {
    const [first, second] = await Promise.all([
      controlRequest('POST', '/actions', { secret, body: { action: 'stop', unit, by }, timeoutMs: 120_000 }),
      controlRequest('POST', '/actions', { secret, body: { action: 'stop', unit, by }, timeoutMs: 120_000 }),
    ]);
    const answers = [first, second].sort((a, b) => a.status - b.status);
    assert.deepEqual(answers.map((a) => a.status), [200, 409], JSON.stringify(answers));
    assert.equal(answers[1]!.body.code, 'FAULT_IN_PROGRESS');
    assert.deepEqual([answers[0]!.body.unit, answers[0]!.body.action], [unit, 'stop']);
    assert.match(answers[0]!.body.output, /stopping analytics/);
    assert.equal(await stateOf(unit), 'down');
    const log = readFileSync(engineLogFile('unit-control'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const mine = log.filter((e) => e.by === by);
    assert.deepEqual(mine.map((e) => [e.action, e.unit, e.outcome, e.code ?? null]).sort(), [
      ['stop', unit, 'failed', 'FAULT_IN_PROGRESS'],
      ['stop', unit, 'ok', null],
    ]);
  } finally {
    if (before === 'healthy') {
      const started = await controlRequest('POST', '/actions', { secret, body: { action: 'start', unit, by }, timeoutMs: 200_000 });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal(await stateOf(unit), 'healthy');
    }
  }
});
