// How a source service hands the gateway the consistency token of a write: a
// response header, named once here (see @polyglot/contracts/consistency).
import type { FastifyReply } from 'fastify';
import { formatToken, type ConsistencyToken } from '@polyglot/contracts/consistency';

export const CONSISTENCY_TOKEN_HEADER = 'x-consistency-token';

/** Sets the header when the write produced a change (an idempotent no-op produces none). */
export function withConsistencyToken<R extends FastifyReply>(reply: R, token: ConsistencyToken | null | undefined): R {
  if (token) reply.header(CONSISTENCY_TOKEN_HEADER, formatToken(token));
  return reply;
}
