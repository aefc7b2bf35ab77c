// The cache projection's fault controls (GET/PUT /internal/projection) and
// their place in /health, on the real service with its consumers (in groups of their own).
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { consumerGroups, PIPELINE_TOPICS } from '@polyglot/contracts/topics';
import { deleteTestGroups, testGroupAtEnd, testGroupName } from '@polyglot/platform/test-fixtures/consumer-group';
import { checkFaultsEndpoint } from '@polyglot/platform/test-fixtures/faults-endpoint';
import { start, type Running } from '../src/app.ts';
import { loadProjectorsConfig } from '../src/config.ts';

let app: Running;
let group: string;
const indexGroup = testGroupName(consumerGroups.deadLetterIndex);
before(async () => {
  group = await testGroupAtEnd(consumerGroups.cacheProjector, PIPELINE_TOPICS);
  app = await start(loadProjectorsConfig({ PORT: '0', LOG_LEVEL: 'silent', CACHE_PROJECTION_GROUP: group, DEAD_LETTER_INDEX_GROUP: indexGroup }), { logger: pino({ level: 'silent' }) });
});
after(async () => {
  await app?.stop();
  await deleteTestGroups(group, indexGroup);
});

test('GET/PUT /internal/projection: pause, delay and duplicate, validated, shown in /health', async () => {
  await checkFaultsEndpoint(`http://127.0.0.1:${app.port}`, (health) => health.projection?.faults);
});
