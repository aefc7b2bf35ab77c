// The consistency mode of writes and the token of reads, as the routes see
// them: schemas for the OpenAPI document, the settling of a write, and the
// read-your-writes wait that runs before a handler that declares the
// projections it reads (route config `readsFrom`).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONSISTENCY_MODES, parseToken, TokenText, type ConsistencyMode, type ProjectionName } from '@polyglot/contracts/consistency';
import { AppError } from '@polyglot/platform/errors';
import type { HttpApp } from '@polyglot/platform/http-app';
import { awaitProjections, awaitStrongWrite, ConsistencyInfo, ConsistencyTimeoutBody, DEFAULT_WAIT_MS, describeWrite, MAX_WAIT_MS, projectionsFor } from '../domain/consistency.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The projections this read is served from: a request with a token waits for them first. */
    readsFrom?: readonly ProjectionName[];
  }
}

const waitMs = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_WAIT_MS)
  .optional()
  .describe(`how long to wait for the projections, in ms (default ${DEFAULT_WAIT_MS})`);

/** Query parameters every write accepts. */
export const WriteQuery = z.object({
  consistency: z
    .enum(CONSISTENCY_MODES)
    .optional()
    .describe('eventual (default): answer once the source committed; strong: once Neo4j, Redis and TimescaleDB show the change too (504 naming the late ones otherwise). Also the X-Consistency header.'),
  timeoutMs: waitMs,
});

/** Query parameters every read served by a projection accepts. */
export const ReadQuery = z.object({
  token: TokenText.optional(),
  timeoutMs: waitMs,
});

/** Query parameters of a read served from a projection that falls back to the source for a reader who must see its write. */
export const SourceReadQuery = z.object({
  token: TokenText.optional().describe('a write\'s consistency token: the read goes to the source, which shows that write'),
  consistency: z.enum(CONSISTENCY_MODES).optional().describe('strong: read the source of truth; eventual (default): the projection. Also the X-Consistency header.'),
});

/** Adds the write's `consistency` to a response schema. */
export function withConsistency<S extends z.ZodObject>(schema: S) {
  return schema.extend({ consistency: ConsistencyInfo.optional() });
}

/** The 504 a strong write or a read with a token may answer. */
export const consistencyTimeout = { 504: ConsistencyTimeoutBody.describe('the change is committed but a projection did not show it in time (CONSISTENCY_TIMEOUT)') };

const MODE_HEADER = 'x-consistency';
const TOKEN_HEADER = 'x-consistency-token';

function modeOf(request: FastifyRequest): ConsistencyMode {
  const query = request.query as { consistency?: ConsistencyMode } | undefined;
  if (query?.consistency) return query.consistency;
  const header = request.headers[MODE_HEADER];
  if (header === undefined) return 'eventual';
  const parsed = z.enum(CONSISTENCY_MODES).safeParse(header);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `the ${MODE_HEADER} header is "eventual" or "strong", not "${String(header)}"`);
  return parsed.data;
}

function timeoutOf(request: FastifyRequest): number {
  return (request.query as { timeoutMs?: number } | undefined)?.timeoutMs ?? DEFAULT_WAIT_MS;
}

/**
 * After a write: the token goes into the x-consistency-token header; in strong mode
 * the answer waits for every projection of the change (504 naming the late ones).
 * Returns the body with its `consistency` (a body-less answer keeps only the header).
 */
export async function settleWrite<T>(deps: GatewayDeps, request: FastifyRequest, reply: FastifyReply, tokenText: string | null, value: T): Promise<T> {
  const mode = modeOf(request);
  const token = tokenText === null ? null : parseToken(tokenText);
  if (token === null) return value;
  reply.header(TOKEN_HEADER, tokenText);
  if (mode === 'strong') await awaitStrongWrite(deps, token, timeoutOf(request));
  const consistency = await describeWrite(deps.watermarks, token, mode);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value, consistency } : value;
}

/** Whether a read carries a consistency token (query or header): it must then show the change the token names. */
export function carriesToken(request: FastifyRequest): boolean {
  return (request.query as { token?: string } | undefined)?.token !== undefined || typeof request.headers[TOKEN_HEADER] === 'string';
}

/** Whether a read must come from the source of truth: it carries a token, or asks for strong. */
export function readsSource(request: FastifyRequest): boolean {
  return carriesToken(request) || modeOf(request) === 'strong';
}

/** Before a read that declares `readsFrom`: with a token (query or header), wait until those projections show it. */
export function registerReadYourWrites(app: HttpApp, deps: GatewayDeps): void {
  app.addHook('preHandler', async (request) => {
    const readsFrom = request.routeOptions.config?.readsFrom;
    if (!readsFrom) return;
    const fromQuery = (request.query as { token?: string } | undefined)?.token;
    const header = request.headers[TOKEN_HEADER];
    const text = fromQuery ?? (typeof header === 'string' ? header : undefined);
    if (text === undefined) return;
    const token = parseToken(text);
    if (!token) throw new AppError('VALIDATION_FAILED', `the ${TOKEN_HEADER} header is not a consistency token (SOURCE:ENTITY:POSITION, as a write answered it)`);
    await awaitProjections(deps.watermarks, token, projectionsFor(token, readsFrom), timeoutOf(request), 'read');
  });
}
