// What the use cases work with: one client per service, the Redis-backed
// stores, and the settings.
import type { Redis } from 'ioredis';
import type { Analytics } from '@polyglot/contracts/api';
import type { Logger } from '@polyglot/platform/logger';
import type { TestFaults } from '@polyglot/platform/test-faults';
import type { GatewayConfig } from '../config.ts';
import type { AnalyticsClient } from '../data-access/analytics.client.ts';
import type { GraphClient } from '../data-access/graph.client.ts';
import type { HistoryChecker } from '../data-access/history-checker.ts';
import type { JaegerClient } from '../data-access/jaeger.client.ts';
import type { AttemptCounter } from '../data-access/login-attempts.store.ts';
import type { PageCache } from '../data-access/page-cache.ts';
import type { PostCache } from '../data-access/post-cache.ts';
import type { PostListing } from '../data-access/post-listing.ts';
import type { PostsClient } from '../data-access/posts.client.ts';
import type { ProjectorsClient } from '../data-access/projectors.client.ts';
import type { RedisObserver } from '../data-access/redis-observer.ts';
import type { SessionStore } from '../data-access/session.store.ts';
import type { UserCache } from '../data-access/user-cache.ts';
import type { UsersClient } from '../data-access/users.client.ts';
import type { WatermarkWatcher } from '../data-access/watermark-watcher.ts';
import type { HealthFeed } from './health-feed.ts';
import type { SharedRead } from './shared-read.ts';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  /** The cache instance: profiles and pages; may evict, may be lost. */
  redis: Redis;
  /** The state instance (never evicts): sessions, login counters, tombstones, generations, watermarks, lab results. */
  stateRedis: Redis;
  users: UsersClient;
  posts: PostsClient;
  graph: GraphClient;
  analytics: AnalyticsClient;
  projectors: ProjectorsClient;
  /** Jaeger's query API: the spans the services exported, read back by trace id. */
  jaeger: JaegerClient;
  userCache: UserCache;
  /** Posts as lists show them, kept by the cache projection (misses filled from the posts service). */
  postCache: PostCache;
  /** The listings of live posts (all, and per author) the cache projection keeps in the state store. */
  listing: PostListing;
  pages: PageCache;
  sessions: SessionStore;
  attempts: AttemptCounter;
  /** Waits for projections to show a change (strong writes, read-your-writes). */
  watermarks: WatermarkWatcher;
  /** The one health report: /health, the health query and subscription (at most HEALTH_MAX_AGE_MS old). */
  health: HealthFeed;
  /** The analytics service's report for reads without a token, shared by every caller for ANALYTICS_MAX_AGE_MS. */
  recentAnalytics: SharedRead<Analytics>;
  /** What the cache and the state store show of users and posts, as source positions (the history checker's reads). */
  redisObserver: RedisObserver;
  /** Judges the history each lab experiment records (a program the stack builds). */
  historyChecker: HistoryChecker;
  /** Broken on purpose, for the history checker's own tests only (platform/test-faults.ts); none in any other run. */
  testFaults: TestFaults;
}

/**
 * The user whose session made the request when AUTH_REQUIRED is on; null when
 * it is off, which means "anyone may write anything" (the seed's behaviour).
 */
export type Actor = number | null;

/** Who asks, for a write: the session user (if required). The trace the change carries is the request's own span (request-tracing.ts). */
export interface Caller {
  actor: Actor;
}
