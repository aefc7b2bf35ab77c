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
  const native = nativeSupervisor();
  if (mode === 'docker') {
    // Engines are containers; the unit control and the platform's services still run natively beside them.
    const compose = new ComposeSupervisor();
    return {
      mode,
      status: (unit) => (unit.kind !== 'engine' ? native.status(unit) : compose.status(unit)),
      start: async (selected) => {
        selected.filter((u) => u.kind === 'engine').forEach((e) => compose.start(e));
        const services = selected.filter((u) => u.kind !== 'engine');
        if (services.length > 0) {
          const supervisor = await provisionedNativeSupervisor(services);
          for (const service of services) await supervisor.start(service);
        }
      },
      stop: async (unit) => (unit.kind !== 'engine' ? void (await native.stop(unit)) : compose.stop(unit)),
      kill: async (unit) => (unit.kind !== 'engine' ? void (await native.kill(unit)) : compose.kill(unit)),
    };
  }
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
