// A response body that is sent again and again (a cached page, the same object
// each time) is checked against its schema and serialised once, not per request:
// at hundreds of reads a second that was most of a cached read's cost.
import type { FastifyReply } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';

/** Sends `value` as JSON through `schema`, reusing the body made for the same object before. */
export function serializedOnce<S extends z.ZodType>(schema: S, url: string) {
  const serialize = serializerCompiler({ schema, method: 'GET', url, httpStatus: '200' }) as (data: unknown) => string;
  const bodies = new WeakMap<object, Buffer>();
  return (reply: FastifyReply, value: z.input<S> & object): FastifyReply => {
    let body = bodies.get(value);
    if (body === undefined) {
      // Bytes, not a string: a string would be encoded again on every send.
      body = Buffer.from(serialize(value));
      bodies.set(value, body);
    }
    // A Buffer is sent as it is: the route's serializer does not run again.
    return reply.type('application/json; charset=utf-8').send(body);
  };
}
