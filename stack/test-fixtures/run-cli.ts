// Runs the stack CLI as a user would, in a child process, and captures what it says.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const cliPath = join(import.meta.dirname, '..', 'src', 'cli.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; node?: string; wrap?: readonly string[] } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const node = options.node ?? process.execPath;
  const [command, ...prefix] = [...(options.wrap ?? []), node];
  const child = spawn(command!, [...prefix, '--disable-warning=ExperimentalWarning', cliPath, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: readonly string[], options: Parameters<typeof startCli>[1] = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** The CLI's one-line error (the last stderr line starting with "stackctl:"). */
export function errorLine(result: CliResult): string {
  return result.stderr.split('\n').filter((l) => l.startsWith('stackctl:')).at(-1) ?? '';
}
