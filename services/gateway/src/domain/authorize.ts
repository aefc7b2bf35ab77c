// Ownership rules for writes when sessions are required: a session may
// change only its own user's data.
import { AppError } from '@polyglot/platform/errors';
import type { Actor } from './gateway-deps.ts';

/** Throws 403 FORBIDDEN unless there is no session requirement or the actor is the owner. */
export function assertOwner(actor: Actor, ownerId: number, what: string): void {
  if (actor === null || actor === ownerId) return;
  throw new AppError('FORBIDDEN', `you are logged in as user ${actor}; ${what} belongs to user ${ownerId}, so you may not change it`, { actor, ownerId });
}
