// The environment of the two posts processes (the API and the outbox relay),
// parsed once at start. KAFKA_BROKERS is read by @polyglot/platform/kafka
// itself (default 127.0.0.1:9092), so it is not repeated here.
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { serviceUrl, servicePorts } from '@polyglot/contracts/services';
import { consumerGroups } from '@polyglot/contracts/topics';
import { envPort, envRelayBatchBytes } from '@polyglot/platform/config';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { envInternalSecret } from '@polyglot/platform/internal-secret';

const mongoUrl = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, 'MONGO_URL is mongodb://HOST:PORT/DATABASE')
  .default(urls.mongo);

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default(fallback)
    .transform((v) => v === 'on' || v === 'true' || v === '1');

/**
 * auto: a per-post lock document when the store is FerretDB (its updates are
 * not atomic under concurrency), none on MongoDB (the version filter suffices).
 */
const writeLock = z.enum(['auto', 'store', 'off']).default('auto');

export const PostsConfigSchema = z.object({
  PORT: envPort(servicePorts.posts),
  /** More host names this server answers to (see request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Required from every caller; ./stackctl up passes it (see internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  MONGO_URL: mongoUrl,
  LOG_LEVEL: logLevel,
  POSTS_WRITE_LOCK: writeLock,
  /** The consumer that tombstones a deleted user's posts. */
  USER_CASCADE: onOff('on'),
  USER_CASCADE_GROUP: z.string().min(1).default(consumerGroups.postsUserCascade),
  /** Where to nudge the relay after a write; empty: no nudges (the relay polls). */
  POSTS_RELAY_URL: z.string().default(serviceUrl('posts-relay')),
});
export type PostsConfig = z.output<typeof PostsConfigSchema>;

export const RelayConfigSchema = z.object({
  PORT: envPort(servicePorts['posts-relay']),
  ALLOWED_HOSTS: envAllowedHosts,
  INTERNAL_SECRET: envInternalSecret,
  MONGO_URL: mongoUrl,
  LOG_LEVEL: logLevel,
  POSTS_WRITE_LOCK: writeLock,
  // The relay is woken by the API after each write, with the posts' ids; reading the small
  // collection of pending markers this often is the safety net for a lost nudge.
  RELAY_POLL_MS: z.coerce.number().int().min(1).max(300_000).default(1000),
  /** Posts read per poll. */
  RELAY_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  /** Most bytes one send to Kafka carries; an event larger than this alone goes to the dead letters. */
  RELAY_MAX_BATCH_BYTES: envRelayBatchBytes,
});
export type RelayConfig = z.output<typeof RelayConfigSchema>;
