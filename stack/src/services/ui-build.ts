// The web UI's production build (ui/dist), made by `up` (and before the `ui`
// unit starts) when it is missing or older than what it is built from. A
// build takes about a second; an unchanged tree costs a directory walk.
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, statePaths } from '../paths.ts';
import { step } from '../progress.ts';
import { ensureGeneratedCode } from './generated-code.ts';
import { runTool } from '../run-tool.ts';

export const uiDir = join(repoRoot, 'ui');
export const uiDist = join(uiDir, 'dist');
/** Written last by vite: its age is the build's age, and a build that failed half-way has none. */
const builtStamp = join(uiDist, 'index.html');

/** What a build is made from: the sources, their settings and the installed dependencies. */
const INPUTS = ['index.html', 'vite.config.ts', 'tsconfig.json', 'package.json', 'src', 'public'];

async function newestMtime(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

export interface UiBuildState {
  stale: boolean;
  reason: string;
}

export async function uiBuildState(): Promise<UiBuildState> {
  if (!existsSync(join(uiDir, 'package.json'))) return { stale: false, reason: 'no ui/ in this checkout' };
  const built = await stat(builtStamp).then((s) => s.mtimeMs).catch(() => null);
  if (built === null) return { stale: true, reason: 'ui/dist is missing' };
  const inputs = await Promise.all([...INPUTS.map((p) => newestMtime(join(uiDir, p))), newestMtime(join(repoRoot, 'package-lock.json'))]);
  const newest = Math.max(...inputs);
  return newest > built ? { stale: true, reason: 'the sources changed since the last build' } : { stale: false, reason: 'up to date' };
}

/** Builds the UI when it is stale; true when it built. Fails with BUILD_FAILED naming the log. */
export async function ensureUiBuilt(): Promise<boolean> {
  await ensureGeneratedCode();
  const state = await uiBuildState();
  if (!state.stale) return false;
  await step(`building the web UI (vite; ${state.reason})`, () =>
    runTool({
      what: 'vite build of the web UI',
      command: process.execPath,
      args: [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
      cwd: uiDir,
      logFile: join(statePaths.provisionLogs, 'ui-build.log'),
      timeoutMs: 300_000,
      env: { ...process.env, NODE_ENV: 'production' },
      failureCode: 'BUILD_FAILED',
    }),
  );
  return true;
}
