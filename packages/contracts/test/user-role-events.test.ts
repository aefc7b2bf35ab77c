// The users table has a role column (services/users/migrations/0002_user_role.sql)
// that Debezium captures with the rest of the row. The projections must not
// break on it, nor carry it anywhere: the recorded messages, with a role added
// as Debezium sends it, normalise to the same change as without it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeUserChange } from '../src/events.ts';
import { debezium, fixture } from '../test-fixtures/recorded-messages.ts';

/** The recorded message as a users table with a role column sends it. */
function withRole(value: string, roles: { before?: string; after?: string }): string {
  const message = JSON.parse(value) as { before: Record<string, unknown> | null; after: Record<string, unknown> | null };
  if (message.before && roles.before) message.before.role = roles.before;
  if (message.after && roles.after) message.after.role = roles.after;
  return JSON.stringify(message);
}

describe('a role column in the users change stream', () => {
  for (const name of ['created', 'updated', 'deleted']) {
    test(`${name}: the same change as without it, and no role in its data`, () => {
      const recorded = fixture(debezium, name).value!;
      const plain = normalizeUserChange(recorded);
      const roled = normalizeUserChange(withRole(recorded, { before: 'user', after: 'admin' }));
      assert.ok(plain && roled);
      assert.deepEqual(roled, plain);
      assert.equal('role' in roled.data, false);
    });
  }

  test('a role change alone (./stackctl admin grant) is an update that leaves the profile as it was', () => {
    const recorded = JSON.parse(fixture(debezium, 'updated').value!) as { before: Record<string, unknown>; after: Record<string, unknown> };
    const grant = JSON.stringify({ ...recorded, after: { ...recorded.before, role: 'admin' }, before: { ...recorded.before, role: 'user' } });
    const change = normalizeUserChange(grant);
    assert.equal(change?.type, 'USER_UPDATED');
    const before = normalizeUserChange(JSON.stringify({ ...recorded, op: 'c', before: null, after: recorded.before }));
    assert.deepEqual(change?.data, before?.data);
  });
});
