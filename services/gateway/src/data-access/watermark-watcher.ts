// Waits for projections to reach a consistency token, and tells who asks when
// a change became visible where. One Redis subscription to the projections'
// announcements serves every waiter: a waiter registers, then reads the
// watermark once (a change applied before it registered is seen there), then
// is woken by the announcement that reaches it — no polling loop.
//
// The subscription is held only while someone waits or listens (and for a
// linger after), because every projection announces every change it applies,
// and hearing and parsing announcements nobody waits for costs the gateway CPU
// on every change (docs/adr/0007-per-entity-consistency-tokens.md).
import { Redis } from 'ioredis';
import {
  APPLIED_CHANNEL,
  AppliedNotice,
  visibilityKey,
  watermarkKey,
  type ConsistencyToken,
  type ProjectionName,
} from '@polyglot/contracts/consistency';
import type { Logger } from '@polyglot/platform/logger';

interface Waiter {
  position: number;
  resolve(): void;
}

export interface ProjectionVisibility {
  /** The projection shows this change (or a later one of the same entity). */
  applied: boolean;
  /** Epoch ms when it applied this change; null when not yet, or when only a later change is known. */
  appliedAt: number | null;
  /** Milliseconds from the source's commit to applied here. */
  visibleAfterMs: number | null;
}

export interface Visibility {
  /** Epoch ms of the source's commit, as the projections reported it; null until one applied it. */
  committedAt: number | null;
  /** Epoch ms when Kafka took the change (from Debezium or a relay); null until a projection reported it. */
  publishedAt: number | null;
  /** Epoch ms when Debezium read the change from the WAL (users); null otherwise. */
  capturedAt: number | null;
  projections: Partial<Record<ProjectionName, ProjectionVisibility>>;
}

type Listener = (notices: AppliedNotice[]) => void;

export interface WatermarkWatcherOptions {
  /** The subscribed connection's name in Redis's CLIENT LIST. */
  connectionName?: string;
  /** How long the subscription outlives its last waiter or listener, so a steady trickle of strong writes does not resubscribe each time. */
  lingerMs?: number;
}

const DEFAULT_LINGER_MS = 30_000;

export class WatermarkWatcher {
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #logger: Logger;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #listeners = new Set<Listener>();
  readonly #lingerMs: number;
  /** Set while the subscription is wanted; settles once SUBSCRIBE was answered (or failed: Redis away). */
  #subscription: Promise<void> | undefined;
  #linger: NodeJS.Timeout | undefined;

  constructor(redis: Redis, logger: Logger, options: WatermarkWatcherOptions = {}) {
    this.#redis = redis;
    this.#logger = logger;
    this.#lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    // A subscribed connection can do nothing else; it reconnects on its own.
    this.#subscriber = redis.duplicate({ connectionName: options.connectionName ?? 'gateway-watermarks', lazyConnect: true, autoResubscribe: false });
    this.#subscriber.on('error', () => undefined); // the main connection reports Redis outages
    this.#subscriber.on('message', (_channel: string, text: string) => this.#heard(text));
    this.#subscriber.on('ready', () => {
      if (this.#subscription === undefined) return;
      // Subscribing on every (re)connection also covers an attempt made while Redis was away.
      this.#subscriber.subscribe(APPLIED_CHANNEL).catch(() => undefined);
      // Announcements sent while the subscription was down are lost: look at the watermarks again.
      void this.#recheckAll();
    });
  }

  async start(): Promise<void> {
    await this.#subscriber.connect().catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot subscribe to projection announcements yet; retrying in the background'));
  }

  stop(): void {
    clearTimeout(this.#linger);
    this.#subscriber.disconnect();
    for (const waiters of this.#waiters.values()) for (const waiter of waiters) waiter.resolve();
    this.#waiters.clear();
  }

  /**
   * Every announcement, as it arrives (for live streams). Returns the unsubscribe function. Announcements
   * reach the listener once `listening()` has resolved: await it before a first read that must not miss one.
   */
  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    void this.#want();
    return () => {
      this.#listeners.delete(listener);
      this.#release();
    };
  }

  /** Resolves once announcements are heard (at once when they already are), or when subscribing failed because Redis is away. */
  listening(): Promise<void> {
    return this.#subscription ?? Promise.resolve();
  }

  #want(): Promise<void> {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#subscription ??= this.#subscriber.subscribe(APPLIED_CHANNEL).then(
      () => undefined,
      () => undefined, // Redis away: the 'ready' handler subscribes when it returns
    );
    return this.#subscription;
  }

  #release(): void {
    if (this.#waiters.size > 0 || this.#listeners.size > 0 || this.#linger !== undefined || this.#subscription === undefined) return;
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      if (this.#waiters.size > 0 || this.#listeners.size > 0) return;
      this.#subscription = undefined;
      this.#subscriber.unsubscribe(APPLIED_CHANNEL).catch(() => undefined);
    }, this.#lingerMs);
    this.#linger.unref();
  }

  /** Whether announcements are wanted now (someone waits or listens, or the linger has not run out). */
  get subscribed(): boolean {
    return this.#subscription !== undefined;
  }

  /**
   * Resolves with the projections that reached the token before the deadline
   * (all of them, or some when time ran out). Never throws: Redis being away
   * means nothing can be confirmed, so nothing is reached.
   */
  async waitFor(token: ConsistencyToken, projections: readonly ProjectionName[], timeoutMs: number, signal?: AbortSignal): Promise<Set<ProjectionName>> {
    const reached = new Set<ProjectionName>();
    const registered: Array<[string, Waiter]> = [];
    const done = projections.map(
      (projection) =>
        new Promise<void>((resolve) => {
          const key = waiterKey(projection, token.source, token.entityId);
          const waiter: Waiter = {
            position: token.position,
            resolve: () => {
              reached.add(projection);
              resolve();
            },
          };
          let set = this.#waiters.get(key);
          if (!set) this.#waiters.set(key, (set = new Set()));
          set.add(waiter);
          registered.push([key, waiter]);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      // After registering and subscribing: an announcement between the read and the subscription cannot be missed.
      void this.#want().then(() => this.#check(token, projections));
      await Promise.race([Promise.all(done), timeout]);
      return reached;
    } finally {
      clearTimeout(timer);
      for (const [key, waiter] of registered) {
        const set = this.#waiters.get(key);
        set?.delete(waiter);
        if (set?.size === 0) this.#waiters.delete(key);
      }
      this.#release();
    }
  }

  /** Where a change is visible now, from the watermarks and the per-change records. */
  async visibility(token: ConsistencyToken, projections: readonly ProjectionName[]): Promise<Visibility> {
    const pipeline = this.#redis.pipeline();
    pipeline.hgetall(visibilityKey(token.source, token.entityId));
    for (const projection of projections) pipeline.hget(watermarkKey(projection, token.source), token.entityId);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error)?.[0];
    if (failed) throw failed;
    const record = changeAtOrAfter((results[0]?.[1] ?? {}) as Record<string, string>, token.position);
    const committedAt = record.committed ?? null;
    const entries = projections.map((projection, i): [ProjectionName, ProjectionVisibility] => {
      const mark = results[i + 1]?.[1] as string | null;
      const appliedAt = record[projection] ?? null;
      const applied = appliedAt !== null || (mark !== null && Number(mark) >= token.position);
      return [projection, { applied, appliedAt, visibleAfterMs: appliedAt !== null && committedAt !== null ? appliedAt - committedAt : null }];
    });
    return { committedAt, capturedAt: record.captured ?? null, publishedAt: record.kafka ?? null, projections: Object.fromEntries(entries) };
  }

  async #check(token: ConsistencyToken, projections: readonly ProjectionName[]): Promise<void> {
    try {
      const marks = await Promise.all(projections.map((p) => this.#redis.hget(watermarkKey(p, token.source), token.entityId)));
      projections.forEach((projection, i) => {
        const mark = marks[i];
        if (mark !== null && mark !== undefined) this.#raise(projection, token.source, token.entityId, Number(mark));
      });
    } catch {
      // Redis away: the waiters are woken by announcements, or re-checked when it returns.
    }
  }

  async #recheckAll(): Promise<void> {
    for (const key of [...this.#waiters.keys()]) {
      const [projection, source, entityId] = key.split('|') as [ProjectionName, ConsistencyToken['source'], string];
      const positions = [...(this.#waiters.get(key) ?? [])].map((w) => w.position);
      if (positions.length > 0) await this.#check({ source, entityId, position: Math.min(...positions) }, [projection]);
    }
  }

  #heard(text: string): void {
    let notices: AppliedNotice[];
    try {
      notices = AppliedNotice.array().parse(JSON.parse(text));
    } catch (error) {
      this.#logger.warn({ err: error }, 'ignored a malformed projection announcement');
      return;
    }
    for (const notice of notices) this.#raise(notice.projection, notice.source, notice.entityId, notice.position);
    for (const listener of this.#listeners) listener(notices);
  }

  #raise(projection: ProjectionName, source: ConsistencyToken['source'], entityId: string, position: number): void {
    const set = this.#waiters.get(waiterKey(projection, source, entityId));
    if (!set) return;
    for (const waiter of set) if (waiter.position <= position) waiter.resolve();
  }
}

/** Of an entity's visibility hash, the fields of its first change at or after position. */
function changeAtOrAfter(hash: Record<string, string>, position: number): Record<string, number> {
  let first: number | null = null;
  for (const field of Object.keys(hash)) {
    const at = Number(field.slice(0, field.indexOf(':')));
    if (at >= position && (first === null || at < first)) first = at;
  }
  if (first === null) return {};
  const prefix = `${first}:`;
  return Object.fromEntries(Object.entries(hash).filter(([field]) => field.startsWith(prefix)).map(([field, value]) => [field.slice(prefix.length), Number(value)]));
}

function waiterKey(projection: ProjectionName, source: string, entityId: string): string {
  return `${projection}|${source}|${entityId}`;
}
