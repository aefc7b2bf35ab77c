// A scaled-down seed through ./stackctl seed (2,000 users, 20,000 posts, 20,000 follows), on the
// running system: it converges with no drift, paging through every post while writes and deletions
// go on gives each live post exactly once, newest first, and the posts service restarted at that size
// serves the first page. The seeded users are deleted at the end (their posts and follows go with
// them through the pipeline), so the system is left as it was. The bench prints the timings; this
// test does not time anything.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { statePaths } from '@polyglot/stack/paths';
import { seededPostId } from '@polyglot/stack/seed/dataset';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, pipelineDrained, type ApiResponse } from './support.ts';

const USERS = 2000;
const POSTS = 20_000;
const FOLLOWS = 20_000;
// A seed of this run's own: a deleted post's id stays tombstoned for an hour, so a seed is not reused.
const SEED = 1_000_000 + randomInt(1_000_000_000);

async function mapLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

// Counted with a write's token: a read with one is answered a page of the newest generations, never a
// page kept for readers without one (which may be a moment old), so the count before and after compare.
let freshToken = '';
const totalPosts = async () => Number((await api('GET', `/posts?limit=1&token=${encodeURIComponent(freshToken)}`)).headers.get('x-total-count'));

test('a scaled-down seed converges, pages exactly once while writes go on, and survives a restart of the posts service', { timeout: 1_800_000 }, async () => {
  const counter = await api('POST', '/users', { email: `seed-counter-${SEED}@e2e.test`, name: 'seed counter', password: 'correct horse battery' });
  assert.equal(counter.status, 201);
  freshToken = counter.body.consistency.token;
  const before = await totalPosts();
  const seeded = await runCli(['seed', '--users', String(USERS), '--posts', String(POSTS), '--follows', String(FOLLOWS), '--seed', String(SEED)]);
  process.stdout.write(seeded.stdout.replace(/^/gm, '  '));
  const progress = JSON.parse(readFileSync(join(statePaths.data, 'seed', `seed-${SEED}.json`), 'utf8')) as { userIds: number[]; created: { users: number; posts: number; follows: number } };
  const created: string[] = [];
  try {
    assert.equal(seeded.code, 0, `./stackctl seed: ${seeded.stderr.split('\n').slice(-5).join('\n')}\n${seeded.stdout}`);
    assert.deepEqual([progress.created.users, progress.created.posts], [USERS, POSTS]);
    assert.match(seeded.stdout, /no drift/);
    await waitFor('the listing to count every seeded post', async () => (await totalPosts()) === before + POSTS, { timeoutMs: 10_000 });

    // Page through every post while posts are written and seeded ones deleted.
    const seededIds = Array.from({ length: POSTS }, (_, i) => seededPostId(SEED, i, POSTS).id);
    const doomed = new Set(Array.from({ length: 100 }, (_, i) => seededIds[i * 173]!));
    let paging = true;
    const churn = (async () => {
      const toDelete = [...doomed];
      for (let i = 0; paging; i++) {
        const write = await api('POST', '/posts', { author_id: progress.userIds[1], title: `written while paging ${i}`, body: 'b' });
        if (write.status === 201) created.push(write.body._id);
        if (toDelete.length > 0) assert.equal((await api('DELETE', `/posts/${toDelete.pop()}`)).status, 204);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const id of toDelete) await api('DELETE', `/posts/${id}`);
    })();
    const seen: string[] = [];
    let path: string | null = '/posts?limit=200';
    while (path) {
      const page: ApiResponse<Array<{ _id: string }>> = await api<Array<{ _id: string }>>('GET', path);
      assert.equal(page.status, 200);
      seen.push(...page.body.map((p) => p._id));
      const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      path = next ? `${new URL(next).pathname}${new URL(next).search}` : null;
    }
    paging = false;
    await churn;
    assert.equal(new Set(seen).size, seen.length, 'no post twice');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]! > seen[i]!, `newest first at ${i}`);
    const shown = new Set(seen);
    const missing = seededIds.filter((id) => !doomed.has(id) && !shown.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} seeded posts never deleted were not paged through`);

    // The posts service restarted at this size answers, and the first page is served.
    assert.equal((await runCli(['stop', 'posts'])).code, 0);
    const started = await runCli(['start', 'posts']);
    assert.equal(started.code, 0, started.stderr);
    const first = await api<unknown[]>('GET', '/posts?limit=50');
    assert.equal(first.status, 200);
    assert.equal(first.body.length, 50);
  } finally {
    // Leave the system as it was: the seeded users go, and their posts and follows with them.
    await mapLimited(progress.userIds, 8, (id) => api('DELETE', `/users/${id}`));
    await mapLimited(created, 8, (id) => api('DELETE', `/posts/${id}`));
    await pipelineDrained(900_000);
    await waitFor('the seeded posts gone from the listing', async () => (await totalPosts()) === before, { timeoutMs: 900_000, intervalMs: 2000 });
    rmSync(join(statePaths.data, 'seed', `seed-${SEED}.json`), { force: true });
    assert.equal((await api('DELETE', `/users/${counter.body.id}`)).status, 204);
  }
});
