// The reads of a recorded history (docs/history-checker.md): what every store
// an entity lives in shows of it, as the source position of that state, each
// store asked through the service that owns it (Redis directly: the gateway
// reads the cache itself).
//
//   users:ID                postgres (the source), neo4j, redis, timescaledb
//   posts:<24 hex>          ferretdb (the source), redis, timescaledb
//   graph:FOLLOWER:FOLLOWEE neo4j (the source), timescaledb
//
// Neo4j keeps a post's existence and author, not its version, and Redis keeps
// no follow (a follow only moves the follower's feed generation): neither has
// a position to tell there, so neither is read. Redis counts only what the
// pipeline keeps without expiry (redis-observer.ts). A store that does not
// answer is left out and named under `unavailable`, so a read during an outage
// still shows what the others held.
import { parseToken } from '@polyglot/contracts/consistency';
import type { HistoryStore } from '@polyglot/contracts/history';
import type { ObserveBody, ObservedEntities, StoreObservation } from '@polyglot/contracts/observations';
import { AppError } from '@polyglot/platform/errors';
import { awaitProjections, DEFAULT_WAIT_MS, projectionsFor } from './consistency.use-case.ts';
import type { GatewayDeps } from './gateway-deps.ts';

export type ObserveDeps = Pick<GatewayDeps, 'users' | 'posts' | 'graph' | 'analytics' | 'redisObserver' | 'watermarks'>;

/** The posts store's name in a history: FerretDB natively (MongoDB under Compose is the same source to the checker). */
const POSTS_STORE: HistoryStore = 'ferretdb';

type Seen = Map<string, StoreObservation | undefined>;

interface Read {
  store: HistoryStore;
  /** By entity name; undefined: the store holds nothing it can tell a position of. */
  run(): Promise<Seen>;
}

export async function observeEntities(deps: ObserveDeps, body: ObserveBody): Promise<ObservedEntities> {
  if (body.token !== undefined) {
    // A read that carries a token shows that write everywhere it reads: it waits for every projection of it.
    const token = parseToken(body.token);
    if (!token) throw new AppError('VALIDATION_FAILED', 'token is not a consistency token (SOURCE:ENTITY:POSITION)');
    await awaitProjections(deps.watermarks, token, projectionsFor(token), body.timeoutMs ?? DEFAULT_WAIT_MS, 'read');
  }
  const entities = [...new Set(body.entities)];
  const users = entities.filter((e) => e.startsWith('users:')).map((e) => e.slice('users:'.length));
  const posts = entities.filter((e) => e.startsWith('posts:')).map((e) => e.slice('posts:'.length));
  const follows = entities.filter((e) => e.startsWith('graph:')).map((e) => e.slice('graph:'.length));
  const named = (prefix: string, seen: Map<string | number, StoreObservation | undefined>): Seen => new Map([...seen].map(([id, o]) => [`${prefix}:${id}`, o]));
  const byId = (prefix: string, observed: Record<string, StoreObservation>): Seen => new Map(Object.entries(observed).map(([id, o]) => [`${prefix}:${id}`, o]));

  const reads: Read[] = [];
  if (users.length > 0) {
    reads.push(
      { store: 'postgres', run: async () => byId('users', await deps.users.observe(users)) },
      { store: 'neo4j', run: async () => byId('users', await deps.graph.observe('users', users)) },
      { store: 'redis', run: async () => named('users', await deps.redisObserver.users(users.map(Number))) },
      { store: 'timescaledb', run: async () => byId('users', await deps.analytics.observe('users', users)) },
    );
  }
  if (posts.length > 0) {
    reads.push(
      {
        store: POSTS_STORE,
        run: async () => {
          const live = new Map((await deps.posts.findListed(posts)).map((p) => [p._id, p.version]));
          return new Map(posts.map((id) => [`posts:${id}`, live.has(id) ? { position: live.get(id)!, deleted: false } : { position: null, deleted: false }]));
        },
      },
      { store: 'redis', run: async () => named('posts', await deps.redisObserver.posts(posts)) },
      { store: 'timescaledb', run: async () => byId('posts', await deps.analytics.observe('posts', posts)) },
    );
  }
  if (follows.length > 0) {
    reads.push(
      { store: 'neo4j', run: async () => byId('graph', await deps.graph.observe('graph', follows)) },
      { store: 'timescaledb', run: async () => byId('graph', await deps.analytics.observe('graph', follows)) },
    );
  }

  const answer: ObservedEntities = { entities: Object.fromEntries(entities.map((e) => [e, { observed: {} }])), unavailable: {} };
  await Promise.all(
    reads.map(async ({ store, run }) => {
      let seen: Seen;
      try {
        seen = await run();
      } catch (error) {
        // Down, slow or failing (a service, or Redis's own client error): this store is left out of this read.
        // A run under faults reads while units are killed; only a request the gateway itself got wrong fails it.
        if (error instanceof AppError && error.code === 'VALIDATION_FAILED') throw error;
        answer.unavailable[store] = (error as Error).message;
        return;
      }
      for (const [entity, observation] of seen) {
        if (observation !== undefined && answer.entities[entity]) answer.entities[entity].observed[store] = observation;
      }
    }),
  );
  return answer;
}
