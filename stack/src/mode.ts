// Which backend runs the engines: native (chroot + JVMs from Maven Central)
// or Docker Compose. `up` records its choice so later commands follow it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerEngineAnswers } from './docker/compose-supervisor.ts';
import { StackError } from './errors.ts';
import { statePaths } from './paths.ts';

export type Mode = 'native' | 'docker';

const modeFile = () => join(statePaths.run, 'mode');

export function recordedMode(): Mode {
  try {
    return readFileSync(modeFile(), 'utf8').trim() === 'docker' ? 'docker' : 'native';
  } catch {
    return 'native';
  }
}

export function recordMode(mode: Mode): void {
  mkdirSync(statePaths.run, { recursive: true });
  writeFileSync(modeFile(), `${mode}\n`);
}

export function chooseMode(flags: { native?: boolean; docker?: boolean }): Mode {
  if (flags.native && flags.docker) throw new StackError('BAD_ARGUMENT', 'choose one of --native and --docker', { exitCode: 2 });
  if (flags.native) return 'native';
  if (flags.docker) return 'docker';
  return dockerEngineAnswers() ? 'docker' : 'native';
}
