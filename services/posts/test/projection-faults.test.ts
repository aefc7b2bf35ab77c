// The user cascade's fault controls (GET/PUT /internal/projection) and their
// place in /health, on a real posts service with the consumer in a group of its own.
import { after, before, test } from 'node:test';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { checkFaultsEndpoint } from '@polyglot/platform/test-fixtures/faults-endpoint';
import { waitFor } from '@polyglot/platform/wait-for';
import { bootPosts, call, type TestService } from './helpers.ts';

let svc: TestService;
let group: string;
before(async () => {
  group = await testGroupAtEnd(consumerGroups.postsUserCascade, [topics.userChanges]);
  svc = await bootPosts({ CONSUMERS: 'on', USER_CASCADE_GROUP: group });
  await waitFor('the cascade consumer to run', async () => (await call(svc.base, 'GET', '/health')).body.userCascade?.running === true, { timeoutMs: 30_000 });
});
after(async () => {
  await svc?.close();
  if (group) await deleteTestGroups(group);
});

test('GET/PUT /internal/projection: pause, delay and duplicate, validated, shown in /health', async () => {
  await checkFaultsEndpoint(svc.base, (health) => health.userCascade?.faults);
});
