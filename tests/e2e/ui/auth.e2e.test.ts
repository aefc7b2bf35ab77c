// Signing in to the web UI when the gateway runs with AUTH_REQUIRED=true, in a
// real browser. The running system stays as it is (AUTH_REQUIRED off): this
// test starts a second gateway in-process, on its own port, with AUTH_REQUIRED
// on, in front of the running services, and serves the UI's build on a port of
// its own pointed at it (?gateway=…; that gateway admits the page's origin).
// A person signs in, writes a post and a comment (shown, then deleted, in the
// post view), is refused someone else's post and email, sees the operators'
// views refused, signs out (the session ends at the gateway too); an admin,
// made one by ./stackctl admin grant's own code, gets the operators' views.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@polyglot/platform/wait-for';
import { start, type RunningGateway } from '@polyglot/gateway/app';
import { loadGatewayConfig } from '@polyglot/gateway/config';
import { startUiServer, UiConfig, type RunningUi } from '@polyglot/gateway/ui-server';
import { setRole } from '@polyglot/stack/commands/admin';
import { api, callAs, runId } from '../support.ts';
import { LAPTOP, launch, shot } from './browser.ts';

const STEP_MS = 90_000;
const PASSWORD = 'correct horse battery';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let uiServer: RunningUi;
let authGateway: RunningGateway;
let gatewayUrl: string;
let uiUrl: string;
const errors: string[] = [];

interface Person {
  id: number;
  name: string;
  email: string;
}
const people: Person[] = [];
const made = (name: string): Person => ({ id: 0, name: `${name} ${runId}`, email: `${name.toLowerCase()}-${runId}@auth-ui.example` });
const alice = made('Alice');
const bob = made('Bob');
const carol = made('Carol');
let bobPost = '';
const alicePostTitle = `Signed in and posting ${runId}`;

const authApi = (method: string, path: string, body?: unknown, token?: string) => callAs(gatewayUrl, method, path, body, token);

async function signUp(person: Person): Promise<void> {
  const r = await authApi('POST', '/users', { email: person.email, name: person.name, password: PASSWORD });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  person.id = r.body.id;
  people.push(person);
}

async function logInByApi(person: Person): Promise<string> {
  const r = await authApi('POST', '/auth/login', { email: person.email, password: PASSWORD });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
}

/** In-app navigation (keeps the session and the live connection), like clicking a link. */
async function go(path: string): Promise<void> {
  await page.evaluate((to) => {
    const w = globalThis as unknown as { history: { pushState(s: null, t: string, u: string): void }; dispatchEvent(e: unknown): void; PopStateEvent: new (type: string) => unknown };
    w.history.pushState(null, '', to);
    w.dispatchEvent(new w.PopStateEvent('popstate'));
  }, path);
}

async function signIn(person: Person): Promise<void> {
  await page.getByTestId('sign-in').click();
  await page.getByTestId('sign-in-email').fill(person.email);
  await page.getByTestId('sign-in-password').fill(PASSWORD);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('session-name').filter({ hasText: person.name }).waitFor({ timeout: 15_000 });
}

/** The session token the page keeps (localStorage), to check it at the gateway. */
async function pageToken(): Promise<string | null> {
  return page.evaluate(() => {
    const raw = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('polyglot.session');
    return raw ? (JSON.parse(raw) as { token: string }).token : null;
  });
}

/** Picks a user in a UserPicker by typing their name and choosing the option. */
async function pick(testId: string, person: Person): Promise<void> {
  const input = page.getByTestId(testId);
  await input.click();
  await input.fill(person.name);
  const option = page.locator(`[role="option"][id$="-${person.id}"]`);
  await option.waitFor({ timeout: 20_000 });
  await option.dispatchEvent('mousedown');
}

before(async () => {
  uiServer = await startUiServer(UiConfig.parse({ PORT: '0' }));
  uiUrl = `http://127.0.0.1:${uiServer.port}`;
  // The running services, at their usual addresses; only the page's own origin may call this gateway from a browser.
  // Logins are counted per client address across every gateway (127.0.0.1 here): other tests' must not lock this one out.
  authGateway = await start(loadGatewayConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'silent', AUTH_REQUIRED: 'true', CORS_ORIGINS: uiUrl, LOGIN_MAX_PER_ADDRESS: '100000' }));
  gatewayUrl = `http://127.0.0.1:${authGateway.port}`;

  for (const person of [alice, bob, carol]) await signUp(person);
  // An admin is made by ./stackctl admin grant's own code, never by an API.
  await setRole(carol.email, 'admin');
  const post = await authApi('POST', '/posts', { author_id: bob.id, title: `Bob's own post ${runId}`, body: 'Only Bob may change it.' }, await logInByApi(bob));
  assert.equal(post.status, 201, JSON.stringify(post.body));
  bobPost = post.body._id;

  browser = await launch();
  context = await browser.newContext({ viewport: LAPTOP });
  page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${uiUrl}/posts?gateway=${encodeURIComponent(gatewayUrl)}`);
});

after(async () => {
  await browser?.close();
  // Through the running gateway (AUTH_REQUIRED off): a user's deletion takes their posts, comments and follows with it.
  if (bobPost) await api('DELETE', `/posts/${bobPost}`).catch(() => undefined);
  for (const person of people) await api('DELETE', `/users/${person.id}`).catch(() => undefined);
  await authGateway?.stop();
  await uiServer?.stop();
});

describe('the UI with AUTH_REQUIRED=true', { timeout: 6 * 60_000 }, () => {
  test('signed out: reads work, a write is refused with the sign-in hint', { timeout: STEP_MS }, async () => {
    await page.getByTestId(`post-${bobPost}`).waitFor({ timeout: 30_000 });
    await pick('post-author', alice);
    await page.getByTestId('post-title').fill('not signed in');
    await page.getByTestId('create-post').click();
    const refused = page.locator('.state-error').filter({ hasText: 'UNAUTHENTICATED' });
    await refused.waitFor({ timeout: 15_000 });
    assert.match((await refused.textContent()) ?? '', /Sign in/);
  });

  test('signed in: a post is written, a comment shown, added and deleted in the post view', { timeout: STEP_MS }, async () => {
    await signIn(alice);
    await page.getByTestId('post-title').fill(alicePostTitle);
    await page.getByTestId('post-body').fill('Written with a session.');
    await page.getByTestId('create-post').click();
    await page.locator('.result').filter({ hasText: alicePostTitle }).waitFor({ timeout: 30_000 });
    await page.locator('.post-title', { hasText: alicePostTitle }).waitFor({ timeout: 15_000 });

    // A comment on Bob's post, as Alice (the session's user).
    const card = page.getByTestId(`post-${bobPost}`);
    await card.getByTestId(`comments-toggle-${bobPost}`).click();
    const thread = page.getByTestId(`comments-${bobPost}`);
    await thread.getByText('No comments yet.').waitFor({ timeout: 15_000 });
    const text = `Nice one, Bob ${runId}`;
    await page.getByTestId(`comment-body-${bobPost}`).fill(text);
    await page.getByTestId(`add-comment-${bobPost}`).click();
    const comment = thread.locator('.comment', { hasText: text });
    await comment.waitFor({ timeout: 15_000 });
    assert.match((await comment.textContent()) ?? '', new RegExp(alice.name));
    const stored = await authApi('GET', `/posts/${bobPost}/comments`);
    assert.deepEqual(stored.body.map((c: { body: string; author_id: number }) => [c.body, c.author_id]), [[text, alice.id]]);
    await shot(page, 'auth-comment');

    await comment.getByRole('button', { name: /Delete/ }).click();
    await comment.waitFor({ state: 'detached', timeout: 15_000 });
    await thread.getByText('No comments yet.').waitFor({ timeout: 15_000 });
    assert.deepEqual((await authApi('GET', `/posts/${bobPost}/comments`)).body, []);
  });

  test("signed in: someone else's post cannot be changed, nor their email seen", { timeout: STEP_MS }, async () => {
    const card = page.getByTestId(`post-${bobPost}`);
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByLabel('Title').fill('taken over');
    await card.getByRole('button', { name: 'Save' }).click();
    const refused = page.locator('.state-error').filter({ hasText: 'FORBIDDEN' });
    await refused.waitFor({ timeout: 15_000 });
    assert.match((await refused.textContent()) ?? '', new RegExp(`belongs to user ${bob.id}`));
    assert.equal((await authApi('GET', `/posts/${bobPost}`)).body.title, `Bob's own post ${runId}`);

    await go('/users');
    await page.getByTestId('user-search').fill(runId);
    const bobRow = page.getByTestId(`user-row-${bob.id}`);
    await bobRow.waitFor({ timeout: 15_000 });
    assert.doesNotMatch((await bobRow.textContent()) ?? '', /@/);
    assert.match((await bobRow.textContent()) ?? '', /hidden/);
    assert.match((await page.getByTestId(`user-row-${alice.id}`).textContent()) ?? '', new RegExp(alice.email.replace(/[.]/g, '\\.')));
    await shot(page, 'auth-users');

    // The operators' views need an admin.
    await go('/faults');
    await page.locator('.code-chip', { hasText: 'ADMIN_REQUIRED' }).first().waitFor({ timeout: 20_000 });
  });

  test('signing out ends the session at the gateway too', { timeout: STEP_MS }, async () => {
    const token = await pageToken();
    assert.ok(token, 'the page keeps a session while signed in');
    assert.equal((await authApi('GET', '/auth/me', undefined, token)).status, 200);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor({ timeout: 15_000 });
    assert.equal(await pageToken(), null);
    await waitFor('the session ended at the gateway', async () => (await authApi('GET', '/auth/me', undefined, token)).status === 401, { timeoutMs: 10_000 });
  });

  test('an admin (granted by ./stackctl admin grant) gets the operators’ views', { timeout: STEP_MS }, async () => {
    await signIn(carol);
    await page.getByTestId('units-refresh').click();
    await page.getByTestId('unit-postgres').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('.code-chip', { hasText: 'ADMIN_REQUIRED' }).count(), 0);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor({ timeout: 15_000 });
    assert.deepEqual(errors, [], 'the UI threw no uncaught error');
  });
});
