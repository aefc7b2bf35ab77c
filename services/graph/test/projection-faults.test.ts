// The graph projection's fault controls (GET/PUT /internal/projection) and
// their place in /health, on the real service with its projection on (in a group of its own).
import { after, before, test } from 'node:test';
import { consumerGroups } from '@polyglot/contracts/topics';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { checkFaultsEndpoint } from '@polyglot/platform/test-fixtures/faults-endpoint';
import { start, type RunningService } from '../src/app.ts';
import { GRAPH_PROJECTION_TOPICS } from '../src/entry-points/graph-projection.consumer.ts';
import { graphConfig, silent } from './support.ts';

let app: RunningService;
let group: string;
before(async () => {
  group = await testGroupAtEnd(consumerGroups.graphProjector, GRAPH_PROJECTION_TOPICS);
  app = await start(graphConfig({ CONSUMERS: 'on', GRAPH_PROJECTION_GROUP: group, GRAPH_RELAY: 'off' }), { logger: silent });
});
after(async () => {
  await app?.stop();
  await deleteTestGroups(group);
});

test('GET/PUT /internal/projection: pause, delay and duplicate, validated, shown in /health', async () => {
  await checkFaultsEndpoint(`http://127.0.0.1:${app.port}`, (health) => health.projection?.faults);
});
