// Errors with a stable code from the registry; the HTTP layer turns them into
// {error, code} with the registry's status.
import { ERROR_CODES, type ErrorCode } from '../../contracts/src/error-codes.ts';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly context: Record<string, unknown>;
  /** Fields the error body carries besides error and code (documented in the route's schema for its status). */
  body: Record<string, unknown> = {};

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.context = context;
  }
}

export class NotFoundError extends AppError {
  constructor(code: 'USER_NOT_FOUND' | 'POST_NOT_FOUND' | 'COMMENT_NOT_FOUND' | 'FOLLOW_NOT_FOUND', message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
  }
}

/** A store or downstream service that does not answer: 503 naming it. */
export class StoreUnavailableError extends AppError {
  readonly store: string;
  constructor(store: string, cause?: unknown) {
    super('STORE_UNAVAILABLE', `${store} is unavailable; try again shortly (the operator can check ./stackctl status)`, { store });
    this.store = store;
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * FerretDB up, its own PostgreSQL (ferretdb-store) away: every command answers
 * InternalError (code 1) wrapping the PostgreSQL driver's failure, e.g.
 * "failed to connect to `user=… database=…`: … dial error: … connection refused",
 * or, for connections open when it died, "unexpected EOF" / "conn closed", or
 * its SQLSTATE while it shuts down or starts up.
 */
const FERRETDB_BACKEND_DOWN = /failed to connect to `|dial error|connection refused|conn closed|unexpected EOF|broken pipe|connection reset by peer|SQLSTATE (57P0[1-3]|08\d{3}|53300)/;

/** Errors from drivers that mean "the store is not reachable" rather than "the request is wrong". */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string | number; codeName?: string; name?: string; message?: string } | undefined;
  if (!e) return false;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ServiceUnavailable', 'SessionExpired', '57P01', '57P03', '08006', '08001', '08003'].includes(String(e.code ?? ''))) return true;
  if (['MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoTopologyClosedError', 'MongoNotConnectedError'].includes(e.name ?? '')) return true;
  if (e.name === 'MongoServerError' && (e.code === 1 || e.codeName === 'InternalError') && FERRETDB_BACKEND_DOWN.test(e.message ?? '')) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  // ioredis with its offline queue off answers "Stream isn't writeable" for every command (also inside a pipeline's results) while it reconnects.
  return /connect ECONNREFUSED|Connection terminated|Connection is closed|timeout exceeded when trying to connect|Client was closed|Stream isn't writeable|max retries per request/i.test(e.message ?? '');
}

/**
 * A store that cannot take the work now (StoreUnavailableError, or a driver's
 * connection error): a consumer waits for it and retries, and never blames the
 * message (dead-letters it) for it.
 */
export function isStoreUnavailable(error: unknown): boolean {
  return (error instanceof AppError && error.code === 'STORE_UNAVAILABLE') || isConnectionError(error);
}
