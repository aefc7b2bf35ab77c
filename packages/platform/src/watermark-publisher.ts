// Raises a projection's per-entity watermarks in Redis and announces what it
// applied, for strong writes and read-your-writes (see contracts/consistency.ts).
//
// Never in the projection's way: notices are queued and written in the
// background, one pipelined round trip per flush. While Redis is away the
// queue keeps the highest position per entity (the watermarks must not be
// lost, or a token would wait for nothing) and drops per-change visibility
// records beyond a bound; everything is flushed when Redis returns.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APPLIED_CHANNEL, visibilityKey, VISIBILITY_TTL_SECONDS, watermarkKey, type AppliedNotice, type ProjectionName } from '@polyglot/contracts/consistency';
import { retryBackoffMs } from './backoff.ts';
import type { AppliedChange } from './kafka.ts';

const MAX_QUEUED_NOTICES = 20_000;
const RETRY_MS = 500;

// Keeps the maximum: batches of different partitions may arrive in any order.
const RAISE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (not current) or tonumber(current) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 0`;

type RaisingRedis = Redis & { raiseWatermark(key: string, entityId: string, position: number): Promise<number> };

export interface WatermarkPublisherOptions {
  projection: ProjectionName;
  redisUrl: string;
  logger: Logger;
}

export class WatermarkPublisher {
  readonly #projection: ProjectionName;
  readonly #redis: RaisingRedis;
  readonly #logger: Logger;
  /** source:entity → the highest position applied and not yet written. */
  #marks = new Map<string, AppliedNotice>();
  #notices: AppliedNotice[] = [];
  #flushing: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failing = false;
  #dropped = 0;
  published = 0;

  constructor(options: WatermarkPublisherOptions) {
    this.#projection = options.projection;
    this.#logger = options.logger;
    const redis = new Redis(options.redisUrl, {
      connectionName: `watermarks-${options.projection}`,
      lazyConnect: true,
      connectTimeout: 2000,
      commandTimeout: 2000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (times) => retryBackoffMs(times, 2000),
    });
    redis.defineCommand('raiseWatermark', { numberOfKeys: 1, lua: RAISE });
    redis.on('error', () => undefined); // reported once per outage by flush()
    redis.on('ready', () => this.#schedule(0));
    redis.connect().catch(() => undefined);
    this.#redis = redis as RaisingRedis;
  }

  /** Queues what a projection applied; returns at once. */
  applied(changes: readonly AppliedChange[]): void {
    const appliedAt = Date.now();
    for (const { change, occurredAt, kafka, capturedAt } of changes) {
      if (!change) continue;
      const notice: AppliedNotice = { projection: this.#projection, ...change, committedAt: occurredAt.getTime(), appliedAt, ...(capturedAt ? { capturedAt } : {}), ...(kafka ? { kafka } : {}) };
      const key = `${change.source}:${change.entityId}`;
      const mark = this.#marks.get(key);
      if (!mark || mark.position < notice.position) this.#marks.set(key, notice);
      if (this.#notices.length < MAX_QUEUED_NOTICES) this.#notices.push(notice);
      else this.#dropped++;
    }
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#flushing || this.#retry) return;
    if (ms === 0) {
      this.#flushing = this.#flush().finally(() => (this.#flushing = undefined));
      return;
    }
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#schedule(0);
    }, ms);
    this.#retry.unref();
  }

  async #flush(): Promise<void> {
    while (this.#marks.size > 0 || this.#notices.length > 0) {
      if (this.#redis.status !== 'ready') return this.#schedule(RETRY_MS);
      const marks = this.#marks;
      const notices = this.#notices;
      this.#marks = new Map();
      this.#notices = [];
      try {
        const pipeline = this.#redis.pipeline() as ReturnType<Redis['pipeline']> & { raiseWatermark(key: string, entityId: string, position: number): unknown };
        for (const mark of marks.values()) pipeline.raiseWatermark(watermarkKey(this.#projection, mark.source), mark.entityId, mark.position);
        for (const notice of notices) {
          const key = visibilityKey(notice.source, notice.entityId);
          // One HSET per notice: each command is a round of parsing and dispatch in Redis and in this client.
          const fields: Array<string | number> = [`${notice.position}:${this.#projection}`, notice.appliedAt, `${notice.position}:committed`, notice.committedAt];
          if (notice.kafka) fields.push(`${notice.position}:kafka`, notice.kafka.publishedAt);
          if (notice.capturedAt) fields.push(`${notice.position}:captured`, notice.capturedAt);
          pipeline.hset(key, ...fields);
          pipeline.expire(key, VISIBILITY_TTL_SECONDS);
        }
        // After the watermarks: a subscriber that reads one on hearing the notice sees it raised.
        if (notices.length > 0) pipeline.publish(APPLIED_CHANNEL, JSON.stringify(notices));
        const results = await pipeline.exec();
        const failed = results?.find(([error]) => error)?.[0];
        if (failed) throw failed;
        this.published += notices.length;
        if (this.#failing) this.#logger.info({ dropped: this.#dropped }, 'watermarks reach Redis again');
        this.#failing = false;
        this.#dropped = 0;
      } catch (error) {
        // Put back what was taken, keeping whatever arrived meanwhile.
        for (const [key, mark] of marks) {
          const newer = this.#marks.get(key);
          if (!newer || newer.position < mark.position) this.#marks.set(key, mark);
        }
        this.#notices = [...notices, ...this.#notices].slice(0, MAX_QUEUED_NOTICES);
        if (!this.#failing) this.#logger.warn({ err: error }, 'cannot write watermarks to Redis; they are kept and written when it answers (strong writes wait meanwhile)');
        this.#failing = true;
        return this.#schedule(RETRY_MS);
      }
    }
  }

  /** Writes what is queued (bounded), then disconnects. */
  async close(graceMs = 1000): Promise<void> {
    await Promise.race([this.#flushing, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    clearTimeout(this.#retry);
    this.#redis.disconnect();
  }
}

/** undefined when no Redis address is set (WATERMARKS_REDIS_URL=''). */
export function createWatermarkPublisher(projection: ProjectionName, redisUrl: string, logger: Logger): WatermarkPublisher | undefined {
  return redisUrl === '' ? undefined : new WatermarkPublisher({ projection, redisUrl, logger });
}
