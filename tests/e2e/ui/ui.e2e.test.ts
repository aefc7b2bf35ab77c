// The web UI (:3000) in a real browser against the running system: a user
// created in the UI travels the flow view's hops and appears in the graph
// panel; a follow draws its edge; a post, captured by Debezium from FerretDB's
// log, travels its hops and reaches the follower's feed; a
// deletion disappears everywhere; an engine stopped from the fault panel turns
// its node red and recovers; a lab experiment draws its charts. Each main
// view is photographed on the way (see browser.ts for where).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, runId } from '../support.ts';
import { go, LAPTOP, launch, openPage, PHONE, shot, ui } from './browser.ts';

const STEP_MS = 90_000;

let browser: Browser;
let context: BrowserContext;
/** The page a person works in. */
let work: Page;
/** A second window left on the flow view, watching. */
let flow: Page;
const errors: string[] = [];

const ada = { name: `Ada ${runId}`, email: `ada-${runId}@ui.example`, password: 'correct horse battery', id: 0, token: '' };
let grace: { id: number; name: string };
const postTitle = `Notes on the engine ${runId}`;

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

/** Picks a user in a UserPicker by typing their name and choosing the option. */
async function pick(page: Page, testId: string, name: string, id: number): Promise<void> {
  const input = page.getByTestId(testId);
  await input.click();
  await input.fill(name);
  const option = page.locator(`[role="option"][id$="-${id}"]`);
  // The picker's list is the users store, refreshed when the pipeline reports a user change.
  await option.waitFor({ timeout: 20_000 });
  await option.dispatchEvent('mousedown');
}

interface FlowProbe {
  polyglotFlow?: { hopsOf(token: string): string[]; inFlight(): number; state(): Record<string, unknown> };
}

/** What the flow window knows, for a failure message: its animation counters and edges, the changes it heard, a feed error. */
async function flowDiagnosis(): Promise<string> {
  const state = await flow.evaluate(() => (globalThis as unknown as FlowProbe).polyglotFlow?.state() ?? null);
  const seen = await text(flow, '[data-testid="changes-seen"]');
  const feedError = (await flow.getByTestId('feed-error').count()) > 0 ? await text(flow, '[data-testid="feed-error"]') : 'none';
  return `flow window: ${JSON.stringify(state)}, changes seen ${seen}, feed error: ${feedError}`;
}

async function unitState(unit: string): Promise<string | undefined> {
  const faults = await api('GET', '/faults');
  return faults.body?.units?.states?.find((u: { name: string; state: string }) => u.name === unit)?.state;
}

before(async () => {
  const health = await fetch(`${ui}/health`).catch(() => null);
  assert.equal(health?.status, 200, `the ui unit does not answer on ${ui}: ./stackctl up starts it`);
  browser = await launch();
  context = await browser.newContext({ viewport: LAPTOP });
  flow = await openPage(context, '/flow', errors);
  work = await openPage(context, '/users', errors);
});

after(async () => {
  // Whatever failed, the engine stopped here runs again.
  if ((await unitState('timescaledb').catch(() => 'unknown')) !== 'healthy') await api('POST', '/faults/units/timescaledb/start').catch(() => undefined);
  await browser?.close();
  // The users made here go (Grace is deleted by a test; her removal is checked there).
  for (const id of [ada.id, grace?.id]) if (id) await api('DELETE', `/users/${id}`).catch(() => undefined);
});

describe('the live UI', { timeout: 10 * 60_000 }, () => {
  test('the flow view opens live, every component drawn with its state', { timeout: STEP_MS }, async () => {
    await flow.getByTestId('link-state').filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
    for (const id of ['gateway', 'postgres', 'ferretdb', 'neo4j', 'kafka', 'connect', 'redis', 'timescaledb', 'proj-graph', 'proj-cache', 'proj-analytics']) {
      await flow.getByTestId(`node-${id}`).waitFor();
    }
    // Health arrives over the subscription: the stores turn from unknown to up.
    await waitFor('PostgreSQL shown up', async () => (await flow.getByTestId('node-postgres').getAttribute('data-level')) === 'ok', { timeoutMs: 15_000 });
    assert.equal(await flow.getByTestId('node-postgres').getAttribute('data-level'), 'ok');
  });

  test('a user created in the users panel animates its hops in the flow view and appears in the graph panel', { timeout: STEP_MS }, async () => {
    await work.getByTestId('new-user-name').fill(ada.name);
    await work.getByTestId('new-user-email').fill(ada.email);
    await work.getByTestId('new-user-password').fill(ada.password);
    await work.getByTestId('create-user').click();
    const result = work.locator('.result').filter({ hasText: ada.name });
    await result.waitFor({ timeout: 30_000 });
    ada.id = Number(/#(\d+)\)/.exec((await result.textContent()) ?? '')?.[1]);
    ada.token = (await result.locator('.token').textContent()) ?? '';
    assert.ok(ada.id > 0 && ada.token.startsWith(`users:${ada.id}:`), `created ${ada.id} with token ${ada.token}`);

    // The watching window drew the change along its hops: commit, WAL capture, Kafka, then into each store.
    const expected = ['users-svc>postgres', 'postgres>connect', 'connect>kafka', 'kafka>proj-graph', 'proj-graph>neo4j', 'proj-cache>redis', 'proj-analytics>timescaledb'];
    const hops = await waitFor('the change drawn into Neo4j, Redis and TimescaleDB', async () => {
        const drawn = await flow.evaluate((token) => (globalThis as unknown as FlowProbe).polyglotFlow?.hopsOf(token) ?? [], ada.token);
        const missing = expected.filter((h) => !drawn.includes(h));
        if (missing.length > 0) throw new Error(`drawn: ${drawn.join(', ') || 'nothing'}; not drawn: ${missing.join(', ')}; ${await flowDiagnosis()}`);
        return drawn;
      }, { timeoutMs: 20_000 });
    assert.ok(hops.includes('kafka>proj-graph'));
    const entry = flow.locator(`a[href="/timeline/${encodeURIComponent(ada.token)}"]`);
    await entry.waitFor({ timeout: 10_000 });
    assert.equal(await entry.locator('.applied-chip').count(), 3);
    // Figures are redrawn at most 10 times a second: the counter follows the dot shortly.
    await waitFor('the graph projection → Neo4j counter', async () => Number(await flow.getByTestId('edge-proj-graph>neo4j').getAttribute('data-count')) >= 1, { timeoutMs: 5_000 });
    await flow.waitForTimeout(700);
    await shot(flow, 'flow');

    await work.getByTestId(`user-row-${ada.id}`).getByRole('link', { name: 'graph' }).click();
    await work.getByTestId('in-neo4j').waitFor({ timeout: 15_000 });
    await work.getByTestId(`person-${ada.id}`).waitFor();
    assert.match(await text(work, `[data-testid="person-${ada.id}"]`), new RegExp(`Ada ${runId}`.slice(0, 10)));
  });

  test('follow: the edge appears in the graph panel', { timeout: STEP_MS }, async () => {
    const created = await api('POST', '/users', { name: `Grace ${runId}`, email: `grace-${runId}@ui.example`, password: 'correct horse battery' });
    assert.equal(created.status, 201);
    grace = { id: created.body.id, name: created.body.name };
    await pick(work, 'follow-target', grace.name, grace.id);
    await work.getByTestId('follow').click();
    await work.locator('.result').filter({ hasText: 'now follows' }).waitFor({ timeout: 30_000 });
    // Read-your-writes: the graph is read with the follow's token, so it shows it at once.
    await work.getByTestId(`person-${grace.id}`).waitFor({ timeout: 15_000 });
    await work.locator(`.react-flow__edge[data-id="${ada.id}>${grace.id}"], .react-flow__edge[data-testid="rf__edge-${ada.id}>${grace.id}"]`).first().waitFor({ timeout: 5_000 });
    await shot(work, 'graph');
  });

  test('post: captured from FerretDB’s log by Debezium, it shows in the follower’s feed', { timeout: STEP_MS }, async () => {
    await go(work, '/posts');
    await pick(work, 'post-author', grace.name, grace.id);
    await work.getByTestId('post-title').fill(postTitle);
    await work.getByTestId('post-body').fill('A post written in the browser, on its way to a feed.');
    await work.getByTestId('create-post').click();
    const result = work.locator('.result').filter({ hasText: postTitle });
    await result.waitFor({ timeout: 30_000 });
    const token = (await result.locator('.token').textContent()) ?? '';
    assert.match(token, /^posts:[^:]+:\d+$/);
    // Its way into Kafka is Debezium's, as a user's is: FerretDB → Kafka Connect → Kafka.
    const expected = ['posts-svc>ferretdb', 'ferretdb>connect', 'connect>kafka', 'kafka>proj-cache', 'proj-cache>redis'];
    await waitFor('the post drawn through Debezium into Redis', async () => {
        const drawn = await flow.evaluate((t) => (globalThis as unknown as FlowProbe).polyglotFlow?.hopsOf(t) ?? [], token);
        const missing = expected.filter((h) => !drawn.includes(h));
        if (missing.length > 0) throw new Error(`drawn: ${drawn.join(', ') || 'nothing'}; not drawn: ${missing.join(', ')}; ${await flowDiagnosis()}`);
        return true;
      }, { timeoutMs: 20_000 });
    await work.locator('.post-title', { hasText: postTitle }).waitFor({ timeout: 15_000 });
    await shot(work, 'posts');

    await go(work, `/feed/${ada.id}`);
    await work.getByTestId('feed-list').locator('.post-title', { hasText: postTitle }).waitFor({ timeout: 30_000 });
    await shot(work, 'feed');
  });

  test('delete: the user disappears everywhere (users, graph, feed)', { timeout: STEP_MS }, async () => {
    await go(work, '/users');
    await work.getByTestId('user-search').fill(grace.name);
    await work.getByTestId(`delete-user-${grace.id}`).click();
    await work.getByTestId(`confirm-delete-${grace.id}`).click();
    await work.locator('.result').filter({ hasText: `Deleted ${grace.name}` }).waitFor({ timeout: 30_000 });
    await work.getByTestId(`user-row-${grace.id}`).waitFor({ state: 'detached', timeout: 15_000 });

    await go(work, `/graph/${ada.id}`);
    await work.getByTestId(`person-${ada.id}`).waitFor({ timeout: 15_000 });
    // The graph projection removes the user's follows from Neo4j; the panel refreshes when it reports that.
    await waitFor('Grace gone from the graph', async () => (await work.getByTestId(`person-${grace.id}`).count()) === 0, { timeoutMs: 30_000 });

    await go(work, `/feed/${ada.id}`);
    // The posts service's cascade deletes her post; the cache projection invalidates the feed.
    await waitFor('her post gone from the feed', async () => (await work.locator('.post-title', { hasText: postTitle }).count()) === 0 && (await work.locator('.state-loading').count()) === 0, { timeoutMs: 45_000 });
  });

  test('the fault panel pauses a projection: its lag grows (amber node, lag chart) and drains on resume', { timeout: 2 * 60_000 }, async () => {
    await go(work, '/faults');
    const card = work.getByTestId('projection-analytics');
    await work.getByTestId('pause-analytics').click();
    try {
      await work.getByTestId('resume-analytics').waitFor({ timeout: 15_000 });
      for (let i = 0; i < 24; i++) assert.equal((await api('PUT', `/users/${ada.id}`, { email: ada.email, name: `${ada.name} v${i}` })).status, 200);
      await waitFor('the lag shown on the analytics card', async () => Number(/lag (\d+)/.exec((await card.textContent()) ?? '')?.[1] ?? 0) >= 20, { timeoutMs: 20_000 });
      await waitFor('the analytics projection amber in the flow view', async () => (await flow.getByTestId('node-proj-analytics').getAttribute('data-level')) === 'warn', { timeoutMs: 10_000 });
      await work.waitForTimeout(2500);
      await work.getByTestId('resume-analytics').click();
      await waitFor('the lag drained', async () => /lag 0\b/.test((await card.textContent()) ?? ''), { timeoutMs: 30_000 });
      await work.waitForTimeout(2500);
      await work.getByTestId('lag-chart').scrollIntoViewIfNeeded();
      await shot(work, 'faults-lag');
    } finally {
      await api('POST', '/faults/projections/analytics/resume');
    }
  });

  test('the fault panel stops an engine: its node turns red; started again, it recovers', { timeout: 4 * 60_000 }, async () => {
    await go(work, '/faults');
    const unit = work.getByTestId('unit-timescaledb');
    await unit.waitFor({ timeout: 30_000 });
    await waitFor('timescaledb healthy before the test', async () => (await unitState('timescaledb')) === 'healthy', { timeoutMs: 60_000 });
    await work.getByTestId('units-refresh').click();
    await work.getByTestId('unit-stop-timescaledb').waitFor();
    await waitFor('the stop button enabled', () => work.getByTestId('unit-stop-timescaledb').isEnabled(), { timeoutMs: 30_000 });
    try {
      await work.getByTestId('unit-stop-timescaledb').click();
      await waitFor('timescaledb down in the fault panel', async () => (await unit.getAttribute('data-state')) !== 'healthy', { timeoutMs: 90_000 });
      await waitFor('the TimescaleDB node red', async () => (await flow.getByTestId('node-timescaledb').getAttribute('data-level')) === 'down', { timeoutMs: 20_000 });
      await shot(flow, 'flow-store-down');
      await shot(work, 'faults');
    } finally {
      await waitFor('the start button enabled', () => work.getByTestId('unit-start-timescaledb').isEnabled(), { timeoutMs: 60_000 }).catch(() => undefined);
      await work.getByTestId('unit-start-timescaledb').click();
    }
    await waitFor('timescaledb healthy in the fault panel', async () => (await unit.getAttribute('data-state')) === 'healthy', { timeoutMs: 120_000 });
    await waitFor('the TimescaleDB node up again', async () => (await flow.getByTestId('node-timescaledb').getAttribute('data-level')) === 'ok', { timeoutMs: 30_000 });
  });

  test('a lab experiment runs and its charts render', { timeout: 3 * 60_000 }, async () => {
    await go(work, '/lab');
    await work.getByTestId('lab-kind').selectOption('users');
    await work.getByTestId('lab-mode').selectOption('eventual');
    await work.getByTestId('lab-writes').fill('10');
    await work.getByTestId('lab-rate').fill('10');
    await work.getByTestId('lab-run').click();
    await work.getByTestId('lab-running').waitFor({ timeout: 5_000 });
    // The lab's writes are drawn in the watching window as they happen: photographed with dots in flight.
    await waitFor('the lab’s writes drawn in the flow view', async () => (await flow.evaluate(() => (globalThis as unknown as FlowProbe).polyglotFlow?.inFlight() ?? 0)) > 0, { timeoutMs: 30_000 });
    await shot(flow, 'flow-busy');
    await work.getByTestId('lab-running').waitFor({ state: 'detached', timeout: 150_000 });
    await work.getByText('10 renames of users, eventual').first().waitFor({ timeout: 10_000 });
    for (const chart of ['lab-stale-chart', 'lab-ttv-chart']) {
      await work.getByTestId(chart).locator('.recharts-bar-rectangle').first().waitFor({ timeout: 10_000 });
    }
    // The history checker judged what the experiment recorded: every property counted, no anomaly.
    await work.getByTestId('lab-verdict').getByText('No anomaly.').waitFor({ timeout: 10_000 });
    await shot(work, 'lab');
  });

  test('the other views render with the system’s figures; the timeline of the first write; a phone width', { timeout: STEP_MS }, async () => {
    await go(work, `/timeline/${encodeURIComponent(ada.token)}`);
    await work.getByTestId('timeline-state').filter({ hasText: 'visible everywhere' }).waitFor({ timeout: 20_000 });
    // A user's change: commit, WAL capture, Kafka, then Neo4j, Redis and TimescaleDB.
    assert.equal(await work.getByTestId('timeline').locator('li').count(), 6);
    await shot(work, 'timeline');

    await go(work, '/analytics');
    await work.getByTestId('events-per-minute').locator('.recharts-bar-rectangle').first().waitFor({ timeout: 20_000 });
    await shot(work, 'analytics');

    await go(work, '/cache');
    await work.getByTestId('cache-figures').waitFor({ timeout: 15_000 });
    await work.waitForTimeout(4000);
    await shot(work, 'cache');

    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      const page = await openPage(phone, '/flow', errors);
      await page.getByTestId('link-state').filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
      await page.getByTestId('node-kafka').waitFor();
      await page.waitForTimeout(2500);
      await shot(page, 'phone-flow');
      // On a phone the views are one tap away, behind the menu button.
      await page.getByRole('button', { name: 'Show the views' }).click();
      await page.getByRole('link', { name: /Users/ }).click();
      await page.getByTestId('create-user').waitFor();
      await page.locator('[data-testid^="user-row-"]').first().waitFor({ timeout: 20_000 });
      await shot(page, 'phone-users');
    } finally {
      await phone.close();
    }
    assert.deepEqual(errors, [], 'the UI threw no uncaught error');
  });

  test('GraphiQL, bundled in the UI, runs a query against the gateway', { timeout: STEP_MS }, async () => {
    await go(work, '/graphiql');
    await work.getByTestId('graphiql').waitFor({ timeout: 30_000 });
    // GraphiQL draws its run button before its editors: they are created only once the
    // Monaco editor has loaded (a large, lazily loaded chunk, slow on a busy machine), and
    // until then a click on run does nothing at all. So: the editors first, then the click.
    await work.locator('.graphiql-query-editor .monaco-editor').filter({ hasText: 'Users' }).waitFor({ timeout: 30_000 });
    await work.locator('.graphiql-response .monaco-editor').waitFor({ timeout: 30_000 });
    const run = work.locator('.graphiql-execute-button');
    await run.click();
    // The default query lists the users: the response pane shows the data the gateway answered.
    await waitFor('the query answered', async () => /"users"/.test((await work.locator('.graphiql-response').textContent()) ?? ''), { timeoutMs: 30_000 });
    await shot(work, 'graphiql');
  });
});
