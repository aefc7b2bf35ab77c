// The static checks fail on what they are there to catch. A small tree, checked with the
// repository's own .oxlintrc.json, .dependency-cruiser.cjs and knip.jsonc, plants one violation
// of each rule the run relies on; the checks must report exactly those, and nothing in the
// well-formed rest of the tree.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../src/paths.ts';
import { findViolations, staticChecks, type Violation } from '../src/static-checks.ts';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const manifest = (name: string, more: Record<string, unknown> = {}) => json({ name, private: true, type: 'module', ...more });

const TREE: Record<string, string> = {
  'package.json': json({ name: 'fixture', private: true, type: 'module', workspaces: ['packages/*', 'services/*'] }),
  'packages/contracts/package.json': manifest('@polyglot/contracts', { exports: { './*': './src/*.ts' } }),
  // NEVER_IMPORTED: an export no file imports.
  'packages/contracts/src/topics.ts': "export const topics = { users: 'users' };\nexport const NEVER_IMPORTED = 1;\n",
  'packages/platform/package.json': manifest('@polyglot/platform', { exports: { './*': './src/*.ts' } }),
  // A relative path into another package's folder, instead of @polyglot/contracts/topics.
  'packages/platform/src/kafka.ts': "import { topics } from '../../contracts/src/topics.ts';\n\nexport const topicNames = Object.values(topics);\n",
  'services/users/package.json': manifest('@polyglot/users', { dependencies: { '@polyglot/platform': '*' } }),
  // `leftover`: what the lint catches.
  'services/users/src/main.ts': "import { start } from './app.ts';\n\nconst leftover = 1;\nconsole.log(start());\n",
  'services/users/src/app.ts': "import { topicNames } from '@polyglot/platform/kafka';\nimport { getUser } from './domain/get-user.use-case.ts';\n\nexport function start(): string[] {\n  return [...topicNames, getUser(1)];\n}\n",
  'services/users/src/domain/get-user.use-case.ts': "import { findUser } from '../data-access/user.repository.ts';\n\nexport function getUser(id: number): string {\n  return findUser(id);\n}\n",
  'services/users/src/domain/user-prefix.ts': "export const USER_PREFIX = 'user-';\n",
  // data-access importing domain: the layers the wrong way round.
  'services/users/src/data-access/user.repository.ts': "import { USER_PREFIX } from '../domain/user-prefix.ts';\n\nexport function findUser(id: number): string {\n  return USER_PREFIX + id;\n}\n",
};

let root: string;
let found: Violation[];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'static-checks-'));
  for (const config of ['.oxlintrc.json', '.dependency-cruiser.cjs', 'knip.jsonc']) await copyFile(join(repoRoot, config), join(root, config));
  for (const [path, text] of Object.entries(TREE)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  // As npm links workspaces, so @polyglot/platform resolves.
  await mkdir(join(root, 'node_modules', '@polyglot'), { recursive: true });
  await symlink(join(root, 'packages', 'platform'), join(root, 'node_modules', '@polyglot', 'platform'));
  found = await findViolations(root);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const brief = (v: Violation) => `${v.tool} ${v.file}:${v.line ?? '-'} ${v.rule}`;

test('each planted violation is reported at its file and line, and nothing else is', () => {
  assert.deepEqual(found.map(brief).sort(), [
    'layers packages/platform/src/kafka.ts:1 relative-import-into-another-package',
    'layers services/users/src/data-access/user.repository.ts:1 data-access-imports-upper-layer',
    'lint services/users/src/main.ts:3 eslint(no-unused-vars)',
    'unused packages/contracts/src/topics.ts:2 unused export',
  ]);
});

test('each violation says what to do', () => {
  for (const v of found) assert.ok(v.fix.length > 20, `${brief(v)}: ${v.fix}`);
  const relative = found.find((v) => v.rule === 'relative-import-into-another-package');
  assert.match(relative?.fix ?? '', /by its name/);
  assert.equal(found.find((v) => v.tool === 'unused')?.message, 'NEVER_IMPORTED');
});

test('the run fails and prints file:line for each', async () => {
  let printed = '';
  const code = await staticChecks(root, (text) => (printed += text));
  assert.equal(code, 1);
  assert.match(printed, /services\/users\/src\/data-access\/user\.repository\.ts:1 {2}data-access-imports-upper-layer: imports services\/users\/src\/domain\/user-prefix\.ts/);
  assert.match(printed, /packages\/platform\/src\/kafka\.ts:1 {2}relative-import-into-another-package/);
  assert.match(printed, /packages\/contracts\/src\/topics\.ts:2 {2}unused export: NEVER_IMPORTED/);
  assert.match(printed, /\n4 static-check violations/);
});
