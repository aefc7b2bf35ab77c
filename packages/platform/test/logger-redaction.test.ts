// An address with an engine's password never reaches a log line: redactUrl for
// the places that log an address, and the logger's own net for any field that
// holds one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { redactUrl } from '../src/logger.ts';

test('redactUrl hides the password of any address and leaves the rest', () => {
  assert.equal(redactUrl('redis://:0123abcd@127.0.0.1:6379'), 'redis://:[redacted]@127.0.0.1:6379');
  assert.equal(redactUrl('postgres://postgres:s3cret@127.0.0.1:5432/users'), 'postgres://postgres:[redacted]@127.0.0.1:5432/users');
  assert.equal(redactUrl('cannot reach redis://:a@h:1 nor postgres://u:b@h:2/d'), 'cannot reach redis://:[redacted]@h:1 nor postgres://u:[redacted]@h:2/d');
  for (const plain of ['mongodb://127.0.0.1:27017/posts', 'bolt://127.0.0.1:7687', 'http://user@host/', 'no address at all']) assert.equal(redactUrl(plain), plain);
});

test("a service's logger writes no password held in a field", () => {
  const script = `
    import { createLogger } from ${JSON.stringify(new URL('../src/logger.ts', import.meta.url).href)};
    const logger = createLogger('redaction-test', 'info');
    logger.warn({ url: 'redis://:hunter2-secret@127.0.0.1:6380', port: 1 }, 'Redis does not answer yet');
    logger.info({ database: 'postgres://postgres:hunter2-secret@127.0.0.1:5432/users' }, 'listening');
  `;
  const out = execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const lines = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.ok(!out.includes('hunter2-secret'), out);
  assert.equal(lines[0]!.url, 'redis://:[redacted]@127.0.0.1:6380');
  assert.equal(lines[0]!.port, 1);
  assert.equal(lines[1]!.database, 'postgres://postgres:[redacted]@127.0.0.1:5432/users');
});
