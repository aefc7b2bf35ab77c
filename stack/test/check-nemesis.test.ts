// The nemesis of ./stackctl check (src/check/nemesis.ts), planned from the
// seed alone: the same seed gives the same faults at the same offsets, every
// fault is healed before the run ends, one at a time per target, a few at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULT_PROJECTIONS, FAULT_SERVICES } from '@polyglot/contracts/faults';
import { MAX_ACTIVE, NEMESIS_KINDS, parseNemesis, planNemesis, type NemesisOptions } from '../src/check/nemesis.ts';

const options = (seed: number, over: Partial<NemesisOptions> = {}): NemesisOptions => ({
  seed,
  durationMs: 60_000,
  kinds: NEMESIS_KINDS,
  units: FAULT_SERVICES,
  projections: FAULT_PROJECTIONS,
  ...over,
});

test('the same seed plans the same faults; another seed, others', () => {
  assert.deepEqual(planNemesis(options(42)), planNemesis(options(42)));
  assert.notDeepEqual(planNemesis(options(42)), planNemesis(options(43)));
});

test('over many seeds: each fault healed after it began and before the end, a target busy once at a time, at most a few at once', () => {
  for (let seed = 0; seed < 300; seed++) {
    const steps = planNemesis(options(seed, { durationMs: 20_000 + (seed % 5) * 10_000 }));
    const end = 20_000 + (seed % 5) * 10_000;
    assert.ok(steps.length > 0, `seed ${seed}: some fault`);
    for (const [i, s] of steps.entries()) {
      assert.ok(s.atMs > 0 && s.healAtMs > s.atMs && s.healAtMs <= end - 2000, `seed ${seed}: ${JSON.stringify(s)}`);
      if (i > 0) assert.ok(s.atMs > steps[i - 1]!.atMs, `seed ${seed}: in order`);
      const overlapping = steps.filter((o) => o !== s && o.atMs < s.healAtMs && o.healAtMs > s.atMs);
      assert.ok(!overlapping.some((o) => o.target === s.target), `seed ${seed}: ${s.target} hit twice at once`);
      const activeAtStart = steps.filter((o) => o.atMs <= s.atMs && o.healAtMs > s.atMs);
      assert.ok(activeAtStart.length <= MAX_ACTIVE, `seed ${seed}: ${activeAtStart.length} faults at ${s.atMs} ms`);
      if (s.kind === 'kill') assert.ok((FAULT_SERVICES as readonly string[]).includes(s.target));
      else assert.ok((FAULT_PROJECTIONS as readonly string[]).includes(s.target));
      if (s.kind === 'delay') assert.ok(s.delayMs! >= 200 && s.delayMs! <= 2000);
      else assert.equal(s.delayMs, undefined);
    }
  }
});

test('only the kinds asked for, only targets given; none plans nothing', () => {
  const steps = planNemesis(options(7, { kinds: ['pause', 'duplicate'], projections: ['cache'] }));
  assert.ok(steps.length > 0);
  assert.ok(steps.every((s) => (s.kind === 'pause' || s.kind === 'duplicate') && s.target === 'cache'));
  assert.deepEqual(planNemesis(options(7, { kinds: [] })), []);
  assert.deepEqual(planNemesis(options(7, { kinds: ['kill'], units: [] })), []);
  // A run too short for any fault to begin and be healed in time.
  assert.deepEqual(planNemesis(options(7, { durationMs: 3000 })), []);
});

test('the --nemesis argument: a list of kinds, or none', () => {
  assert.deepEqual(parseNemesis('kill,pause,delay,duplicate'), ['kill', 'pause', 'delay', 'duplicate']);
  assert.deepEqual(parseNemesis('pause, pause'), ['pause']);
  assert.deepEqual(parseNemesis('none'), []);
  assert.throws(() => parseNemesis('kill,partition'), /unknown nemesis partition/);
});
