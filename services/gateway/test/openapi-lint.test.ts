// The OpenAPI document holds to @redocly/cli's recommended rules, without a
// warning: every operation has an operationId (what a generated client names
// its function), declared security and a 4xx answer; the document names its
// servers and license. It is built from the route definitions alone: no store,
// no port (the Redis clients connect lazily and nothing connects them here).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { buildGateway } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer: string }>;
}

/** The document /openapi.json answers, from a gateway that is built and never started. */
async function openApiDocument(): Promise<unknown> {
  const config = loadGatewayConfig({
    LOG_LEVEL: 'silent',
    // Given, so that nothing reads the stack's state (its secret and credentials): this test needs no stack.
    INTERNAL_SECRET: 'openapi-lint-'.padEnd(64, '0'),
    REDIS_URL: 'redis://127.0.0.1:1',
    STATE_REDIS_URL: 'redis://127.0.0.1:1',
    CONNECT_PASSWORD: 'unused',
    UNIT_CONTROL: 'off',
  });
  const gateway = await buildGateway(config, pino({ level: 'silent' }));
  try {
    await gateway.app.ready();
    return gateway.app.swagger();
  } finally {
    await gateway.close();
  }
}

function redoclyCli(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
  } catch {
    throw new Error('@redocly/cli is not installed: it is a devDependency of the root package.json; run npm ci');
  }
}

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // No telemetry and no update check: a test run talks to nothing outside.
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('the OpenAPI document passes redocly lint (recommended rules) with no error and no warning', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(await openApiDocument(), null, 2));
    // In a folder of its own, so that no redocly.yaml on the way changes the rules.
    const { code, stdout, stderr } = await run([redoclyCli(), 'lint', file, '--extends=recommended', '--format=json'], dir);
    let report: { totals: { errors: number; warnings: number }; problems: Problem[] };
    try {
      report = JSON.parse(stdout);
    } catch {
      assert.fail(`redocly lint did not answer JSON (exit ${code}):\n${stdout}${stderr}`);
    }
    const lines = report.problems.map((p) => `  ${p.severity} ${p.ruleId} at ${p.location.map((l) => l.pointer).join(', ')}: ${p.message}`);
    assert.equal(
      report.totals.errors + report.totals.warnings,
      0,
      `redocly lint found ${report.totals.errors} errors and ${report.totals.warnings} warnings in /openapi.json; fix them in the route schemas (services/gateway/src/entry-points/*.routes.ts: operationId, security from route-helpers.ts, errors(...)) or in docs.ts:\n${lines.join('\n')}`,
    );
    assert.equal(code, 0, `redocly lint exited ${code}:\n${stderr}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
