// The platform's own processes as units of the stack: started after the
// engines they need, stopped before them, shown in the same status table.
// They run on the host with this Node (24), log to .stack/logs/NAME.log.
import { join } from 'node:path';
import { servicePorts, type ServiceName } from '../../../packages/contracts/src/services.ts';
import { HOST } from '../../../packages/contracts/src/endpoints.ts';
import type { Engine, UnitName } from '../engines/engine.ts';
import { withTimeout } from '../engines/engine.ts';
import { repoRoot } from '../paths.ts';
import { ensureUiBuilt } from './ui-build.ts';

interface ServiceSpec {
  name: ServiceName;
  title: string;
  entry: string;
  dependsOn: readonly UnitName[];
  /** Path answering 200 when the process is ready. */
  readyPath?: string;
  /** Runs before each start (the UI's build). */
  prepare?: () => Promise<unknown>;
}

function defineService(spec: ServiceSpec): Engine {
  const port = servicePorts[spec.name];
  const base = `http://${HOST}:${port}`;
  return {
    name: spec.name,
    kind: 'service',
    title: spec.title,
    address: base,
    ports: [port],
    needs: [],
    dependsOn: spec.dependsOn,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
    startTimeoutMs: 60_000,
    async prepare() {
      await spec.prepare?.();
    },
    launch() {
      return {
        argv: [process.execPath, '--disable-warning=ExperimentalWarning', join(repoRoot, spec.entry)],
        binds: [],
        env: { PORT: String(port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', NODE_ENV: 'production' },
      };
    },
    async probe() {
      return withTimeout(`${spec.name} probe`, 3000, (async () => {
        const response = await fetch(`${base}${spec.readyPath ?? '/health'}`, { signal: AbortSignal.timeout(2500) });
        if (!response.ok) throw new Error(`${spec.readyPath ?? '/health'} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
        return { version: `Node ${process.versions.node}` };
      })());
    },
  };
}

export const services: readonly Engine[] = [
  defineService({ name: 'users', title: 'users service', entry: 'services/users/src/main.ts', dependsOn: ['postgres'] }),
  defineService({ name: 'posts', title: 'posts service', entry: 'services/posts/src/main.ts', dependsOn: ['ferretdb', 'kafka'] }),
  defineService({ name: 'posts-relay', title: 'posts outbox relay', entry: 'services/posts/src/relay-main.ts', dependsOn: ['ferretdb', 'kafka'] }),
  defineService({ name: 'graph', title: 'graph service + projection', entry: 'services/graph/src/main.ts', dependsOn: ['neo4j', 'kafka'] }),
  defineService({ name: 'graph-relay', title: 'graph outbox relay', entry: 'services/graph/src/relay-main.ts', dependsOn: ['neo4j', 'kafka'] }),
  defineService({ name: 'analytics', title: 'analytics service + projection', entry: 'services/analytics/src/main.ts', dependsOn: ['timescaledb', 'kafka'] }),
  defineService({ name: 'projectors', title: 'cache projection + dead letters', entry: 'services/projectors/src/main.ts', dependsOn: ['redis', 'kafka'] }),
  defineService({
    name: 'gateway',
    title: 'gateway (REST, OpenAPI)',
    entry: 'services/gateway/src/main.ts',
    dependsOn: ['redis', 'connect', 'users', 'posts', 'posts-relay', 'graph', 'graph-relay', 'analytics', 'projectors'],
    // Its /health reports the whole system; readiness of the process itself is its API document.
    readyPath: '/openapi.json',
  }),
  // The web UI: a static server for ui/dist (built first when stale). It needs nothing to start; the page
  // itself says when the gateway does not answer.
  defineService({ name: 'ui', title: 'web UI (static build)', entry: 'services/gateway/src/ui-main.ts', dependsOn: [], prepare: ensureUiBuilt }),
];
