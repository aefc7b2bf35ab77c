// Jaeger: where the services' traces go (OTLP over HTTP) and where the gateway reads them back
// (the query API). Traces live in memory only, in a bounded ring (jaeger-config.ts); a restart
// forgets them. Nothing depends on it: the services' exports are best effort, so it starts
// beside the other engines and no unit waits for it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endpoints, HOST, urls, versions } from './endpoints.ts';
import { withTimeout, type Engine } from './engine.ts';
import { JAEGER_MAX_TRACES, renderJaegerConfig } from './jaeger-config.ts';

const { otlpHttpPort, queryPort, healthPort } = endpoints.jaeger;

export const jaeger: Engine = {
  name: 'jaeger',
  kind: 'engine',
  title: 'Jaeger (traces, OTLP)',
  address: `otlp ${HOST}:${otlpHttpPort}, query ${HOST}:${queryPort}`,
  ports: [otlpHttpPort, queryPort, endpoints.jaeger.queryGrpcPort, healthPort],
  needs: ['jaeger'],
  dependsOn: [],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 15_000,
  startTimeoutMs: 30_000,

  async prepare(ctx) {
    // No secret in it: Jaeger takes no password.
    await writeFile(join(ctx.dataDir, 'jaeger.yaml'), renderJaegerConfig({ host: HOST, ...endpoints.jaeger }));
  },

  launch(ctx) {
    return {
      argv: ['/srv/dist/jaeger', '--config', '/srv/data/jaeger.yaml'],
      binds: [{ source: ctx.artifacts.jaeger!, target: '/srv/dist' }],
    };
  },

  async probe() {
    return withTimeout('jaeger probe', 3000, (async () => {
      // The health check says the pipeline runs; the services list, that the query API reads the store.
      const health = await fetch(`http://${HOST}:${healthPort}/status`);
      await health.arrayBuffer();
      if (!health.ok) throw new Error(`jaeger health check answered ${health.status}`);
      const services = await fetch(`${urls.jaegerQuery}/api/services`);
      if (!services.ok) throw new Error(`jaeger query answered ${services.status}`);
      await services.json();
      return { version: `Jaeger ${versions.jaeger} (memory, last ${JAEGER_MAX_TRACES} traces)` };
    })());
  },
};
