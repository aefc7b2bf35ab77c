// The consistency token of a write: the WAL position right after its commit.
// The gateway passes it on so a later read can ask for read-your-writes.
import type { FastifyReply } from 'fastify';

export const SOURCE_POSITION_HEADER = 'x-source-position';

export function withSourcePosition<R extends FastifyReply>(reply: R, position: string): R {
  reply.header(SOURCE_POSITION_HEADER, position);
  return reply;
}
