// The live side: one graphql-ws connection (graphql-transport-ws) to the
// gateway for every subscription of the page. It reconnects on its own, and
// says what state it is in so the header can show it; no view polls for what
// arrives here. With AUTH_REQUIRED the gateway wants a session for every
// subscription: the token goes in connection_init (a browser cannot set a
// WebSocket's headers), and signing in or out reconnects with the new one.
import { createClient, type Client } from 'graphql-ws';
import { gateway } from './config.ts';
import { session } from '../state/session.ts';
import { createStore } from '../state/store.ts';
import type { Operation } from './operations.generated.ts';

export type LinkState = 'connecting' | 'open' | 'closed';

export const link = createStore<{ state: LinkState; since: number; attempts: number; error: string | null }>({ state: 'connecting', since: Date.now(), attempts: 0, error: null });

let client: Client | null = null;

function liveClient(): Client {
  if (client) return client;
  client = createClient({
    url: gateway().ws,
    lazy: false,
    // Read at every (re)connection, so it is always the current session's.
    connectionParams: () => {
      const token = session.get()?.token;
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // 0.5 s, 1 s, 2 s ... at most 5 s between tries: a gateway that comes back is seen within seconds.
    retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * 2 ** Math.min(retries, 4)))),
    on: {
      connecting: () => link.set((l) => ({ ...l, state: 'connecting', attempts: l.attempts + 1 })),
      connected: () => link.set({ state: 'open', since: Date.now(), attempts: 0, error: null }),
      closed: (event) => {
        const e = event as CloseEvent | undefined;
        link.set((l) => ({ ...l, state: 'closed', since: l.state === 'closed' ? l.since : Date.now(), error: e?.reason || (e?.code ? `closed (${e.code})` : 'no connection') }));
      },
    },
  });
  return client;
}

export interface Sink<T> {
  next(value: T): void;
  error?(message: string): void;
}

/** Subscribes; the returned function ends the subscription. Errors of the operation itself (not of the link) reach sink.error. */
export function subscribe<T, V>(operation: Operation<T, V>, variables: V, sink: Sink<T>, onComplete?: () => void): () => void {
  return liveClient().subscribe<T>(
    { query: operation.text, variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) sink.error?.(result.errors.map((e) => e.message).join('; '));
        else if (result.data) sink.next(result.data as T);
      },
      error: (error) => {
        const message = Array.isArray(error) ? error.map((e: { message?: string }) => e.message).join('; ') : error instanceof Error ? error.message : 'the subscription failed';
        sink.error?.(message);
      },
      complete: () => onComplete?.(),
    },
  );
}

export function startLive(): void {
  liveClient();
  let token = session.get()?.token ?? null;
  session.subscribe(() => {
    const now = session.get()?.token ?? null;
    if (now === token) return;
    token = now;
    // Reconnects at once with the new session; graphql-ws subscribes the open subscriptions again.
    client?.terminate();
  });
}
