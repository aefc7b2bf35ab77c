// One face for both backends, so each command is written once.
import { ComposeSupervisor } from '../docker/compose-supervisor.ts';
import type { Engine } from '../engines/engine.ts';
import { recordedMode, type Mode } from '../mode.ts';
import { knownArtifactDirs, provisionFor } from '../supervisor/artifacts.ts';
import { NativeSupervisor, type EngineStatus } from '../supervisor/native-supervisor.ts';

export interface Backend {
  mode: Mode;
  status(engine: Engine): Promise<EngineStatus>;
  start(engines: readonly Engine[]): Promise<void>;
  stop(engine: Engine): Promise<void>;
  kill(engine: Engine): Promise<void>;
}

export function nativeSupervisor(): NativeSupervisor {
  return new NativeSupervisor(knownArtifactDirs());
}

export async function provisionedNativeSupervisor(engines: readonly Engine[]): Promise<NativeSupervisor> {
  return new NativeSupervisor(await provisionFor(engines));
}

export function backendFor(mode: Mode = recordedMode()): Backend {
  if (mode === 'docker') {
    const compose = new ComposeSupervisor();
    return {
      mode,
      status: (engine) => compose.status(engine),
      start: async (engines) => engines.forEach((e) => compose.start(e)),
      stop: async (engine) => compose.stop(engine),
      kill: async (engine) => compose.kill(engine),
    };
  }
  const native = nativeSupervisor();
  return {
    mode,
    status: (engine) => native.status(engine),
    start: async (engines) => {
      const supervisor = await provisionedNativeSupervisor(engines);
      for (const engine of engines) await supervisor.start(engine);
    },
    stop: async (engine) => void (await native.stop(engine)),
    kill: async (engine) => void (await native.kill(engine)),
  };
}
