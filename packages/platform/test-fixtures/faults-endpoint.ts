// Shared by the services' component tests: the GET/PUT /internal/projection
// contract of a running service, and the same state in its /health.
import assert from 'node:assert/strict';
import { internalHeaders } from '../src/internal-secret.ts';

type Json = Record<string, any>;

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...internalHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/**
 * Pauses only for a moment: the service under test may share its consumer
 * group with the stack's own process, whose partitions must not wait long.
 */
export async function checkFaultsEndpoint(base: string, faultsInHealth: (health: Json) => Json | undefined): Promise<void> {
  const initial = await call(base, 'GET', '/internal/projection');
  assert.equal(initial.status, 200, JSON.stringify(initial.body));
  assert.deepEqual(
    { paused: initial.body.paused, pausedSince: initial.body.pausedSince, delayMs: initial.body.delayMs, duplicate: initial.body.duplicate },
    { paused: false, pausedSince: null, delayMs: 0, duplicate: false },
  );
  assert.equal(typeof initial.body.running, 'boolean');

  try {
    const paused = await call(base, 'PUT', '/internal/projection', { paused: true });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.ok(Date.parse(paused.body.pausedSince) <= Date.now());
    const health = await call(base, 'GET', '/health');
    assert.equal(faultsInHealth(health.body)?.paused, true, `/health shows the pause: ${JSON.stringify(health.body)}`);

    // Only the fields given change.
    const set = await call(base, 'PUT', '/internal/projection', { delayMs: 25, duplicate: true });
    assert.equal(set.status, 200);
    assert.deepEqual([set.body.paused, set.body.delayMs, set.body.duplicate], [true, 25, true]);

    for (const bad of [{ delayMs: -1 }, { delayMs: 600_000 }, { delayMs: 1.5 }, { paused: 'yes' }, { bogus: true }]) {
      const r = await call(base, 'PUT', '/internal/projection', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.code, 'VALIDATION_FAILED');
    }
  } finally {
    const reset = await call(base, 'PUT', '/internal/projection', { paused: false, delayMs: 0, duplicate: false });
    assert.equal(reset.status, 200);
    assert.deepEqual([reset.body.paused, reset.body.pausedSince, reset.body.delayMs, reset.body.duplicate], [false, null, 0, false]);
  }
  const health = await call(base, 'GET', '/health');
  assert.equal(faultsInHealth(health.body)?.paused, false);
}
