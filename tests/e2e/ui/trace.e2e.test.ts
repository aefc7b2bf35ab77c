// One trace per change, in the browser against the running system (with
// tracing: the services export their spans to Jaeger): a user created in the
// UI answers a sampled traceresponse, the write links to its trace, its
// timeline does too, and the trace view draws rows from the gateway and from
// at least one projection, each row opening to its attributes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseTraceContext } from '@polyglot/contracts/trace-context';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, runId } from '../support.ts';
import { LAPTOP, launch, openPage, shot, ui } from './browser.ts';

/** The services a projection runs in (the graph projection in graph, the cache projection in projectors, the analytics projection in analytics). */
const PROJECTION_SERVICES = ['graph', 'projectors', 'analytics'];

let browser: Browser;
let work: Page;
const errors: string[] = [];
const linus = { name: `Linus ${runId}`, email: `linus-${runId}@trace.example`, password: 'correct horse battery', id: 0 };

before(async () => {
  const health = await fetch(`${ui}/health`).catch(() => null);
  assert.equal(health?.status, 200, `the ui unit does not answer on ${ui}: ./stackctl up starts it`);
  browser = await launch();
  const context = await browser.newContext({ viewport: LAPTOP });
  work = await openPage(context, '/users', errors);
});

after(async () => {
  await browser?.close();
  if (linus.id) await api('DELETE', `/users/${linus.id}`).catch(() => undefined);
});

describe('the trace of a write', { timeout: 3 * 60_000 }, () => {
  test('a user created in the UI links to its trace, from its answer and from its timeline; the trace shows the gateway and a projection', { timeout: 120_000 }, async () => {
    await work.getByTestId('new-user-name').fill(linus.name);
    await work.getByTestId('new-user-email').fill(linus.email);
    await work.getByTestId('new-user-password').fill(linus.password);
    const answered = work.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('mutation CreateUser'), { timeout: 30_000 });
    await work.getByTestId('create-user').click();
    const header = (await answered).headers().traceresponse;
    const context = parseTraceContext(header);
    assert.ok(context, `the write's answer carries a traceresponse header (got ${header ?? 'none'})`);
    assert.ok(context.sampled, `the write's trace is sampled (traceresponse ${header}): an unsampled one never reaches Jaeger`);
    const traceHref = `/trace/${context.traceId}`;

    const result = work.locator('.result').filter({ hasText: linus.name });
    await result.waitFor({ timeout: 30_000 });
    linus.id = Number(/#(\d+)\)/.exec((await result.textContent()) ?? '')?.[1]);
    assert.ok(linus.id > 0, 'the user was created');
    assert.equal(await result.getByTestId('write-trace').getAttribute('href'), traceHref, 'the write’s answer links to its trace');

    // Its timeline: once every store shows the change, every projection has applied it (and recorded its span).
    await result.getByRole('link', { name: 'see its timeline' }).click();
    await work.getByTestId('timeline-state').filter({ hasText: 'visible everywhere' }).waitFor({ timeout: 30_000 });
    const traceLink = work.getByTestId('timeline-trace');
    assert.equal(await traceLink.getAttribute('href'), traceHref, 'the timeline links to the same trace');
    await traceLink.click();

    // Spans leave each process in batches: the view asks again while the trace is missing or recent.
    const services = await waitFor(
      'rows from the gateway and from a projection in the trace view',
      async () => {
        const shown = await work.getByTestId('trace-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service') ?? ''));
        const missing = [...(shown.includes('gateway') ? [] : ['gateway']), ...(PROJECTION_SERVICES.some((s) => shown.includes(s)) ? [] : [`a projection (${PROJECTION_SERVICES.join(' or ')})`])];
        if (missing.length > 0) {
          const state = await work.locator('[data-testid="trace-state"], .state').first().textContent({ timeout: 1000 }).catch(() => 'nothing yet');
          throw new Error(`rows from: ${[...new Set(shown)].join(', ') || 'none yet'}; missing ${missing.join(' and ')}; the view says: ${state}`);
        }
        return new Set(shown);
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    assert.ok(services.has('gateway'));
    assert.match((await work.getByTestId('trace-services').textContent()) ?? '', /gateway/);

    // A row opens to its attributes.
    const gatewayRow = work.locator('[data-testid="trace-row"][data-service="gateway"]').first();
    await gatewayRow.locator('.wf-name-button').click();
    const detail = work.getByTestId('trace-span-detail');
    await detail.waitFor({ timeout: 5_000 });
    assert.match((await detail.textContent()) ?? '', /gateway/);
    await shot(work, 'trace');
    assert.deepEqual(errors, [], 'the page threw no error');
  });
});
