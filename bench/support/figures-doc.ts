// The figures in docs/benchmarks.md are written by the benches, not by hand: each bench ends by
// putting what it printed between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` there, with the
// command, the date and the machine. What moved a figure is told in CHANGELOG.md.
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { writeSections } from '@polyglot/stack/docs/markers';
import { repoRoot } from '@polyglot/stack/paths';

export const BENCHMARKS_DOC = join(repoRoot, 'docs', 'benchmarks.md');

/** The machine a run measured: cores, memory and OS. */
export function describeMachine(): string {
  const os = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', { encoding: 'utf8', flag: 'r' }))?.[1] ?? `${type()} ${release()}`;
  const cores = cpus();
  return `${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${os}`;
}

/** The command that runs bench NAME with `args` (this run's, by default). */
export const benchCommandLine = (name: string, args: readonly string[] = process.argv.slice(2)) => ['./stackctl bench', name, ...args].join(' ');

/** The section a run writes: how it was run, when, where, then its output as printed. */
export function figuresSection(name: string, printed: string, run: { args: readonly string[]; at: Date; machine: string }): string {
  const command = benchCommandLine(name, run.args);
  return [`\`${command}\`, ${run.at.toISOString().slice(0, 16).replace('T', ' ')} UTC, on ${run.machine}:`, '', '```text', printed.replace(/^\n+/, '').trimEnd(), '```'].join('\n');
}

/** Replaces the bench's section of docs/benchmarks.md with what this run printed. */
export function recordFigures(name: string, printed: string): void {
  writeSections(BENCHMARKS_DOC, { [`bench:${name}`]: figuresSection(name, printed, { args: process.argv.slice(2), at: new Date(), machine: describeMachine() }) });
  process.stderr.write(`these figures are now in docs/benchmarks.md (bench:${name}); commit them with what moved them in CHANGELOG.md\n`);
}

/** For a bench that prints as it goes: prints each piece and keeps it for recordFigures. */
export function printer(): { print(text: string): void; printed(): string } {
  let kept = '';
  return {
    print(text) {
      process.stdout.write(text);
      kept += text;
    },
    printed: () => kept,
  };
}
