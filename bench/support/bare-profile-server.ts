// The reference for bench/profile-reads.ts: the least a service can do to
// answer GET /users/:id from the profile cache. Fastify and one Redis GET of
// the same user:{id} entry the gateway reads, parsed and sent back as JSON, no
// hooks, no validation, no privacy rules. Run as its own process, as the
// gateway is, so the load generator does not share its event loop.
// Prints the port it listens on (loopback) as its first line.
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { userKey } from '@polyglot/contracts/cache-keys';
import { HOST, urls } from '@polyglot/contracts/endpoints';

const redis = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
const app = Fastify({ logger: false });
app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
  const raw = await redis.get(userKey(request.params.id));
  if (raw === null) return reply.code(404).send({ error: 'not cached', code: 'USER_NOT_FOUND' });
  const { position: _position, ...user } = JSON.parse(raw) as Record<string, unknown>;
  return user;
});
await app.listen({ host: HOST, port: 0 });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : ''}\n`);
