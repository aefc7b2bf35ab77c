// httpRequest against a real Fastify server on loopback: bodies both ways, a
// body-less POST (sent with a length, not chunked), a deadline that covers a
// stalled body, and a refused connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { httpRequest, HttpTimeoutError } from '../src/http-request.ts';

let app: FastifyInstance;
let base: string;
before(async () => {
  app = Fastify();
  app.post('/echo', async (request, reply) => reply.header('x-consistency-token', 'users:1:7').send({ got: request.body ?? null }));
  app.get('/stall', (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'application/json' });
    reply.raw.write('{"partial":');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
after(() => app.close());

test('a JSON body goes and comes back, with the headers', async () => {
  const answer = await httpRequest(new URL(`${base}/echo`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 'é' }), timeoutMs: 2000 });
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.body.toString('utf8')), { got: { a: 'é' } });
  assert.equal(answer.headers['x-consistency-token'], 'users:1:7');
});

test('a POST without a body is accepted (content-length 0, not chunked)', async () => {
  const answer = await httpRequest(new URL(`${base}/echo`), { method: 'POST', timeoutMs: 2000 });
  assert.equal(answer.status, 200, answer.body.toString());
  assert.deepEqual(JSON.parse(answer.body.toString('utf8')), { got: null });
});

test('the deadline covers a body that stops halfway', async () => {
  const started = Date.now();
  await assert.rejects(httpRequest(new URL(`${base}/stall`), { method: 'GET', timeoutMs: 300 }), HttpTimeoutError);
  assert.ok(Date.now() - started < 2000);
});

test('a refused connection rejects at once', async () => {
  const closed = Fastify();
  await closed.listen({ port: 0, host: '127.0.0.1' });
  const port = (closed.server.address() as { port: number }).port;
  await closed.close();
  await assert.rejects(httpRequest(new URL(`http://127.0.0.1:${port}/`), { method: 'GET', timeoutMs: 2000 }), /ECONNREFUSED/);
});
