// The UI's static server (the stack's `ui` unit) on a build of its own in a
// temporary folder: files, the single-page fallback, caching, /health, and no
// way out of the build folder.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startUiServer, UiConfig, type RunningUi } from '../src/ui-server.ts';

const logger = pino({ level: 'silent' });

async function serve(dist: string, env: Record<string, string> = {}): Promise<{ ui: RunningUi; url: string }> {
  const ui = await startUiServer(UiConfig.parse({ PORT: '0', UI_DIST: dist, ...env }), { logger });
  return { ui, url: `http://127.0.0.1:${ui.port}` };
}

describe('ui server with a build', () => {
  let dir: string;
  let ui: RunningUi;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ui-dist-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title><div id="root"></div>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    ({ ui, url } = await serve(dir, { UI_GATEWAY_URL: 'http://gw.example:4000/' }));
  });
  after(async () => {
    await ui?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('/ is the page, revalidated on every load', async () => {
    const response = await fetch(`${url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(await response.text(), /id="root"/);
  });

  test('hashed assets are served as immutable, with their type', async () => {
    const response = await fetch(`${url}/assets/index-abc123.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /javascript/);
    assert.match(response.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(await response.text(), 'console.log(1)');
  });

  test('a view of the app (no extension) gets the page: the single-page fallback', async () => {
    for (const path of ['/flow', '/stores/users', '/lab?x=1']) {
      const response = await fetch(`${url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(await response.text(), /id="root"/);
    }
  });

  test('a missing file is 404 with a code, not the page', async () => {
    const response = await fetch(`${url}/assets/gone-123.js`);
    assert.equal(response.status, 404);
    assert.deepEqual(Object.keys((await response.json()) as object).sort(), ['code', 'error']);
  });

  test('nothing outside the build is reachable', async () => {
    for (const path of ['/../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/%E0%A4%A']) {
      const response = await fetch(`${url}${path}`);
      assert.ok([404, 400].includes(response.status), `${path}: ${response.status}`);
      assert.doesNotMatch(await response.text(), /"workspaces"|"name"/);
    }
  });

  test('/health names the build; /config.json where the gateway is', async () => {
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; builtAt: string };
    assert.equal(body.status, 'ok');
    assert.ok(!Number.isNaN(Date.parse(body.builtAt)));
    const config = (await (await fetch(`${url}/config.json`)).json()) as { gatewayUrl: string; gatewayPort: number };
    assert.deepEqual(config, { gatewayUrl: 'http://gw.example:4000', gatewayPort: 4000 });
  });
});

describe('ui server without a build', () => {
  test('/health and the page say so with UI_NOT_BUILT; the server still answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ui-empty-'));
    const { ui, url } = await serve(join(dir, 'dist'));
    try {
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 503);
      assert.equal(((await health.json()) as { code: string }).code, 'UI_NOT_BUILT');
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 503);
      const body = (await page.json()) as { code: string; error: string };
      assert.equal(body.code, 'UI_NOT_BUILT');
      assert.match(body.error, /stackctl up/);
      const config = (await (await fetch(`${url}/config.json`)).json()) as { gatewayUrl: string | null };
      assert.equal(config.gatewayUrl, null);
    } finally {
      await ui.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a bad UI_GATEWAY_URL is refused at start', () => {
    assert.throws(() => UiConfig.parse({ UI_GATEWAY_URL: 'gw:4000' }), /UI_GATEWAY_URL/);
  });
});
