// Bounds on the WebSockets (/consistency/stream and the GraphQL
// subscriptions share one server, app.ts):
//
// - at most WS_MAX_PER_ADDRESS open per client address: the next upgrade is
//   answered 429 TOO_MANY_CONNECTIONS (an HTTP answer, before the upgrade);
// - a client that does not read what it is sent is closed once more than
//   WS_MAX_BUFFERED_BYTES wait unsent for it, instead of the gateway buffering
//   for it without limit. The live streams already merge what a slow
//   subscriber has not taken (live-channel.ts); this catches a client whose
//   socket stopped reading altogether.
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { AppError } from '@polyglot/platform/errors';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { Logger } from '@polyglot/platform/logger';

/** What is used here of a \`ws\` WebSocket (the package ships no types of its own). */
interface ServerSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  readonly OPEN: number;
  send(...args: unknown[]): void;
  terminate(): void;
}

export interface WebSocketLimits {
  maxPerAddress: number;
  maxBufferedBytes: number;
}

/** Needs @fastify/websocket registered first, and must come before the routes (its hook applies to those registered after it). */
export function registerWebSocketLimits(app: HttpApp, limits: WebSocketLimits, logger: Logger): void {
  // The TCP sockets of upgrades, per address: counted from the upgrade request until the socket closes,
  // so that upgrades still in their hooks count too and a refused one frees its place at once.
  const open = new Map<string, Set<Socket>>();

  app.addHook('onRequest', async (request) => {
    if (!(request as typeof request & { ws?: boolean }).ws) return;
    const address = request.ip;
    const socket = request.raw.socket;
    let sockets = open.get(address);
    if (!sockets) open.set(address, (sockets = new Set()));
    if (sockets.has(socket)) return;
    if (sockets.size >= limits.maxPerAddress) {
      throw new AppError(
        'TOO_MANY_CONNECTIONS',
        `${address} already has ${sockets.size} WebSocket connections open here, the most one client address may (WS_MAX_PER_ADDRESS); close one and try again`,
      );
    }
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && open.get(address) === sockets) open.delete(address);
    });
  });

  const server = (app as unknown as { websocketServer: EventEmitter }).websocketServer;
  server.on('connection', (socket: ServerSocket, request: { socket?: Socket }) => {
    // Every sender (the route's and mercurius') goes through send(): checked there, so the bound holds between two checks too.
    const send = socket.send;
    socket.send = function guardedSend(this: ServerSocket, ...args: unknown[]) {
      send.apply(this, args);
      if (socket.bufferedAmount > limits.maxBufferedBytes && socket.readyState === socket.OPEN) {
        logger.info({ address: request.socket?.remoteAddress, unsentBytes: socket.bufferedAmount, limit: limits.maxBufferedBytes }, 'closing a WebSocket client that does not read what it is sent');
        // It does not read, so a close frame would wait behind the rest: drop the connection and what waits for it.
        socket.terminate();
      }
    };
  });
}
