// The posts capture survives a SIGKILL of Kafka Connect in the middle of a burst of post writes:
// Debezium resumes from the replication slot of FerretDB's storage and sends again what it had
// not flushed, never skipping. Every version of every post reaches TimescaleDB exactly once (one
// row per event, the positions 1..5 of each post), Neo4j holds every post, and once the posts are
// deleted again the reconciler reports no drift.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, createUser, cypher, pipelineDrained } from './support.ts';
import { connectorRunning, driftBaseline, outageScenario, reconcileClean, sleep, unitAction } from './outage-support.ts';
import { waitFor } from '@polyglot/platform/wait-for';

const stores = outageScenario(['connect']);

/** Each post: created, liked three times, commented once; positions 1..5. */
const EXPECTED = ['POST_CREATED', 'POST_LIKED', 'POST_LIKED', 'POST_LIKED', 'COMMENT_CREATED'];

test('kill -9 of Kafka Connect mid-burst of post writes: every version reaches TimescaleDB once, in order, and Neo4j holds every post', { timeout: 300_000 }, async () => {
  const baseline = await driftBaseline();
  const author = await createUser('capture-kill');
  const liker = await createUser('capture-liker');
  const posts: string[] = [];
  const failures: string[] = [];
  let writing = true;
  const worker = async (w: number) => {
    for (let i = 0; writing; i++) {
      const created = await api('POST', '/posts', { author_id: author.id, title: `capture kill w${w} #${i}`, body: 'burst', tags: [] });
      if (created.status !== 201) {
        failures.push(`POST /posts: ${created.status} ${JSON.stringify(created.body)}`);
        continue;
      }
      const id = created.body._id as string;
      posts.push(id);
      for (let like = 0; like < 3; like++) {
        const liked = await api('POST', `/posts/${id}/like`, { userId: liker.id });
        if (liked.status !== 200) failures.push(`like: ${liked.status}`);
      }
      const comment = await api('POST', `/posts/${id}/comments`, { author_id: liker.id, body: 'still here' });
      if (comment.status !== 201) failures.push(`comment: ${comment.status}`);
    }
  };
  const burst = Promise.all([0, 1, 2].map(worker));
  try {
    await sleep(2000);
    const killedMs = await unitAction('connect', 'kill');
    await sleep(3000);
    const startedMs = await unitAction('connect', 'start');
    await sleep(2000);
    process.stdout.write(`  connect killed in ${killedMs} ms and started in ${startedMs} ms while posts were written\n`);
  } finally {
    writing = false;
    await burst;
  }
  assert.deepEqual(failures, [], 'the posts store was up: every write was accepted');
  assert.ok(posts.length >= 10, `a burst of posts was written (${posts.length})`);

  await connectorRunning();
  await pipelineDrained(120_000);
  const started = Date.now();
  // Drained counts what is in Kafka; Debezium may still be reading the slot's backlog, so wait for the rows themselves.
  const rows = await waitFor('every version of every post in TimescaleDB', async () => {
    const { rows: found } = await stores.timescale.query<{ entity_id: string; event_type: string; position: string; n: string }>(
      `SELECT entity_id, event_type, position, count(*) AS n FROM events WHERE entity_id = ANY($1) AND source = 'posts' GROUP BY 1, 2, 3 ORDER BY 1, 3`,
      [posts],
    );
    return found.length >= posts.length * EXPECTED.length ? found : false;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  const problems: string[] = [];
  for (const id of posts) {
    const mine = rows.filter((r) => r.entity_id === id);
    const seen = mine.map((r) => `${Number(r.position)}:${r.event_type}`);
    const wanted = EXPECTED.map((type, i) => `${i + 1}:${type}`);
    if (JSON.stringify(seen) !== JSON.stringify(wanted)) problems.push(`${id}: ${seen.join(', ')} instead of ${wanted.join(', ')}`);
    for (const r of mine) if (Number(r.n) !== 1) problems.push(`${id} position ${r.position}: ${r.n} rows`);
  }
  assert.deepEqual(problems, [], 'one row per version, none missing, none twice');
  const inGraph = await cypher<{ n: number }>(stores.neo4j, 'MATCH (p:Post) WHERE p.id IN $ids RETURN count(p) AS n', { ids: posts });
  assert.equal(inGraph[0]?.n, posts.length, 'Neo4j holds every post');
  process.stdout.write(`  ${posts.length} posts, ${posts.length * EXPECTED.length} versions, all in TimescaleDB ${Date.now() - started} ms after the pipeline drained\n`);

  for (const id of posts) assert.equal((await api('DELETE', `/posts/${id}`)).status, 204);
  assert.equal((await api('DELETE', `/users/${author.id}`)).status, 204);
  assert.equal((await api('DELETE', `/users/${liker.id}`)).status, 204);
  assert.deepEqual(await reconcileClean(baseline), []);
});
