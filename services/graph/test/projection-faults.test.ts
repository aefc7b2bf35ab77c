// The graph projection's fault controls (GET/PUT /internal/projection) and
// their place in /health, on the real service with its projection on.
import { after, before, test } from 'node:test';
import { checkFaultsEndpoint } from '../../../packages/platform/test/faults-endpoint.ts';
import { start, type RunningService } from '../src/app.ts';
import { graphConfig, silent } from './support.ts';

let app: RunningService;
before(async () => {
  app = await start(graphConfig({ GRAPH_PROJECTION: 'on', GRAPH_RELAY_URL: '' }), { logger: silent });
});
after(async () => app?.stop());

test('GET/PUT /internal/projection: pause, delay and duplicate, validated, shown in /health', async () => {
  await checkFaultsEndpoint(`http://127.0.0.1:${app.port}`, (health) => health.projection?.faults);
});
