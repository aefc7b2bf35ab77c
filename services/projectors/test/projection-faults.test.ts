// The cache projection's fault controls (GET/PUT /internal/projection) and
// their place in /health, on the real service with its consumers.
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { checkFaultsEndpoint } from '../../../packages/platform/test/faults-endpoint.ts';
import { start, type Running } from '../src/app.ts';
import { loadProjectorsConfig } from '../src/config.ts';

let app: Running;
before(async () => {
  app = await start(loadProjectorsConfig({ PORT: '0', LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
});
after(async () => app?.stop());

test('GET/PUT /internal/projection: pause, delay and duplicate, validated, shown in /health', async () => {
  await checkFaultsEndpoint(`http://127.0.0.1:${app.port}`, (health) => health.projection?.faults);
});
