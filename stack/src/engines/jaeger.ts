// Jaeger: where the services' traces go (OTLP over HTTP) and where the gateway reads them back
// (the query API). Traces live in memory only, in a bounded ring (jaeger-config.ts); a restart
// forgets them. Nothing depends on it: the services' exports are best effort, so it starts
// beside the other engines and no unit waits for it. It serves only under the machine's path
// secret (endpoints.jaeger.pathSecret): the urls carry it, its config holds it.
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { endpoints, HOST, urls, versions } from './endpoints.ts';
import { withTimeout, type Engine } from './engine.ts';
import { JAEGER_MAX_TRACES, JAEGER_UI_DIR, JAEGER_UI_SOURCE, renderJaegerConfig } from './jaeger-config.ts';

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
    // It holds the path secret: readable by its owner only (the stack gives the data folder to Jaeger's user).
    const file = join(ctx.dataDir, 'jaeger.yaml');
    const listen = { host: HOST, otlpHttpPort, queryPort, queryGrpcPort: endpoints.jaeger.queryGrpcPort, healthPort };
    await writeFile(file, renderJaegerConfig(listen, endpoints.jaeger.pathSecret), { mode: 0o600 });
    await chmod(file, 0o600);
    // The page it answers unknown paths with, in the data folder (mounted at /srv/data) that the stack gives to Jaeger's user.
    const ui = join(ctx.dataDir, basename(JAEGER_UI_DIR));
    await mkdir(ui, { recursive: true });
    await copyFile(join(JAEGER_UI_SOURCE, 'index.html'), join(ui, 'index.html'));
  },

  launch(ctx) {
    return {
      argv: ['/srv/dist/jaeger', '--config', '/srv/data/jaeger.yaml'],
      binds: [{ source: ctx.artifacts.jaeger!, target: '/srv/dist' }],
    };
  },

  async probe() {
    return withTimeout('jaeger probe', 3000, (async () => {
      // The health check says the pipeline runs; the services list, that the query API reads the store under
      // the path secret. A Jaeger started before the secret existed answers that path with its index page.
      const health = await fetch(`http://${HOST}:${healthPort}/status`);
      await health.arrayBuffer();
      if (!health.ok) throw new Error(`jaeger health check answered ${health.status}`);
      const services = await fetch(`${urls.jaegerQuery}/api/services`);
      if (!services.ok) throw new Error(`jaeger query answered ${services.status} under its path secret`);
      await services.json().catch(() => {
        throw new Error('jaeger query answered no JSON under its path secret: it runs a config without it; restart it');
      });
      return { version: `Jaeger ${versions.jaeger} (memory, last ${JAEGER_MAX_TRACES} traces)` };
    })());
  },
};
