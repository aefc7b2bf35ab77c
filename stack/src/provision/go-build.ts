// Building our small Go programs (stack/provision/*): the Go the host has, with module downloads
// and compiled packages cached with the stack's other artifacts, the same for `go build` and
// `go test`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors.ts';
import { cacheRoot } from '../paths.ts';

/** Fails with MISSING_TOOL unless Go `minimum` (1.24 unless given) or newer is on PATH; `what` names what needs it. */
export function requireGo(what: string, minimum = '1.24'): string {
  let version = '';
  try {
    version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    throw new StackError('MISSING_TOOL', `${what} needs Go ${minimum} or newer (go not found); install Go or use Docker Compose (./stackctl up --docker)`);
  }
  if (compareVersions(/^go(\d+(?:\.\d+){0,2})/.exec(version)?.[1] ?? '0', minimum) < 0) {
    throw new StackError('MISSING_TOOL', `${what} needs Go ${minimum} or newer, found ${version}; install a newer Go or use Docker Compose (./stackctl up --docker)`);
  }
  return version;
}

/** Compares dotted versions number by number (1.24 < 1.24.6 < 1.25). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    GOMODCACHE: join(cacheRoot, 'go', 'mod'),
    GOCACHE: join(cacheRoot, 'go', 'build'),
  };
}

/** A short hash of a Go program's source (its .go files but the tests, go.mod, go.sum): part of its cache key, so a change rebuilds it. */
export function goSourceHash(dir: string): string {
  const hash = createHash('sha256');
  const sources = readdirSync(dir).filter((name) => name.endsWith('.go') && !name.endsWith('_test.go')).sort();
  for (const file of [...sources, 'go.mod', 'go.sum']) hash.update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 10);
}
