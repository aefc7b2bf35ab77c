// GraphQL errors in the REST API's terms: every error carries extensions.code
// from the one error registry and the message REST would give (a ConsistencyTimeout
// also carries token and late). Resolvers throw the use cases' own errors;
// this formatter translates them, so no resolver has to.
import type { FastifyBaseLogger } from 'fastify';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';
import { AppError } from '@polyglot/platform/errors';
import { toErrorReply } from '@polyglot/platform/http-app';

const STORE_NAME = 'a service behind the gateway';

/** Parses a resolver's input with the REST API's zod schema; VALIDATION_FAILED naming each field otherwise (as REST's "invalid body: body.email: …"). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const parts = parsed.error.issues.slice(0, 5).map((issue) => `${[what, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new AppError('VALIDATION_FAILED', `invalid ${what}: ${parts.join('; ')}`);
}

interface Mapped {
  error: GraphQLError;
  status: number;
}

type Original = Error & { errors?: unknown[]; code?: string; statusCode?: number };

function coded(error: GraphQLError, message: string, code: ErrorCode | string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...extra, code },
  });
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError((error as Error)?.message ?? String(error));
}

function map(error: GraphQLError, log: FastifyBaseLogger): Mapped[] {
  const original = error.originalError as Original | undefined;
  if (original?.code === 'MER_ERR_METHOD_NOT_ALLOWED') {
    return [{ error: coded(error, 'GET /graphql answers queries only; send mutations with POST', 'METHOD_NOT_ALLOWED'), status: ERROR_CODES.METHOD_NOT_ALLOWED.status }];
  }
  // mercurius wraps syntax errors, schema validation errors and bad variables in one error with a list.
  if (original && Array.isArray(original.errors)) {
    return original.errors.map((e) => {
      const inner = asGraphQLError(e);
      return { error: coded(inner, inner.message, 'VALIDATION_FAILED'), status: ERROR_CODES.VALIDATION_FAILED.status };
    });
  }
  // graphql-js's own: an unknown field, a value of the wrong type (a scalar's parse error is a GraphQLError too).
  if (!original || original instanceof GraphQLError) {
    return [{ error: coded(error, error.message, 'VALIDATION_FAILED'), status: ERROR_CODES.VALIDATION_FAILED.status }];
  }
  const { status, body } = toErrorReply(original, STORE_NAME);
  const { error: message, code, ...extra } = body as { error: string; code: string } & Record<string, unknown>;
  if (status >= 500) log.error({ err: original, code }, 'GraphQL operation failed');
  else log.info({ code, status }, message);
  return [{ error: coded(error, message, code, extra), status }];
}

export interface FormatterContext {
  app: { log: FastifyBaseLogger };
  reply?: { log: FastifyBaseLogger };
}

/**
 * mercurius' errorFormatter. An error before execution (a body that is not
 * JSON, a query that does not parse or validate) answers the registry's status
 * (400 mostly); errors during execution answer 200 with data, as GraphQL over
 * HTTP has it — their extensions.code says what REST's status would have.
 */
export function formatErrors(execution: ExecutionResult & { errors: readonly GraphQLError[] }, context: FormatterContext): { statusCode: number; response: ExecutionResult } {
  const log = context.reply?.log ?? context.app.log;
  const mapped = execution.errors.flatMap((e) => map(e, log));
  const beforeExecution = !('data' in execution);
  const errors = mapped.map((m) => m.error);
  // Nothing ran: no data key at all (GraphQL's response format), which tells a client the request itself was refused.
  if (beforeExecution) return { statusCode: mapped[0]?.status ?? 400, response: { errors } };
  return { statusCode: 200, response: { data: execution.data ?? null, errors } };
}

/**
 * For subscribe resolvers: mercurius sends a subscription's refusal without the
 * errorFormatter, and graphql-js copies an error's own `extensions` into the
 * GraphQL error; so the error gets REST's message and code here.
 */
export async function refusingWithCode<T>(subscribe: () => T | Promise<T>): Promise<T> {
  try {
    return await subscribe();
  } catch (error) {
    const { body } = toErrorReply(error, STORE_NAME);
    const { error: message, code, ...extra } = body as { error: string; code: string } & Record<string, unknown>;
    throw Object.assign(new Error(message), { extensions: { ...extra, code } });
  }
}
