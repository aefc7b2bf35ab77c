// ./stackctl fault …: arguments are checked before the gateway is asked, and a
// gateway that does not answer is one clear line. (The happy path runs against
// the running system in tests/e2e/faults.e2e.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorLine, runCli } from '../test-fixtures/run-cli.ts';

test('bad arguments: exit 2, BAD_ARGUMENT, nothing sent', async () => {
  const nowhere = { GATEWAY_URL: 'http://127.0.0.1:1' };
  for (const [args, message] of [
    [['fault'], /fault needs one of: status, pause, resume, delay, duplicate, stop, start, kill/],
    [['fault', 'explode'], /not "explode"/],
    [['fault', 'pause'], /fault needs a projection: graph, cache, analytics, user-cascade/],
    [['fault', 'pause', 'nope'], /not "nope"/],
    [['fault', 'resume', 'graph', 'extra'], /takes one projection/],
    [['fault', 'delay', 'graph'], /milliseconds from 0 to 60000/],
    [['fault', 'delay', 'graph', '-5'], /not "-5"/],
    [['fault', 'delay', 'graph', '1.5'], /not "1.5"/],
    [['fault', 'duplicate', 'analytics', 'yes'], /on or off \(not "yes"\)/],
    [['fault', 'kill', 'gateway'], /fault kill needs one unit: postgres, .*projectors/],
    [['fault', 'status', '--yaml'], /takes only --json/],
  ] as const) {
    const result = await runCli(args, { env: nowhere });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(errorLine(result), message);
    assert.match(errorLine(result), /\[BAD_ARGUMENT\]$/);
  }
});

test('a gateway that does not answer: exit 1, GATEWAY_UNAVAILABLE naming it', async () => {
  const result = await runCli(['fault', 'status'], { env: { GATEWAY_URL: 'http://127.0.0.1:1' } });
  assert.equal(result.code, 1, result.stderr);
  assert.match(errorLine(result), /^stackctl: the gateway at http:\/\/127\.0\.0\.1:1 does not answer .*\[GATEWAY_UNAVAILABLE\]$/);
});
