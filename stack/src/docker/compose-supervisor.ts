// The same engines through Docker Compose, for machines where a Docker
// engine answers. Compose owns the processes; this only translates commands.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { composeEnvFile, writeComposeEnv } from '../credentials.ts';
import type { Engine } from '../engines/engine.ts';
import { StackError } from '../errors.ts';
import { repoRoot } from '../paths.ts';
import type { EngineStatus } from '../supervisor/native-supervisor.ts';

const COMPOSE_FILE = join(repoRoot, 'stack/docker-compose.yml');
const SERVICE: Record<string, string> = { ferretdb: 'mongo' };
// Engines that exist only natively: under Compose, MongoDB needs no PostgreSQL below it.
const NATIVE_ONLY = new Set(['ferretdb-store']);

export function dockerEngineAnswers(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
  return result.status === 0;
}

function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  throw new StackError('DOCKER_UNAVAILABLE', 'Docker Compose is not installed (neither `docker compose` nor `docker-compose`); install it or use the native stack: ./stackctl up --native');
}

export class ComposeSupervisor {
  private readonly compose = composeCommand();

  constructor() {
    if (!dockerEngineAnswers()) {
      throw new StackError('DOCKER_UNAVAILABLE', 'no Docker engine answers (docker info failed); start Docker, or use the native stack: ./stackctl up --native');
    }
  }

  private run(args: string[], inherit = true): string {
    const [command, ...rest] = this.compose;
    // The file takes every password from these variables (${NAME:?...}); `up --docker` writes them, and any command needs them.
    const envFile = existsSync(composeEnvFile()) ? composeEnvFile() : writeComposeEnv();
    const result = spawnSync(command!, [...rest, '--env-file', envFile, '-f', COMPOSE_FILE, '-p', 'polyglot', ...args], { stdio: inherit ? 'inherit' : 'pipe', encoding: 'utf8' });
    if (result.status !== 0) throw new StackError('ENGINE_FAILED', `${this.compose.join(' ')} ${args.join(' ')} failed with exit code ${result.status}`);
    return result.stdout ?? '';
  }

  upAll(): void {
    this.run(['up', '-d', '--wait']);
  }

  downAll(options: { deleteVolumes?: boolean } = {}): void {
    this.run(['down', ...(options.deleteVolumes ? ['--volumes'] : [])]);
  }

  start(engine: Engine): void {
    if (NATIVE_ONLY.has(engine.name)) return;
    this.run(['up', '-d', '--wait', SERVICE[engine.name] ?? engine.name]);
  }

  stop(engine: Engine): void {
    if (NATIVE_ONLY.has(engine.name)) return;
    this.run(['stop', SERVICE[engine.name] ?? engine.name]);
  }

  kill(engine: Engine): void {
    if (NATIVE_ONLY.has(engine.name)) return;
    this.run(['kill', SERVICE[engine.name] ?? engine.name]);
  }

  logs(engine: Engine, lines: number, follow: boolean): void {
    this.run(['logs', '--tail', String(lines), ...(follow ? ['-f'] : []), SERVICE[engine.name] ?? engine.name]);
  }

  async status(engine: Engine): Promise<EngineStatus> {
    const service = SERVICE[engine.name] ?? engine.name;
    const base = { engine: engine.name, kind: engine.kind, title: engine.title, address: engine.address };
    if (NATIVE_ONLY.has(engine.name)) return { ...base, state: 'down', error: 'not used under Docker Compose' };
    let id = '';
    try {
      id = this.run(['ps', '-q', service], false).trim();
    } catch {
      return { ...base, state: 'down' };
    }
    if (id === '') return { ...base, state: 'down' };
    const inspect = JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' })) as Array<{ State: { Status: string; Pid: number; ExitCode: number; Health?: { Status: string } } }>;
    const state = inspect[0]?.State;
    if (!state || state.Status === 'exited' || state.Status === 'dead') {
      return { ...base, state: state?.ExitCode === 0 ? 'down' : 'crashed' };
    }
    if (state.Health && state.Health.Status !== 'healthy') return { ...base, state: 'starting', pid: state.Pid };
    try {
      const health = await engine.probe();
      return { ...base, state: 'healthy', pid: state.Pid, version: health.version };
    } catch (error) {
      return { ...base, state: 'starting', pid: state.Pid, error: (error as Error).message };
    }
  }
}
