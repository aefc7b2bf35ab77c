// The analytics projection's fault controls (GET/PUT /internal/projection) and
// their place in /health, on the real service with its consumer (in a group of its own).
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { consumerGroups, PIPELINE_TOPICS } from '@polyglot/contracts/topics';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { checkFaultsEndpoint } from '@polyglot/platform/test-fixtures/faults-endpoint';
import { start, type Running } from '../src/app.ts';
import { loadAnalyticsConfig } from '../src/config.ts';

let app: Running;
let group: string;
before(async () => {
  group = await testGroupAtEnd(consumerGroups.analyticsProjector, PIPELINE_TOPICS);
  app = await start(loadAnalyticsConfig({ PORT: '0', LOG_LEVEL: 'silent', PROJECTION_GROUP: group }), { logger: pino({ level: 'silent' }) });
});
after(async () => {
  await app?.stop();
  await deleteTestGroups(group);
});

test('GET/PUT /internal/projection: pause, delay and duplicate, validated, shown in /health', async () => {
  await checkFaultsEndpoint(`http://127.0.0.1:${app.port}`, (health) => health.projection?.faults);
});
