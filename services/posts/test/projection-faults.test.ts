// The user cascade's fault controls (GET/PUT /internal/projection) and their
// place in /health, on a real posts service with the consumer in a group of its own.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { checkFaultsEndpoint } from '../../../packages/platform/test/faults-endpoint.ts';
import { bootPosts, call, waitFor, type TestService } from './helpers.ts';

let svc: TestService;
before(async () => {
  svc = await bootPosts({ USER_CASCADE: 'on', USER_CASCADE_GROUP: `posts-user-cascade-faults-${randomUUID()}` });
  await waitFor('the cascade consumer to run', async () => (await call(svc.base, 'GET', '/health')).body.userCascade?.running === true, 30_000);
});
after(async () => svc?.close());

test('GET/PUT /internal/projection: pause, delay and duplicate, validated, shown in /health', async () => {
  await checkFaultsEndpoint(svc.base, (health) => health.userCascade?.faults);
});
