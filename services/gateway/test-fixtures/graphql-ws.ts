// A minimal graphql-ws client (the graphql-transport-ws protocol) on Node's
// global WebSocket, for tests: connection_init → connection_ack, then
// subscribe / next… / complete per operation id. Used by the gateway's
// component tests and the end-to-end tests.

export interface GraphQLSubscription<T = any> {
  /** Every `next` payload so far ({data, errors?}). */
  readonly payloads: T[];
  /** The `error` message's errors, if the server refused the operation. */
  readonly errors: unknown[] | null;
  /** Resolves when the server sends `complete` (or an error) for this operation. */
  readonly done: Promise<void>;
  /** done, or a timeout error naming what was received. */
  untilDone(timeoutMs: number): Promise<void>;
  /** The first payload (already received or to come) that matches, or a timeout error naming what was seen. */
  waitFor(match: (payload: T) => boolean, timeoutMs: number, what?: string): Promise<T>;
  /** Tells the server to stop this operation. */
  stop(): void;
}

export interface GraphQLSocket {
  subscribe<T = any>(query: string, variables?: Record<string, unknown>): GraphQLSubscription<T>;
  /** Messages of any type received so far, in order (for assertions on the protocol itself). */
  readonly received: Array<{ type: string; id?: string; payload?: unknown }>;
  close(): Promise<void>;
}

export async function connectGraphQL(url: string, initPayload: Record<string, unknown> = {}, timeoutMs = 5000): Promise<GraphQLSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const received: GraphQLSocket['received'] = [];
  const operations = new Map<string, { onNext(p: unknown): void; onError(e: unknown[]): void; onComplete(): void }>();
  let nextId = 0;

  const acked = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection_ack from ${url} within ${timeoutMs} ms`)), timeoutMs);
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: initPayload })));
    socket.addEventListener('error', () => reject(new Error(`WebSocket ${url} failed`)));
    socket.addEventListener('close', (event) => reject(new Error(`WebSocket ${url} closed before connection_ack (${event.code} ${event.reason})`)));
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { type: string; id?: string; payload?: unknown };
      received.push(message);
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        resolve();
      } else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      const operation = message.id === undefined ? undefined : operations.get(message.id);
      if (!operation) return;
      if (message.type === 'next') operation.onNext(message.payload);
      else if (message.type === 'error') operation.onError(message.payload as unknown[]);
      else if (message.type === 'complete') operation.onComplete();
    });
  });
  await acked;
  const closed = new Promise<void>((resolve) => socket.addEventListener('close', () => resolve()));
  socket.addEventListener('close', () => {
    for (const operation of operations.values()) operation.onComplete();
  });

  return {
    received,
    subscribe<T>(query: string, variables?: Record<string, unknown>): GraphQLSubscription<T> {
      const id = String(++nextId);
      const payloads: T[] = [];
      const waiters = new Set<() => void>();
      let errors: unknown[] | null = null;
      let finish = () => undefined as void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const wake = () => {
        for (const w of waiters) w();
      };
      operations.set(id, {
        onNext(p) {
          payloads.push(p as T);
          wake();
        },
        onError(e) {
          errors = e;
          finish();
          wake();
        },
        onComplete() {
          finish();
          wake();
        },
      });
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
      return {
        payloads,
        get errors() {
          return errors;
        },
        done,
        untilDone(waitMs) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`not complete within ${waitMs} ms; received ${JSON.stringify(payloads).slice(0, 1500)}`)), waitMs);
          });
          return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
        },
        waitFor(match, waitMs, what = 'a matching payload') {
          return new Promise<T>((resolve, reject) => {
            const check = () => {
              const found = payloads.find(match);
              if (found !== undefined) {
                cleanup();
                resolve(found);
              } else if (errors) {
                cleanup();
                reject(new Error(`the server refused the subscription: ${JSON.stringify(errors)}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              reject(new Error(`${what}: not received within ${waitMs} ms; received ${payloads.length} payloads: ${JSON.stringify(payloads).slice(0, 1500)}`));
            }, waitMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        stop() {
          operations.delete(id);
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: 'complete' }));
          finish();
        },
      };
    },
    async close() {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
      await closed;
    },
  };
}
