// The browser the UI tests drive: Debian's Chromium (installed by
// ./stackctl test as a host package), headless, through playwright-core.
// Screenshots go to .stack/screenshots/ui (git-ignored); with
// UI_SCREENSHOTS_DIR=docs/screenshots they refresh the pictures of docs/ui.md.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { servicePorts } from '@polyglot/contracts/services';

export const ui = `http://127.0.0.1:${servicePorts.ui}`;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
export const screenshotsDir = resolve(repoRoot, process.env.UI_SCREENSHOTS_DIR ?? join(process.env.STACK_STATE_DIR ?? join(repoRoot, '.stack'), 'screenshots', 'ui'));

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: ./stackctl test installs the Debian package chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
}

export const LAPTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** A page that fails the test on any uncaught error in the UI. */
export async function openPage(context: BrowserContext, path: string, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`${path}: ${error.message}`));
  await page.goto(`${ui}${path}`);
  return page;
}

export async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const path = join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}

/** In-app navigation (keeps the page's live state), like clicking a link. */
export async function go(page: Page, path: string): Promise<void> {
  // Runs in the page (DOM globals), not in Node.
  await page.evaluate((to) => {
    const w = globalThis as unknown as { history: { pushState(s: null, t: string, u: string): void }; dispatchEvent(e: unknown): void; PopStateEvent: new (type: string) => unknown };
    w.history.pushState(null, '', to);
    w.dispatchEvent(new w.PopStateEvent('popstate'));
  }, path);
}
