// One trace per change, read back from Jaeger's own query API (docs/tracing.md):
// a write through the gateway is one trace with a span at every hop, the
// request, the call to the service, the store write, the capture (Debezium's,
// or the graph relay's publish) and each projection's processing of the record,
// every span's parent in the same trace. No span carries the email or the password.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { urls } from '@polyglot/contracts/endpoints';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, createUser, runId } from './support.ts';

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; spanID: string; traceID: string }>;
  processID: string;
  tags: Array<{ key: string; value: unknown }>;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

interface Span {
  id: string;
  parent: string | null;
  service: string;
  name: string;
  kind: string | undefined;
  tags: string;
}

const PASSWORD = 'correct horse battery';

/** The trace id of a traced answer (traceresponse, sampled). */
function traceIdOf(headers: Headers): string {
  const value = headers.get('traceresponse');
  const match = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(value ?? '');
  assert.ok(match, `a write answers a sampled traceresponse, not ${value}`);
  return match[1]!;
}

async function jaegerTrace(traceId: string): Promise<Span[]> {
  const response = await fetch(`${urls.jaegerQuery}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (response.status === 404) return [];
  assert.equal(response.status, 200, `Jaeger answers ${response.status}`);
  const trace = ((await response.json()) as { data: JaegerTrace[] }).data[0]!;
  return trace.spans.map((s) => ({
    id: s.spanID,
    parent: s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? null,
    service: trace.processes[s.processID]!.serviceName,
    name: s.operationName,
    kind: s.tags.find((t) => t.key === 'span.kind')?.value as string | undefined,
    tags: JSON.stringify(s.tags),
  }));
}

/** Waits until the trace holds every span named (service and name), then checks it is one tree. */
async function traceWith(traceId: string, expected: ReadonlyArray<readonly [service: string, name: string]>): Promise<Span[]> {
  let last: Span[] = [];
  try {
    return await waitFor(
      `trace ${traceId} with ${expected.length} hops`,
      async () => {
        last = await jaegerTrace(traceId);
        return expected.every(([service, name]) => last.some((s) => s.service === service && s.name === name)) && last;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } catch (error) {
    const seen = last.map((s) => `  ${s.service}: ${s.name}`).join('\n');
    const missing = expected.filter(([service, name]) => !last.some((s) => s.service === service && s.name === name)).map(([service, name]) => `  ${service}: ${name}`);
    assert.fail(`${(error as Error).message}\nmissing:\n${missing.join('\n')}\nin the trace:\n${seen}`);
  }
}

function assertOneTree(spans: Span[]): void {
  const ids = new Set(spans.map((s) => s.id));
  const roots = spans.filter((s) => s.parent === null);
  assert.equal(roots.length, 1, `one root: ${roots.map((r) => r.name).join(', ')}`);
  assert.equal(roots[0]!.service, 'gateway');
  for (const span of spans) if (span.parent !== null) assert.ok(ids.has(span.parent), `the parent of ${span.service}: ${span.name} is in the trace`);
}

const processed = (group: string, topic: string) => `${group} process ${topic}`;

describe('one trace per change, from the request to every store (Jaeger’s API)', () => {
  test('a new user: the request, PostgreSQL, Debezium’s capture and every consumer of users-db', async () => {
    const email = `traced-${runId}-${randomUUID().slice(0, 6)}@e2e.test`;
    const created = await api('POST', '/users', { email, name: 'Traced User', password: PASSWORD });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const spans = await traceWith(traceIdOf(created.headers), [
      ['gateway', 'POST /users'],
      ['gateway', 'POST users'],
      ['users', 'POST /users'],
      ['users', 'postgresql INSERT users'],
      ['analytics', `debezium capture ${topics.userChanges}`],
      ['projectors', processed(consumerGroups.cacheProjector, topics.userChanges)],
      ['graph', processed(consumerGroups.graphProjector, topics.userChanges)],
      ['analytics', processed(consumerGroups.analyticsProjector, topics.userChanges)],
      ['posts', processed(consumerGroups.postsUserCascade, topics.userChanges)],
    ]);
    assertOneTree(spans);
    assert.equal(spans.find((s) => s.service === 'gateway' && s.name === 'POST /users')?.kind, 'server');
    for (const span of spans) {
      assert.ok(!span.tags.includes(email), `${span.name} carries no email`);
      assert.ok(!span.tags.includes(PASSWORD), `${span.name} carries no password`);
    }
  });

  test('a new post: FerretDB’s write, the capture from its PostgreSQL’s WAL and every projection', async () => {
    const author = await createUser('traced-author');
    const created = await api('POST', '/posts', { author_id: author.id, title: 'traced', body: 'a post with a trace' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const spans = await traceWith(traceIdOf(created.headers), [
      ['gateway', 'POST /posts'],
      ['posts', 'POST /posts'],
      ['posts', 'mongodb insert posts'],
      ['analytics', `debezium capture ${topics.postChanges}`],
      ['projectors', processed(consumerGroups.cacheProjector, topics.postChanges)],
      ['graph', processed(consumerGroups.graphProjector, topics.postChanges)],
      ['analytics', processed(consumerGroups.analyticsProjector, topics.postChanges)],
    ]);
    assertOneTree(spans);
  });

  test('a follow: Neo4j’s write with its outbox, the relay’s publish (its context in the record header) and the consumers after it', async () => {
    const [a, b] = await Promise.all([createUser('traced-follower'), createUser('traced-followee')]);
    const followed = await api('POST', '/follow', { followerId: a.id, followeeId: b.id });
    assert.equal(followed.status, 201, JSON.stringify(followed.body));
    const spans = await traceWith(traceIdOf(followed.headers), [
      ['gateway', 'POST /follow'],
      ['graph', 'POST /follow'],
      ['graph', 'neo4j CREATE FOLLOWS'],
      ['graph', `${topics.graphEvents} publish`],
      ['projectors', processed(consumerGroups.cacheProjector, topics.graphEvents)],
      ['analytics', processed(consumerGroups.analyticsProjector, topics.graphEvents)],
    ]);
    assertOneTree(spans);
    const publish = spans.find((s) => s.name === `${topics.graphEvents} publish`)!;
    for (const consumer of spans.filter((s) => s.name.endsWith(`process ${topics.graphEvents}`))) {
      assert.equal(consumer.parent, publish.id, `${consumer.name} continues from the relay's publish, whose context the record's header carried`);
    }
  });

  test('a user’s deletion: the delete record carries its own trace, and the posts it cascades to continue it', async () => {
    const user = await createUser('traced-deleted');
    const post = await api('POST', '/posts?consistency=strong', { author_id: user.id, title: 'goes with its author', body: 'cascade' });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    const deleted = await api('DELETE', `/users/${user.id}`);
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    const spans = await traceWith(traceIdOf(deleted.headers), [
      ['gateway', 'DELETE /users/:id'],
      ['users', 'DELETE /users/:id'],
      ['users', 'postgresql DELETE users'],
      ['analytics', `debezium capture ${topics.userChanges}`],
      ['projectors', processed(consumerGroups.cacheProjector, topics.userChanges)],
      ['posts', processed(consumerGroups.postsUserCascade, topics.userChanges)],
      // The cascade deleted the post in the same trace, so its capture and projections are in it too.
      ['analytics', `debezium capture ${topics.postChanges}`],
      ['projectors', processed(consumerGroups.cacheProjector, topics.postChanges)],
    ]);
    assertOneTree(spans);
    // The stamp that carried the trace into the delete record is no change of its own.
    assert.equal(spans.filter((s) => s.name === `debezium capture ${topics.userChanges}`).length, 1);
  });
});
