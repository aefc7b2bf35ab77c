// How long a client may hold a connection without making progress, for every
// HTTP server of the project (createHttpApp):
//
// - requestTimeout: the whole request (headers and body) must arrive within
//   it, counted from the connection's start; a client that sends part of one,
//   or nothing, gets 408 REQUEST_TIMEOUT and is closed;
// - connectionTimeout: a connection on which nothing moves for this long is
//   closed, whatever state it is in (between requests too).
//
// Node applies connectionTimeout to the socket, so on its own it would also cut
// an answer still being worked on (a lab run, starting an engine, a strong
// write's wait) once it took longer. An answer in progress keeps its
// connection: how long it may take is bounded where the work is done. A request
// whose body is still arriving does not: requestTimeout and this close it.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

export interface ConnectionTimeouts {
  /** ms to receive a whole request; 408 and closed after it. */
  requestTimeoutMs?: number;
  /** ms of silence after which a connection that is not being answered is closed. */
  connectionTimeoutMs?: number;
}

/** The Fastify options that set both limits. */
export function timeoutOptions(timeouts: ConnectionTimeouts = {}) {
  const requestTimeout = timeouts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    requestTimeout,
    connectionTimeout: timeouts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    // Node looks for expired requests at this interval (30 s by default, which would let a 30 s limit run to a minute).
    http: { connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(requestTimeout / 4))) },
    clientErrorHandler: answerClientError,
  };
}

/**
 * What a client gets when its request never became one (too slow, headers too large, not HTTP): the
 * {error, code} every other error has, then the connection is closed. Replaces Fastify's own answer.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['REQUEST_TIMEOUT', 'the request did not arrive whole in time; send it at once']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? ['HEADERS_TOO_LARGE', 'the request headers are larger than the server accepts; send fewer or smaller ones']
        : ['VALIDATION_FAILED', 'the request is not valid HTTP/1.1'];
  const status = ERROR_CODES[code].status;
  const body = JSON.stringify({ error: message, code });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/** Lets an answer in progress outlive connectionTimeout (see above); call once on the app's server. */
export function spareAnswersInProgress(server: Server): void {
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // Node emits the socket's timeout on the response in flight; a listener here means "handled" and it is not destroyed.
    response.on('timeout', () => {
      if (!request.complete) request.socket.destroy();
    });
  });
}
