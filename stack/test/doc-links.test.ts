// Every relative link in the README, the changelog and docs/ points at a file that exists, and an
// anchor (#…) at a heading of that file, so moving a guide or renaming a heading cannot leave a
// dead link behind. Links to the web are not checked here.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../src/paths.ts';

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith('.md') ? [path] : [];
    });
  return [join(repoRoot, 'README.md'), join(repoRoot, 'CHANGELOG.md'), ...walk(join(repoRoot, 'docs'))];
}

/** The text outside fenced code blocks, where `](` can be code rather than a link. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = heading!.toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  return found;
}

function links(text: string): string[] {
  const body = prose(text);
  return [...body.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g), ...body.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1]!);
}

test('every relative link in the README, the changelog and docs/ resolves, anchors included', () => {
  const broken: string[] = [];
  const files = markdownFiles();
  assert.ok(files.length >= 10, 'the README, the changelog and the guides are found');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const link of links(text)) {
      if (/^[a-z]+:/i.test(link)) continue;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      const where = `${relative(repoRoot, file)}: ${link}`;
      if (relative(repoRoot, target).startsWith('..')) broken.push(`${where} (points outside the repository)`);
      else if (!existsSync(target)) broken.push(`${where} (no such file)`);
      else if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${where} (no such heading)`);
    }
  }
  assert.deepEqual(broken, [], `fix these links:\n${broken.join('\n')}`);
});
