// The checks that read the code without running it, besides the type-check: the lint
// (oxlint, .oxlintrc.json), the layers and package boundaries (dependency-cruiser,
// .dependency-cruiser.cjs) and what nothing uses (knip, knip.jsonc). docs/layers.md says
// what the rules are and why. `./stackctl lint` runs them; `./stackctl test` runs them
// after the type-check, and a violation fails the run.
//
// Each tool parses the sources itself (oxlint and knip with oxc, dependency-cruiser with
// swc): none needs TypeScript's compiler API, which TypeScript 7's npm package lacks.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { StackError } from './errors.ts';
import { repoRoot } from './paths.ts';
// knip's kinds of issue (the keys of an issue in its JSON report): what each means and what to do.
import KNIP_KINDS from './knip-issue-kinds.json' with { type: 'json' };

export type CheckTool = 'lint' | 'layers' | 'unused';

export interface Violation {
  tool: CheckTool;
  /** Relative to the checked tree. */
  file: string;
  line: number | null;
  rule: string;
  message: string;
  /** What to do about it. */
  fix: string;
}

interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an npm package's executable with this Node, from the repository's node_modules, in the checked tree. */
async function runTool(pkg: string, bin: string, args: readonly string[], cwd: string): Promise<ToolRun> {
  const dir = join(repoRoot, 'node_modules', pkg);
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8').catch(() => 'null')) as { bin?: string | Record<string, string> } | null;
  const entry = typeof manifest?.bin === 'string' ? manifest.bin : manifest?.bin?.[bin];
  if (!entry) throw new StackError('MISSING_TOOL', `${pkg} is not installed in node_modules: run npm ci (./stackctl does when package-lock.json changes)`);
  const child = spawn(process.execPath, [join(dir, entry), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
  });
  return { code, stdout, stderr };
}

/** The JSON a tool printed; a tool that printed none failed to run, which fails the check with what it said. */
function parseOutput<T>(tool: string, run: ToolRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    const said = (run.stderr.trim() || run.stdout.trim()).split('\n').slice(-5).join('\n');
    throw new StackError('MISSING_TOOL', `${tool} did not run (exit ${run.code}): ${said}`);
  }
}

interface OxlintOutput {
  diagnostics: Array<{ message: string; code: string; help?: string; filename: string; labels?: Array<{ span: { line: number } }> }>;
}

async function lint(root: string): Promise<Violation[]> {
  const output = parseOutput<OxlintOutput>('oxlint', await runTool('oxlint', 'oxlint', ['--format', 'json', '.'], root));
  return output.diagnostics.map((d) => ({
    tool: 'lint',
    file: d.filename,
    line: d.labels?.[0]?.span.line ?? null,
    rule: d.code,
    message: d.message,
    fix: d.help ?? 'see the rule at https://oxc.rs/docs/guide/usage/linter/rules.html',
  }));
}

interface CruiseOutput {
  summary: { violations: Array<{ from: string; to: string; unresolvedTo?: string; rule: { name: string } }> };
}

/** What dependency-cruiser looks at; bench/ and tests/ are the root package's. */
const CRUISED = ['packages', 'services', 'stack', 'bench', 'tests', 'ui/src'];
const CRUISE_CONFIG = '.dependency-cruiser.cjs';

/** The line of a file that imports `specifier` (dependency-cruiser names the import, not its line). */
async function importLine(root: string, file: string, specifier: string | undefined): Promise<number | null> {
  if (!specifier) return null;
  const lines = (await readFile(join(root, file), 'utf8').catch(() => '')).split('\n');
  const index = lines.findIndex((l) => l.includes(`'${specifier}'`) || l.includes(`"${specifier}"`));
  return index === -1 ? null : index + 1;
}

async function layers(root: string): Promise<Violation[]> {
  const paths = CRUISED.filter((p) => existsSync(join(root, p)));
  const output = parseOutput<CruiseOutput>('dependency-cruiser', await runTool('dependency-cruiser', 'depcruise', ['--config', CRUISE_CONFIG, '--output-type', 'json', ...paths], root));
  // The rules' comments say what to do; they live in the config, not in the report.
  const config = createRequire(join(root, 'package.json'))(join(root, CRUISE_CONFIG)) as { forbidden: Array<{ name: string; comment?: string }> };
  const comments = new Map(config.forbidden.map((r) => [r.name, r.comment ?? 'see docs/layers.md']));
  return Promise.all(
    output.summary.violations.map(async (v) => ({
      tool: 'layers' as const,
      file: v.from,
      line: await importLine(root, v.from, v.unresolvedTo),
      rule: v.rule.name,
      message: `imports ${v.to}`,
      fix: comments.get(v.rule.name) ?? 'see docs/layers.md',
    })),
  );
}

interface KnipItem {
  name: string;
  line?: number;
}
type KnipIssue = { file: string } & Record<string, KnipItem[] | string | undefined>;

async function unused(root: string): Promise<Violation[]> {
  const output = parseOutput<{ issues: KnipIssue[] }>('knip', await runTool('knip', 'knip', ['--no-progress', '--reporter', 'json'], root));
  const found: Violation[] = [];
  for (const issue of output.issues) {
    for (const [kind, { what, fix }] of Object.entries(KNIP_KINDS)) {
      const items = issue[kind];
      if (!Array.isArray(items)) continue;
      for (const item of items) {
        const name = Array.isArray(item) ? (item as KnipItem[]).map((i) => i.name).join(', ') : item.name;
        found.push({ tool: 'unused', file: issue.file, line: Array.isArray(item) ? null : (item.line ?? null), rule: what, message: kind === 'files' ? '' : name, fix });
      }
    }
  }
  return found;
}

const TOOLS: Record<CheckTool, { title: string; check: (root: string) => Promise<Violation[]> }> = {
  lint: { title: 'lint (oxlint, .oxlintrc.json)', check: lint },
  layers: { title: 'layers and package boundaries (dependency-cruiser, .dependency-cruiser.cjs)', check: layers },
  unused: { title: 'unused files, exports and dependencies (knip, knip.jsonc)', check: unused },
};

/** Every violation of the tree at root (the repository unless a test gives another), in file order per tool. */
export async function findViolations(root: string = repoRoot): Promise<Violation[]> {
  const found = await Promise.all((Object.keys(TOOLS) as CheckTool[]).map((tool) => TOOLS[tool].check(root)));
  return found.flat();
}

/** Prints each violation with file:line and what to do; 0 when there is none, 1 otherwise. */
export async function staticChecks(root: string = repoRoot, write: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const violations = await findViolations(root);
  for (const tool of Object.keys(TOOLS) as CheckTool[]) {
    const mine = violations.filter((v) => v.tool === tool).sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
    if (mine.length === 0) continue;
    write(`\n${TOOLS[tool].title}: ${mine.length}\n`);
    for (const v of mine) write(`  ${v.file}${v.line === null ? '' : `:${v.line}`}  ${v.rule}${v.message === '' ? '' : `: ${v.message}`}\n      → ${v.fix}\n`);
  }
  if (violations.length === 0) {
    write('static checks: no violation (oxlint, dependency-cruiser, knip)\n');
    return 0;
  }
  write(`\n${violations.length} static-check violation${violations.length === 1 ? '' : 's'} (docs/layers.md explains the rules)\n`);
  return 1;
}
