// Errors with a stable code from the registry; the HTTP layer turns them into
// {error, code} with the registry's status.
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';

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

/**
 * Replies a Redis that is there gives while it cannot take work: out of memory
 * (the state store is noeviction), loading its data after a restart, unable to persist.
 */
const REDIS_CANNOT_TAKE_WORK = /^(OOM|LOADING|MISCONF|BUSY|MASTERDOWN|TRYAGAIN) /;

/**
 * Driver errors that mean "the store cannot take the work now" (down, refused,
 * timed out, starting, full, busy), as opposed to "the request is wrong", for
 * every driver here: pg, the MongoDB driver (FerretDB), ioredis, Neo4j.
 */
function isDriverUnavailable(error: unknown): boolean {
  const e = error as { code?: string | number; codeName?: string; name?: string; message?: string } | undefined;
  if (!e) return false;
  const code = String(e.code ?? '');
  const message = e.message ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ServiceUnavailable', 'SessionExpired'].includes(code)) return true;
  // PostgreSQL: shutting down or starting (57P0x), connection failures (08xxx), too many connections, a statement cancelled by its time limit.
  if (['57P01', '57P03', '08006', '08001', '08003', '53300', '57014'].includes(code)) return true;
  if (['MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoTopologyClosedError', 'MongoNotConnectedError'].includes(e.name ?? '')) return true;
  if (e.name === 'MongoServerError' && (e.code === 1 || e.codeName === 'InternalError') && FERRETDB_BACKEND_DOWN.test(message)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (e.name === 'ReplyError' && REDIS_CANNOT_TAKE_WORK.test(message)) return true;
  // Neo4j: every transient error (a deadlock that outlived the driver's retries, a database unavailable), and a cluster that moved its leader.
  if (code.startsWith('Neo.TransientError.') || code === 'Neo.ClientError.Cluster.NotALeader') return true;
  // ioredis with its offline queue off answers "Stream isn't writeable" for every command (also inside a pipeline's results) while it reconnects.
  if (/connect ECONNREFUSED|Connection terminated|Connection is closed|timeout exceeded when trying to connect|Client was closed|Stream isn't writeable|max retries per request|Command timed out|Query read timeout|connection timeout/i.test(message)) return true;
  return /Connection acquisition timed out|Failed to (establish|connect)|Could not perform discovery|Pool is closed|connection (was )?(closed|refused|timed out)/i.test(message);
}

/**
 * A store that cannot take the work now (StoreUnavailableError, or a driver's
 * error saying so): a request answers 503 naming the store, and a consumer waits
 * for it and retries, never blaming the message (dead-lettering it) for it.
 */
export function isStoreUnavailable(error: unknown): boolean {
  return (error instanceof AppError && error.code === 'STORE_UNAVAILABLE') || isDriverUnavailable(error);
}

/**
 * The one store-unavailable guard: runs a store call and turns "the store
 * cannot take the work now" into StoreUnavailableError naming it (503); any
 * other failure is the caller's and goes through as it is.
 */
export async function guardStore<T>(store: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AppError) && isStoreUnavailable(error)) throw new StoreUnavailableError(store, error);
    throw error;
  }
}
