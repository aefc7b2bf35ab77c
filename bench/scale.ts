// Benchmark: how the system behaves at the size it holds now (seed it first:
// ./stackctl seed --users 100000 --posts 1000000 --follows 1000000). Run at
// 10k, 100k and 1M posts to see how each figure grows. Prints numbers; asserts
// nothing. Needs the whole system up.
//
// - size: users, live posts (the listing's count), follows, and each store's disk;
// - start-up: each Node service stopped and started, seconds until healthy, and
//   every Node process's resident memory afterwards (and after the reads);
// - GET /posts: the first page and a page 90% of the way down, uncached (the
//   posts generation bumped before each read, and a consistency token on the read
//   so it waits for the page of the new generation instead of being answered the
//   last one: the page is assembled from the listing and the cached posts), then
//   cold (the cached posts of the page dropped too, so they come from FerretDB),
//   then cached at --read-rate;
// - reads while writes go on: GET /posts from --connections connections (wrk)
//   while posts are created at --write-rate;
// - GET /users/:id/feed of the user who follows the most: uncached and cached;
// - the reconciler: a full check (time, rate, the gateway's memory), and an
//   incremental check after --write-rate posts/s for --seconds.
//
// Options: --reads 200  --read-rate 500  --seconds 10  --connections 20  --write-rate 50
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { authorListingKey, feedGenerationKey, postKey, POSTS_GENERATION_KEY, POSTS_LISTING_KEY } from '@polyglot/contracts/cache-keys';
import { urls } from '@polyglot/contracts/endpoints';
import { repoRoot, statePaths } from '@polyglot/stack/paths';
import { READER_FOLLOWS } from '@polyglot/stack/seed/dataset';
import { cpuRows, cpuSnapshot, unitResident } from './support/cpu.ts';
import { printer, recordFigures } from './support/figures-doc.ts';
import { healthyWithin, NODE_SERVICES, serviceUrl, stackctl } from './support/services.ts';
import { ensureWrk, runWrk } from './support/wrk.ts';
import { announceRateLimit, call, caughtUp, fmt, gateway, lastTokens, openLoop, percentile, sleep, type Timing } from './support/load.ts';

const { print, printed } = printer();
const { values } = parseArgs({
  options: {
    reads: { type: 'string', default: '200' },
    'read-rate': { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    'write-rate': { type: 'string', default: '50' },
  },
});
const READS = Number(values.reads);
/** Reads of each path before the measured ones, after the restarts. */
const WARM_UP_READS = 200;
const READ_RATE = Number(values['read-rate']);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const WRITE_RATE = Number(values['write-rate']);
const ENGINES = ['postgres', 'ferretdb-store', 'neo4j', 'timescaledb', 'kafka', 'redis', 'redis-state'] as const;

const state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
const cache = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
const thousands = (n: number) => n.toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const summary = (label: string, timings: Timing[]) => {
  const ok = timings.filter((t) => t.status === 200).map((t) => t.ms);
  const failed = timings.length - ok.length;
  return `${label.padEnd(44)} p50 ${fmt(percentile(ok, 0.5)).padStart(9)}  p99 ${fmt(percentile(ok, 0.99)).padStart(9)}  max ${fmt(Math.max(...ok)).padStart(9)}  (${ok.length} reads${failed ? `, ${failed} failed` : ''})`;
};

function diskOf(engine: string): string {
  const result = spawnSync('du', ['-sb', `${repoRoot}/.stack/data/${engine}`], { encoding: 'utf8' });
  return result.status === 0 ? mib(Number(result.stdout.split(/\s/)[0])) : '-';
}

async function main(): Promise<void> {
  await ensureWrk();
  await announceRateLimit(READ_RATE);
  // ---- size ----
  const posts = Number((await fetch(`${gateway}/posts?limit=1`)).headers.get('x-total-count'));
  const analytics = (await call('GET', '/analytics', 'GET /analytics')).json as { stats?: { totalUsers?: number } } | undefined;
  const reader = await findReader();
  print(`\nSize: ${thousands(analytics?.stats?.totalUsers ?? 0)} users, ${thousands(posts)} live posts in the listing${reader ? `; the seed's reader is user ${reader.id}, who follows ${thousands(reader.followees)}` : ''}\n`);
  print(`Disk: ${ENGINES.map((e) => `${e} ${diskOf(e)}`).join(', ')}\n`);

  // ---- start-up ----
  print('\nStart-up (stop, start, until /health answers):\n');
  for (const service of NODE_SERVICES) {
    await stackctl(['stop', service]);
    const started = performance.now();
    await stackctl(['start', service]);
    const healthy = await healthyWithin(serviceUrl(service), 60_000);
    print(`  ${service.padEnd(12)} ${healthy === null ? 'not healthy within 60 s' : `${((performance.now() - started) / 1000).toFixed(1)} s`} (resident ${mib(unitResident(service))})\n`);
  }
  await sleep(2000);

  // ---- GET /posts ----
  print('\nGET /posts:\n');
  // A token already applied: a read that carries it never waits for the projection, but is never answered a stale page.
  const authorsForToken = await authorIds();
  const marker = await call('POST', '/posts?consistency=strong', 'write', { author_id: authorsForToken[0], title: 'bench scale marker', body: 'b' });
  const token = encodeURIComponent(marker.token ?? '');
  const total = await state.zcard(POSTS_LISTING_KEY);
  const deepRank = Math.floor(total * 0.9);
  const [deep] = total > 1 ? await state.zrange(POSTS_LISTING_KEY, deepRank, deepRank, 'REV') : [];
  // Every Node service was just restarted, and a fresh process compiles its code as it runs it:
  // warm the read paths first, so that what follows measures warm processes.
  for (let i = 0; i < WARM_UP_READS; i++) {
    await state.incr(POSTS_GENERATION_KEY);
    await call('GET', `/posts?limit=50&token=${token}`, 'warm', undefined, { parse: false });
    if (reader) {
      await state.incr(feedGenerationKey(reader.id));
      await call('GET', `/users/${reader.id}/feed?token=${token}`, 'warm', undefined, { parse: false });
    }
  }
  const uncached = async (path: string, endpoint: string, cold: boolean) => {
    const timings: Timing[] = [];
    for (let i = 0; i < READS; i++) {
      await state.incr(POSTS_GENERATION_KEY);
      if (cold) {
        const before = new URL(path, gateway).searchParams.get('before');
        const ids = await state.zrange(POSTS_LISTING_KEY, before ? `(${before}` : '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 51);
        if (ids.length > 0) await cache.del(...ids.map((id) => postKey(id)));
      }
      timings.push(await call('GET', `${path}&token=${token}`, endpoint, undefined, { parse: false }));
    }
    return timings;
  };
  print(`  ${summary('first page, uncached', await uncached('/posts?limit=50', 'first', false))}\n`);
  print(`  ${summary('first page, cold (posts from FerretDB)', await uncached('/posts?limit=50', 'first', true))}\n`);
  if (deep) {
    print(`  ${summary(`deep page (${thousands(deepRank)} down), uncached`, await uncached(`/posts?limit=50&before=${deep}`, 'deep', false))}\n`);
    print(`  ${summary(`deep page (${thousands(deepRank)} down), cold`, await uncached(`/posts?limit=50&before=${deep}`, 'deep', true))}\n`);
  }
  await call('GET', '/posts?limit=50', 'warm');
  const cachedRun = await openLoop(READ_RATE, SECONDS, () => call('GET', '/posts?limit=50', 'cached', undefined, { parse: false }));
  print(`  ${summary(`first page, cached, ${READ_RATE} req/s`, cachedRun.results)}\n`);

  // ---- reads while writes go on ----
  const authors = await authorIds();
  if (authors.length > 0) {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      const started = performance.now();
      while (writing) {
        const due = started + (written * 1000) / WRITE_RATE;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        void call('POST', '/posts', 'write', { author_id: authors[written % authors.length], title: `bench scale ${written}`, body: 'written while reading' }, { parse: false });
        written++;
      }
    })();
    const cpuBefore = cpuSnapshot();
    const reads = await runWrk(gateway, ['/posts?limit=50'], CONNECTIONS, SECONDS);
    const cpuAfter = cpuSnapshot();
    writing = false;
    await writer;
    print(`  first page while ${WRITE_RATE} posts/s are written: ${thousands(Math.round(reads.perSecond))} req/s from ${CONNECTIONS} connections (wrk), p50 ${reads.p50}, p99 ${reads.p99}${reads.errors ? `, ${reads.errors} errors or non-2xx` : ''}; ${written} posts written\n`);
    print(`    ${cpuRows(cpuBefore, cpuAfter).join('\n    ')}\n`);
  }

  // ---- feed ----
  if (reader) {
    print(`\nGET /users/${reader.id}/feed (${thousands(reader.followees)} followees):\n`);
    const feedUncached: Timing[] = [];
    for (let i = 0; i < READS; i++) {
      await state.incr(feedGenerationKey(reader.id));
      feedUncached.push(await call('GET', `/users/${reader.id}/feed?token=${token}`, 'feed', undefined, { parse: false }));
    }
    print(`  ${summary('uncached', feedUncached)}\n`);
    await call('GET', `/users/${reader.id}/feed`, 'warm');
    const feedCached = await openLoop(READ_RATE, SECONDS, () => call('GET', `/users/${reader.id}/feed`, 'feed', undefined, { parse: false }));
    print(`  ${summary(`cached, ${READ_RATE} req/s`, feedCached.results)}\n`);
  }

  await reconcilerFigures(authors);

  print(`\nResident memory after the reads: ${NODE_SERVICES.map((s) => `${s} ${mib(unitResident(s))}`).join(', ')}\n`);
  if (marker.json?._id) await call('DELETE', `/posts/${marker.json._id}`, 'write');
  state.disconnect();
  cache.disconnect();
}

/**
 * The reconciler: a full check (its time, rate and the gateway's resident memory, sampled each second while it
 * runs), then the incremental check: the change journal emptied, WRITE_RATE posts/s written for SECONDS, and one
 * check of what changed.
 */
async function reconcilerFigures(authors: number[]): Promise<void> {
  print('\nReconciler:\n');
  const before = unitResident('gateway');
  let peak = before;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, unitResident('gateway'));
      await sleep(1000);
    }
  })();
  const full = await call('GET', '/reconcile', 'reconcile', undefined, { timeoutMs: 3_600_000 });
  running = false;
  await sampler;
  const report = full.json as { durationMs: number; total: number; counts: { users: { postgres: number }; posts: { ferretdb: number }; follows: { neo4j: number } } } | undefined;
  if (full.status !== 200 || !report) {
    print(`  full check: ${full.status} ${JSON.stringify(full.json).slice(0, 200)}\n`);
    return;
  }
  const entities = report.counts.users.postgres + report.counts.posts.ferretdb + report.counts.follows.neo4j;
  print(
    `  full check: ${(report.durationMs / 1000).toFixed(1)} s for ${thousands(entities)} source entities (${thousands(Math.round(entities / (report.durationMs / 1000)))}/s), ${report.total} drift; gateway resident ${mib(before)} before, at most ${mib(peak)} while it ran\n`,
  );
  // Everything changed so far looked at, so the next check sees only what is written below.
  for (let looks = 0; looks < 200; looks++) {
    const drained = (await call('GET', '/reconcile?scope=changes', 'reconcile', undefined, { timeoutMs: 600_000 })).json as { changes?: { remaining: number } } | undefined;
    if (!drained?.changes || drained.changes.remaining === 0) break;
  }
  if (authors.length === 0) return;
  const written = await openLoop(WRITE_RATE, SECONDS, (i) => call('POST', '/posts', 'write', { author_id: authors[i % authors.length], title: `bench reconcile ${i}`, body: 'b' }, { parse: false }));
  await caughtUp(lastTokens(written.results), 60_000);
  const incremental = (await call('GET', '/reconcile?scope=changes', 'reconcile', undefined, { timeoutMs: 600_000 })).json as { durationMs: number; total: number; changes: { users: number; posts: number; follows: number } } | undefined;
  if (!incremental?.changes) {
    print(`  incremental check: ${JSON.stringify(incremental).slice(0, 300)}\n`);
  } else {
    const c = incremental.changes;
    print(`  incremental check after ${written.results.length} posts written at ${WRITE_RATE}/s: ${(incremental.durationMs / 1000).toFixed(2)} s for ${c.users} users, ${c.posts} posts, ${c.follows} follows; ${incremental.total} drift\n`);
  }
}

/** Some authors of listed posts, to write as. */
async function authorIds(): Promise<number[]> {
  const keys: string[] = [];
  for await (const found of state.scanStream({ match: `${authorListingKey('')}*`, count: 1000 }) as AsyncIterable<string[]>) {
    keys.push(...found);
    if (keys.length >= 50) break;
  }
  return keys.map((k) => Number(k.slice(authorListingKey('').length))).filter((id) => Number.isSafeInteger(id) && id > 0);
}

/** The reader of the newest seed (./stackctl seed) whose reader still exists: its first user, who follows up to 1,000 others. */
async function findReader(): Promise<{ id: number; followees: number } | null> {
  const dir = join(statePaths.data, 'seed');
  const files = await readdir(dir).catch(() => [] as string[]);
  const newestFirst = (await Promise.all(files.map(async (f) => ({ f, at: (await stat(join(dir, f))).mtimeMs })))).sort((a, b) => b.at - a.at);
  for (const { f } of newestFirst) {
    const progress = JSON.parse(await readFile(join(dir, f), 'utf8')) as { userIds: number[]; done: { follows: number } };
    const id = progress.userIds[0];
    if (id !== undefined && (await call('GET', `/users/${id}`, 'reader')).status === 200) return { id, followees: Math.min(READER_FOLLOWS, progress.userIds.length - 1, progress.done.follows) };
  }
  return null;
}

await main();
recordFigures('scale', printed());
