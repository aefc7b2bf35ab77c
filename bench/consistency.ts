// Benchmark: what strong consistency costs, and how fast a paused projection
// catches up. Prints numbers; asserts nothing. Needs the whole system up.
//
// 1. For each rate, the write mix of pipeline-load (user creates and renames,
//    posts, follows) goes through the gateway open loop, once with
//    ?consistency=eventual and once with ?consistency=strong. Per store, the
//    time from the source commit until the projection applied the change (the
//    visibleAfterMs the projections measure: from a strong write's body; for an
//    eventual write, from GET /consistency/:token once the pipeline drained),
//    the client-side write latency per mode, and whether
//    strong p50 ≤ 2 × eventual p50 + 50 ms.
// 2. Backlog drain: one projection is paused through /faults while writes go on
//    at a fixed rate; writes stop, the projection resumes, and the bench
//    measures how fast the backlog (its Kafka consumer lag) drains and when the
//    last write became visible there. The projection is resumed in a finally
//    and on SIGINT/SIGTERM, whatever happens.
//
// Options: --rates 10,50  --seconds 20  --pause-seconds 60  --pause-rate 100
//          --projection analytics|graph|cache  --warmup-seconds 5  --max-lookups 2000
//          --only modes|drain (one of the two parts)
// GATEWAY_URL / GATEWAY_TOKEN as for ./stackctl fault (an admin token when AUTH_REQUIRED is on).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PROJECTIONS, PROJECTION_STORES, type ConsistencyMode, type ProjectionName } from '@polyglot/contracts/consistency';
import { recordFigures } from './support/figures-doc.ts';
import { announceRateLimit, call, createUsers, drained, fmt, isDrained, openLoop, percentile, pipeline, sleep, type Timing, writeMix } from './support/load.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '10,50' },
    seconds: { type: 'string', default: '20' },
    'pause-seconds': { type: 'string', default: '60' },
    'pause-rate': { type: 'string', default: '100' },
    projection: { type: 'string', default: 'analytics' },
    'warmup-seconds': { type: 'string', default: '5' },
    'max-lookups': { type: 'string', default: '2000' },
    only: { type: 'string' },
  },
});

function usage(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) usage(`--${name} takes a positive number, not "${text}"`);
  return n;
}
const rates = values.rates!.split(',').map((r) => positive('rates', r));
const seconds = positive('seconds', values.seconds);
const pauseSeconds = positive('pause-seconds', values['pause-seconds']);
const pauseRate = positive('pause-rate', values['pause-rate']);
const warmupSeconds = Number(values['warmup-seconds']);
const maxLookups = positive('max-lookups', values['max-lookups']);
if (values.only !== undefined && values.only !== 'modes' && values.only !== 'drain') usage(`--only is modes or drain, not "${values.only}"`);

// One name per projection in tokens, /faults and /health ("projectors", the cache's service, is still taken).
const asked = values.projection === 'projectors' ? 'cache' : values.projection!;
const pausedName: ProjectionName = (PROJECTIONS as readonly string[]).includes(asked) ? (asked as ProjectionName) : usage(`--projection is one of ${PROJECTIONS.join(', ')}, not "${values.projection}"`);

const run = randomUUID().slice(0, 6);
// The highest rate this run asks of the gateway: a rate limit below it would make the figures lie.
await announceRateLimit(Math.max(...rates, pauseRate));
const progress = (line: string) => process.stderr.write(`${line}\n`);
const storeLabel = (p: ProjectionName) => `${PROJECTION_STORES[p]} (${p})`;

interface Visibility {
  applied: boolean;
  appliedAt: number | null;
  visibleAfterMs: number | null;
}
type Seen = Partial<Record<ProjectionName, Visibility>>;

/** GET /consistency/:token for many tokens, a few at a time; null for a token that could not be looked up. */
async function lookUp(tokens: string[]): Promise<Map<string, Seen | null>> {
  const seen = new Map<string, Seen | null>();
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const token = tokens[next++]!;
      const r = await call('GET', `/consistency/${token}`, 'GET /consistency/:token');
      if (r.status !== 200) {
        seen.set(token, null);
        continue;
      }
      const entries = Object.entries(r.json.projections as Record<string, { applied: boolean; appliedAt: string | null; visibleAfterMs: number | null }>);
      seen.set(token, Object.fromEntries(entries.map(([p, v]) => [p, { applied: v.applied, appliedAt: v.appliedAt ? Date.parse(v.appliedAt) : null, visibleAfterMs: v.visibleAfterMs }])));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return seen;
}

/** At most `n` of `xs`, chosen at random (all of them when there are fewer). */
function sample<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  const copy = [...xs];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

interface ModeResult {
  mode: ConsistencyMode;
  results: Timing[];
  lateStarts: number;
  failed: number;
  timedOut: number;
  withToken: number;
  /** Tokens whose visibility was measured (all, or a sample when there were more than --max-lookups). */
  measured: number;
  visibleAfter: Record<ProjectionName, number[]>;
  notVisible: Record<ProjectionName, number>;
  caughtUp: boolean;
}

const ok = (r: Timing) => r.status >= 200 && r.status < 300;

/** "12 × POST /posts 503 POSTS_UNAVAILABLE, …": what failed and how, for a line under a table. */
function failures(results: Timing[]): string | null {
  const counts = new Map<string, number>();
  for (const r of results.filter((x) => !ok(x))) {
    const key = `${r.endpoint} ${r.status === 0 ? 'no answer' : r.status}${r.json?.code ? ` ${r.json.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (counts.size === 0) return null;
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`).join(', ');
}

async function runMode(rate: number, mode: ConsistencyMode): Promise<ModeResult> {
  if (!(await drained())) progress('warning: the pipeline had not drained before this phase');
  progress(`  ${mode}: ${rate} writes/s for ${seconds} s…`);
  const { results, lateStarts } = await openLoop(rate, seconds, writeMix(run, users, `?consistency=${mode}`));
  const caughtUp = await drained();
  const visibleAfter = Object.fromEntries(PROJECTIONS.map((p) => [p, [] as number[]])) as Record<ProjectionName, number[]>;
  const notVisible = Object.fromEntries(PROJECTIONS.map((p) => [p, 0])) as Record<ProjectionName, number>;
  const count = (p: ProjectionName, ms: number | null | undefined) => {
    if (typeof ms === 'number') visibleAfter[p].push(ms);
    else notVisible[p]++;
  };
  // A strong write that answered carries its visibility; every other write is looked up.
  const tokens = results.filter((r) => r.token !== undefined);
  const fromBody = new Set(tokens.filter((r) => mode === 'strong' && ok(r) && r.json?.consistency?.visibleAfterMs));
  const toLookUp = sample(tokens.filter((r) => !fromBody.has(r)).map((r) => r.token!), Math.max(0, maxLookups - fromBody.size));
  for (const r of fromBody) for (const [p, ms] of Object.entries(r.json.consistency.visibleAfterMs as Record<ProjectionName, number | null>)) count(p as ProjectionName, ms);
  if (toLookUp.length > 0) progress(`  ${mode}: ${results.length} writes answered; looking up ${toLookUp.length} tokens…`);
  for (const seen of (await lookUp(toLookUp)).values()) {
    if (seen === null) continue;
    for (const [p, v] of Object.entries(seen)) count(p as ProjectionName, v.applied ? v.visibleAfterMs : null);
  }
  return {
    mode,
    results,
    lateStarts,
    failed: results.filter((r) => !ok(r) && r.status !== 504).length,
    timedOut: results.filter((r) => r.status === 504).length,
    withToken: tokens.length,
    measured: fromBody.size + toLookUp.length,
    visibleAfter,
    notVisible,
    caughtUp,
  };
}

const lines: string[] = [];
const costLines: string[] = [];
const started = new Date();

// ---- a pool of users to write against, and a warm-up that is not reported ----
const users = await createUsers(run, 40);
await drained();
if (warmupSeconds > 0) {
  progress(`warm-up: 10 writes/s for ${warmupSeconds} s (not reported)…`);
  await openLoop(10, warmupSeconds, writeMix(run, users));
}

// ---- 1. time-to-visible and the cost of strong, per rate ----
for (const rate of values.only === 'drain' ? [] : rates) {
  progress(`\n${rate} writes/s, both modes…`);
  const byMode = [await runMode(rate, 'eventual'), await runMode(rate, 'strong')];
  lines.push('', `## ${rate} writes/s for ${seconds} s, each mode`, '');
  lines.push('mode | writes | failed | 504 (strong timed out) | sent late | changed something (token) | visibility measured | write p50 | write p99 | max');
  lines.push('---|---|---|---|---|---|---|---|---|---');
  for (const m of byMode) {
    const ms = m.results.map((r) => r.ms);
    lines.push(`${m.mode} | ${m.results.length} | ${m.failed} | ${m.timedOut} | ${m.lateStarts} | ${m.withToken} | ${m.measured}${m.caughtUp ? '' : ' (pipeline NOT drained)'} | ${fmt(percentile(ms, 0.5))} | ${fmt(percentile(ms, 0.99))} | ${fmt(Math.max(...ms))}`);
  }
  for (const m of byMode) {
    const failed = failures(m.results);
    if (failed) lines.push('', `${m.mode} writes that failed: ${failed}`);
  }
  lines.push('', 'time to visible (source commit → applied) | mode | changes | p50 | p99 | max | not visible', '---|---|---|---|---|---|---');
  for (const p of PROJECTIONS) {
    for (const m of byMode) {
      const v = m.visibleAfter[p];
      lines.push(`${storeLabel(p)} | ${m.mode} | ${v.length} | ${fmt(percentile(v, 0.5))} | ${fmt(percentile(v, 0.99))} | ${fmt(v.length ? Math.max(...v) : Number.NaN)} | ${m.notVisible[p]}`);
    }
  }
  lines.push('', 'write latency per endpoint | eventual p50 | eventual p99 | strong p50 | strong p99', '---|---|---|---|---');
  for (const endpoint of [...new Set(byMode.flatMap((m) => m.results.map((r) => r.endpoint)))].sort()) {
    const cells = byMode.flatMap((m) => {
      const ms = m.results.filter((r) => r.endpoint === endpoint).map((r) => r.ms);
      return [fmt(percentile(ms, 0.5)), fmt(percentile(ms, 0.99))];
    });
    lines.push(`${endpoint} | ${cells.join(' | ')}`);
  }
  const [eventualP50, strongP50] = byMode.map((m) => percentile(m.results.map((r) => r.ms), 0.5)) as [number, number];
  const bound = 2 * eventualP50 + 50;
  const cost = `strong over eventual at ${rate} writes/s: write p50 ${fmt(strongP50)} vs ${fmt(eventualP50)} (+${fmt(strongP50 - eventualP50)}, ×${(strongP50 / eventualP50).toFixed(1)}); target strong p50 ≤ 2 × eventual p50 + 50 ms = ${fmt(bound)}: ${strongP50 <= bound ? 'met' : 'NOT met'}`;
  lines.push('', cost);
  costLines.push(cost);
}

// ---- 2. backlog drain after a pause under load ----
let paused = false;
async function resume(): Promise<void> {
  if (!paused) return;
  const r = await call('POST', `/faults/projections/${pausedName}/resume`, 'resume');
  if (r.status !== 200) {
    progress(`COULD NOT RESUME ${pausedName} (${r.status} ${JSON.stringify(r.json)}): run ./stackctl fault resume ${pausedName}`);
    return;
  }
  paused = false;
}
const onSignal = (signal: NodeJS.Signals) => {
  progress(`\n${signal}: resuming ${pausedName} before leaving…`);
  void resume().finally(() => process.exit(130));
};
/** Pauses, writes, resumes, measures; the table's lines and the summary's line. */
async function backlogDrain(): Promise<{ table: string[]; summary: string }> {
  progress(`\nbacklog drain: pausing ${pausedName}, writing ${pauseRate}/s for ${pauseSeconds} s…`);
  if (!(await drained())) progress('warning: the pipeline had not drained before the pause');
  try {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const pause = await call('POST', `/faults/projections/${pausedName}/pause`, 'pause');
    if (pause.status !== 200) {
      const hint = pause.status === 401 || pause.status === 403 ? ' (with AUTH_REQUIRED on, set GATEWAY_TOKEN to an admin session token)' : '';
      throw new Error(`could not pause ${pausedName}: ${pause.status} ${JSON.stringify(pause.json)}${hint}`);
    }
    paused = true;
    const pausedAt = Date.now();
    // A batch already in hand when the pause came may still finish: count from a moment later.
    await sleep(500);
    const processedAtPause = (await pipeline()).projections[pausedName]?.processed ?? Number.NaN;
    const ticker = setInterval(() => {
      void pipeline().then((p) => progress(`  paused ${Math.round((Date.now() - pausedAt) / 1000)} s: ${pausedName} lag ${p.projections[pausedName]?.lag ?? '?'}`));
    }, 10_000);
    let load: Awaited<ReturnType<typeof openLoop<Timing>>>;
    try {
      load = await openLoop(pauseRate, pauseSeconds, writeMix(run, users));
    } finally {
      clearInterval(ticker);
    }
    // Writes stopped; wait until everything upstream of the paused projection has arrived in Kafka.
    const upstream = await drained(120_000, [pausedName]);
    const before = await pipeline();
    const backlog = before.projections[pausedName]?.lag ?? Number.NaN;
    const processedBefore = before.projections[pausedName]?.processed ?? Number.NaN;
    // On a shared stack something else may restart or resume the projection meanwhile (its
    // counters restart, or it applied changes while it should have been paused): say so.
    const interference = !before.projections[pausedName]?.faults?.paused
      ? `${pausedName} was no longer paused when the writes stopped (resumed or restarted by something else)`
      : processedBefore !== processedAtPause
        ? `${pausedName} applied ${processedBefore - processedAtPause} changes while paused (restarted meanwhile?)`
        : !Number.isFinite(backlog)
          ? `${pausedName} did not report its lag`
          : null;
    if (interference) progress(`  warning: ${interference}; the drain figures will not be valid`);
    progress(`  writes stopped after ${((Date.now() - pausedAt) / 1000).toFixed(0)} s paused; ${pausedName} lag ${backlog}; resuming…`);

    const resumedAt = Date.now();
    await resume();
    // Poll /health until the lag is 0; the projection's lastAppliedAt then dates the drain's end
    // more finely than the polling does (the poll's own time is the upper bound).
    let zeroSeenAt: number | null = null;
    let after = before;
    while (Date.now() - resumedAt < 600_000) {
      after = await pipeline();
      if (after.projections[pausedName]?.lag === 0) {
        zeroSeenAt = Date.now();
        break;
      }
      await sleep(25);
    }
    const lastApplied = after.projections[pausedName]?.lastAppliedAt ? Date.parse(after.projections[pausedName]!.lastAppliedAt!) : null;
    const drainedAt = zeroSeenAt === null ? null : lastApplied !== null && lastApplied >= resumedAt && lastApplied <= zeroSeenAt ? lastApplied : zeroSeenAt;
    const applied = (after.projections[pausedName]?.processed ?? Number.NaN) - processedBefore;

    // Converged: every write of the pause (a sample of them) is visible in the paused projection.
    const tokens = sample(load.results.filter((r) => r.token !== undefined).map((r) => r.token!), maxLookups);
    progress(`  ${pausedName} drained; looking up ${tokens.length} tokens of the writes made while it was paused…`);
    const seen = [...(await lookUp(tokens)).values()].map((s) => s?.[pausedName]).filter((v): v is Visibility => v !== undefined);
    const appliedAts = seen.filter((v) => v.applied && v.appliedAt !== null).map((v) => v.appliedAt!);
    const convergedAt = appliedAts.length > 0 ? Math.max(...appliedAts) : null;
    const missing = seen.length - appliedAts.length;

    const drainMs = drainedAt === null ? Number.NaN : drainedAt - resumedAt;
    const rate = interference ? Number.NaN : (backlog * 1000) / drainMs;
    const converged = convergedAt === null ? '-' : convergedAt < resumedAt ? 'before the resume (not paused throughout)' : `${((convergedAt - resumedAt) / 1000).toFixed(2)} s after resume`;
    const failed = failures(load.results);
    const table = [
      '',
      `## backlog drain: ${storeLabel(pausedName)} paused ${((resumedAt - pausedAt) / 1000).toFixed(0)} s while ${load.results.length} writes went on at ${pauseRate}/s (${load.results.filter((r) => !ok(r)).length} failed, ${load.lateStarts} sent late); writes stopped at resume${upstream ? '' : '; upstream had NOT drained when it resumed'}`,
      '',
      'figure | value',
      '---|---',
      `backlog at resume (Kafka consumer lag, messages) | ${backlog}`,
      `changes applied while draining | ${applied}`,
      `resume → lag 0 (projection's last apply; poll saw it at) | ${zeroSeenAt === null ? 'NOT within 600 s' : `${(drainMs / 1000).toFixed(2)} s (${((zeroSeenAt - resumedAt) / 1000).toFixed(2)} s)`}`,
      `drain rate (backlog / drain time) | ${Number.isFinite(rate) ? `${rate.toFixed(0)} messages/s` : '-'}${Number.isFinite(applied / drainMs) ? ` (${((applied * 1000) / drainMs).toFixed(0)} changes applied/s)` : ''}`,
      `resume → last write of the pause visible (converged) | ${converged} (${seen.length} writes checked, ${missing} not visible)`,
    ];
    if (interference) table.push('', `NOT VALID: ${interference}`);
    if (failed) table.push('', `writes that failed: ${failed}`);
    // Resuming and the first fetch take a fixed part of a second, which a small backlog does not outweigh.
    if (!interference && drainMs < 1000) table.push('', 'note: a drain under 1 s is mostly the resume itself; a longer pause or a higher --pause-rate gives a truer rate');
    const summary = interference
      ? `backlog drain of ${pausedName}: not measured (${interference})`
      : `backlog drain of ${pausedName}: ${Number.isFinite(rate) ? `${rate.toFixed(0)} messages/s` : 'not measured'}; target ≥ 5,000 events/s: ${rate >= 5000 ? 'met' : 'NOT met'}; converged ${converged}`;
    table.push('', summary);
    return { table, summary };
  } finally {
    await resume();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
const drain = values.only === 'modes' ? null : await backlogDrain();
if (drain) lines.push(...drain.table);

// ---- summary ----
const final = await pipeline();
lines.unshift(
  `# consistency benchmark, ${started.toISOString()}: ${values.only === 'drain' ? '' : `rates ${rates.join(', ')} writes/s × ${seconds} s per mode; `}${values.only === 'modes' ? '' : `${pausedName} paused ${pauseSeconds} s at ${pauseRate} writes/s`}`,
);
lines.push('', '## summary', '', ...costLines.map((l) => `- ${l}`), ...(drain ? [`- ${drain.summary}`] : []));
if (!isDrained(final)) lines.push('- note: the pipeline still had lag when the bench ended (other writers?)');
process.stdout.write(`${lines.join('\n')}\n`);
recordFigures('consistency', lines.join('\n'));
