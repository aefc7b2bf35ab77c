// ./stackctl check: arguments are checked before anything runs, and a gateway
// that does not answer is no verdict (exit 3), the seed printed all the same.
// (A run against the running system: tests/e2e/check.e2e.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorLine, runCli } from '../test-fixtures/run-cli.ts';

const nowhere = { GATEWAY_URL: 'http://127.0.0.1:1' };

test('bad arguments: exit 2, BAD_ARGUMENT', async () => {
  for (const [args, message] of [
    [['check', '--seconds', '2'], /--seconds is a whole number from 5 to 3600 \(not "2"\)/],
    [['check', '--clients', '0'], /--clients is a whole number from 1 to 64/],
    [['check', '--seed=-1'], /--seed is a whole number/],
    [['check', '--nemesis', 'kill,flood'], /unknown nemesis flood/],
    [['check', '--units', 'gateway'], /--units names units \/faults may kill: .*\(not gateway\)/],
    [['check', 'now'], /check takes options only/],
  ] as const) {
    const result = await runCli(args, { env: nowhere });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(errorLine(result), message);
    assert.match(errorLine(result), /\[BAD_ARGUMENT\]$/);
  }
});

test('a gateway that does not answer: exit 3, GATEWAY_UNAVAILABLE; the seed and the replay command printed first', async () => {
  const result = await runCli(['check', '--seconds', '5', '--seed', '1234'], { env: nowhere });
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /check: seed 1234; replay with: \.\/stackctl check --seconds 5 --clients 8 --nemesis kill,pause,delay,duplicate --seed 1234/);
  assert.match(errorLine(result), /^stackctl: the gateway at http:\/\/127\.0\.0\.1:1 does not answer .*\[GATEWAY_UNAVAILABLE\]$/);
});
