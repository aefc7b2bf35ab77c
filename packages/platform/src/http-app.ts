// The Fastify app every service starts from: zod validation and
// serialisation, one error shape ({error, code}) for every failure, structured
// logs, a body limit. Handlers only validate (by schema) and delegate.
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';
import { AppError, isStoreUnavailable } from './errors.ts';
import { spareAnswersInProgress, timeoutOptions, type ConnectionTimeouts } from './connection-timeouts.ts';
import { registerRequestGuards, type RequestGuardOptions } from './request-guards.ts';
import { registerRequestTracing } from './request-tracing.ts';

export interface HttpAppOptions {
  logger: Logger;
  /** Bytes; larger bodies get 413 BODY_TOO_LARGE. */
  bodyLimit?: number;
  /** Name used for 503s caused by the service's own store. */
  storeName?: string;
  /** Host allow-list (always on), Origin check, internal secret: see request-guards.ts. */
  guards?: RequestGuardOptions;
  /** How long a client may take to send a request, or stay silent: see connection-timeouts.ts (30 s and 10 s by default). */
  timeouts?: ConnectionTimeouts;
}

export type HttpApp = FastifyInstance<any, any, any, Logger, ZodTypeProvider>;

function reply(code: ErrorCode, error: string) {
  return { status: ERROR_CODES[code].status, body: { error, code } };
}

function describeValidation(error: { validation: Array<{ instancePath?: string; message?: string }>; validationContext?: string }): string {
  const context = error.validationContext ?? 'request';
  const parts = error.validation.slice(0, 5).map((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    return `${path ? `${context}.${path}` : context}: ${v.message ?? 'is invalid'}`;
  });
  return parts.length > 0 ? `invalid ${context}: ${parts.join('; ')}` : `invalid ${context}`;
}

/** Maps any error to the status and {error, code} body a client gets. */
export function toErrorReply(error: unknown, storeName = 'the store'): { status: number; body: { error: string; code: string } } {
  if (error instanceof AppError) return { status: error.status, body: { ...error.body, error: error.message, code: error.code } };
  const e = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(e)) return reply('VALIDATION_FAILED', describeValidation(e as typeof e & { validationContext?: string }));
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply('MALFORMED_JSON', `the body is not valid JSON (${e.message}); send a JSON object`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply('BODY_TOO_LARGE', 'the body is larger than allowed; send a smaller request');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply('VALIDATION_FAILED', 'the Content-Length header does not match the body');
    case 'FST_ERR_VALIDATION':
      return reply('VALIDATION_FAILED', e.message);
    default:
      break;
  }
  if (e instanceof SyntaxError && (e as FastifyError).statusCode === 400) return reply('MALFORMED_JSON', `the body is not valid JSON (${e.message})`);
  if (isStoreUnavailable(error)) return reply('STORE_UNAVAILABLE', `${storeName} is unavailable; try again shortly`);
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: e.message, code: e.code ?? 'VALIDATION_FAILED' } };
  }
  return reply('INTERNAL_ERROR', 'internal error; the service log has the details');
}

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    // One line per request only when asked for (LOG_REQUESTS=true): under load they drown everything else.
    logController: new LogController({ disableRequestLogging: process.env.LOG_REQUESTS !== 'true' }),
    // Ids come from us; the router must not treat a trailing slash as another route.
    routerOptions: { ignoreTrailingSlash: true },
    ...timeoutOptions(options.timeouts),
  }).withTypeProvider<ZodTypeProvider>();
  spareAnswersInProgress(app.server);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // First of all hooks: a refused request reaches no plugin and no handler.
  registerRequestGuards(app, options.guards ?? {});
  // The span of a traced request, around its handler (request-tracing.ts).
  registerRequestTracing(app);

  app.setErrorHandler((error, request, replyTo) => {
    const { status, body } = toErrorReply(error, options.storeName);
    if (status >= 500) request.log.error({ err: error, code: body.code }, 'request failed');
    else request.log.info({ code: body.code, status, url: request.url, method: request.method }, body.error);
    if (isResponseSerializationError(error)) request.log.error({ err: error }, 'response does not match its schema');
    return replyTo.status(status).send(body);
  });

  app.setNotFoundHandler((request, replyTo) => {
    const { status, body } = reply('ROUTE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0]}; see /openapi.json for what exists`);
    return replyTo.status(status).send(body);
  });

  return app as unknown as HttpApp;
}
