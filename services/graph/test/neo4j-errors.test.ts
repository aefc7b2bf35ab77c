// How Neo4j's errors reach clients and the projection: a deadlock that outlived
// the driver's retries is a 503 to try again, and the projection waits on it
// instead of dead-lettering a good message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Driver } from 'neo4j-driver';
import { isStoreUnavailable } from '@polyglot/platform/errors';
import { isNeo4jBusy, onGraphStore } from '../src/data-access/neo4j.ts';

const deadlock = Object.assign(new Error('ForsetiClient[transactionId=1] can’t acquire ExclusiveLock'), { code: 'Neo.TransientError.Transaction.DeadlockDetected' });

test('a deadlock is busy, which the projection treats like a store that is away', () => {
  assert.equal(isNeo4jBusy(deadlock), true);
  assert.equal(isStoreUnavailable(deadlock), true);
  assert.equal(isNeo4jBusy(Object.assign(new Error('syntax'), { code: 'Neo.ClientError.Statement.SyntaxError' })), false);
});

test('a request that meets one answers 503 STORE_UNAVAILABLE saying to try again, not 500', async () => {
  await assert.rejects(
    onGraphStore({} as Driver, async () => {
      throw deadlock;
    }),
    (error: { code?: string; message?: string }) => error.code === 'STORE_UNAVAILABLE' && /busy.*try again/.test(error.message ?? ''),
  );
});
