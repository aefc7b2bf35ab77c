// Publishes the events waiting in posts' outboxes, oldest first per post, and
// clears each only after Kafka acknowledged it (at-least-once: a crash in
// between publishes it again; consumers dedupe by eventId / position).
// Failures (Kafka or the store down) keep the events and retry with backoff,
// logged once per failure streak. A send stays under maxBatchBytes (below the
// broker's limit); an event that can never be produced (larger than that on
// its own, or refused by the broker for what it is) goes to the dead letters
// and leaves the outbox, instead of holding every event behind it for good.
import { ObjectId } from 'mongodb';
import type { Logger } from 'pino';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { DEFAULT_RELAY_BATCH_BYTES, isRejectedRecord, recordBytes, retryBackoffMs } from '@polyglot/platform/kafka';
import type { OutboxRepository, PendingPost } from '../data-access/outbox.repository.ts';
import type { EventMessage, PostEventsPublisher } from '../data-access/post-events.publisher.ts';

export interface OutboxRelayOptions {
  outbox: OutboxRepository;
  publisher: PostEventsPublisher;
  logger: Logger;
  /** The pending markers are read at least this often: the safety net under the nudges. */
  pollMs: number;
  /** Every post is read this often (and at start) for events whose marker was never written. */
  fullScanMs?: number;
  batchSize: number;
  /** Most bytes in one send (default: DEFAULT_RELAY_BATCH_BYTES, under the broker's message.max.bytes). */
  maxBatchBytes?: number;
}

/** The relay's name in the dead letters it writes. */
export const POSTS_RELAY_GROUP = 'posts-relay';

interface Outgoing {
  message: EventMessage;
}

export interface OutboxRelayStats {
  published: number;
  lastPublishedAt: string | null;
  tombstonesDeleted: number;
  /** Events that could never be produced, sent to the dead letters and removed from their outbox. */
  deadLettered: number;
  /** The error of the current failure streak, null when healthy. */
  failing: string | null;
  failingSince: string | null;
}

const MAX_BACKOFF_MS = 5000;
/**
 * Reading every post (for events a crash left without a marker, and tombstones
 * left by a relay that stopped between clear and delete) takes about a second
 * among thousands of posts on FerretDB: so rarely, and beside the publishing.
 */
const FULL_SCAN_EVERY_MS = 300_000;
const FULL_SCAN_RETRY_MS = 30_000;
/** Acknowledgements in flight at once: each is a few round trips to the store under its own post's lock. */
const ACK_CONCURRENCY = 8;

export class OutboxRelay {
  readonly stats: OutboxRelayStats = { published: 0, lastPublishedAt: null, tombstonesDeleted: 0, deadLettered: 0, failing: null, failingSince: null };
  readonly #o: OutboxRelayOptions;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
  #hinted = new Set<string>();
  #scanRequested = false;
  #scan: Promise<void> | undefined;
  /** Posts a round is publishing now: another round leaves them alone, so a post's events go out once, in order. */
  #inFlight = new Set<string>();
  #lastMarkerScan = 0;
  /** 0: a full scan is due at start. */
  #lastFullScan = 0;
  #failures = 0;

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * New events are waiting (the API just wrote some): publish now. With the ids of
   * the posts it wrote, the relay reads just those instead of scanning every post.
   */
  wake(postIds: readonly string[] = []): void {
    for (const id of postIds) this.#hinted.add(id);
    if (postIds.length === 0) this.#scanRequested = true;
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * Lets an in-flight batch finish for up to graceMs, then calls abort (which
   * closes the producer, failing a send stuck on an unreachable broker: its
   * events stay in the outbox for the next run).
   */
  async stop(graceMs: number, abort: () => Promise<void>): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([this.#loop?.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(resolve, graceMs, false)))]);
    clearTimeout(timer);
    await abort();
    if (!finished) await this.#loop;
    await this.#scan;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.#o.publisher.prepare();
        const hinted = [...this.#hinted].slice(0, this.#o.batchSize);
        hinted.forEach((id) => this.#hinted.delete(id));
        // Scans run beside the publishing of named posts, never in front of it: when asked (a
        // nudge without ids, a full batch last time) or every pollMs as the safety net.
        if (!this.#scan && (this.#scanRequested || Date.now() - this.#lastMarkerScan >= this.#o.pollMs)) this.#scan = this.#scanInBackground();
        if (hinted.length > 0) {
          await this.publishOnce(hinted.map((id) => new ObjectId(id)));
          this.#recovered();
        }
        if (!this.#woken && this.#hinted.size === 0) {
          await this.#sleep(Math.max(1, this.#o.pollMs - (Date.now() - this.#lastMarkerScan)));
        }
        this.#woken = false;
      } catch (error) {
        this.#failed(error);
        await this.#sleep(retryBackoffMs(this.#failures + 1, MAX_BACKOFF_MS));
      }
    }
  }

  async #scanInBackground(): Promise<void> {
    this.#lastMarkerScan = Date.now();
    this.#scanRequested = false;
    const fullScanMs = this.#o.fullScanMs ?? FULL_SCAN_EVERY_MS;
    const full = Date.now() - this.#lastFullScan >= fullScanMs;
    try {
      const scan = full ? await this.#o.outbox.scan(this.#o.batchSize) : null;
      const published = scan ? await this.#publishFound(scan.pending) : await this.publishOnce();
      this.#recovered();
      // A full batch means more may be waiting.
      if (published >= this.#o.batchSize) this.#scanRequested = true;
      else if (scan) {
        this.#lastFullScan = Date.now();
        this.stats.tombstonesDeleted += await this.#o.outbox.deleteDrainedTombstones(scan.drainedTombstones);
      }
    } catch (error) {
      this.#failed(error);
      // A failed full scan is tried again in a while, not at every poll: a store too busy to
      // answer one would otherwise be kept busy by the retries.
      if (full) this.#lastFullScan = Date.now() - fullScanMs + Math.min(fullScanMs, FULL_SCAN_RETRY_MS);
    } finally {
      this.#scan = undefined;
      this.#wake?.();
    }
  }

  /**
   * One batch: publish, then clear what was published. Returns the number of events published.
   * Without ids: the marked posts.
   */
  async publishOnce(postIds?: readonly ObjectId[]): Promise<number> {
    const { outbox, batchSize } = this.#o;
    const found = postIds ? await outbox.findPendingByIds(postIds) : await outbox.findMarked(batchSize);
    const busy = found.filter((post) => this.#inFlight.has(post._id.toHexString()));
    // A named post that another round is publishing right now: look at it again next round.
    if (postIds) busy.forEach((post) => this.#hinted.add(post._id.toHexString()));
    return this.#publishFound(found);
  }

  /** Publishes the posts found that no other round is publishing now. */
  async #publishFound(found: PendingPost[]): Promise<number> {
    const posts = found.filter((post) => !this.#inFlight.has(post._id.toHexString()));
    if (posts.length === 0) return 0;
    posts.forEach((post) => this.#inFlight.add(post._id.toHexString()));
    try {
      return await this.#publish(posts);
    } finally {
      posts.forEach((post) => this.#inFlight.delete(post._id.toHexString()));
    }
  }

  async #publish(posts: PendingPost[]): Promise<number> {
    const maxBytes = this.#o.maxBatchBytes ?? DEFAULT_RELAY_BATCH_BYTES;
    // Whole posts, oldest event first, while the send stays under maxBytes; a post cut short
    // keeps the rest of its events (and its marker) for the next round.
    const taken: Array<{ post: PendingPost; events: OutboxEvent[]; complete: boolean }> = [];
    const sending: Outgoing[] = [];
    const unproducible: Array<Outgoing & { reason: string }> = [];
    let bytes = 0;
    let full = false;
    for (const post of posts) {
      if (full) break;
      const events: OutboxEvent[] = [];
      let complete = true;
      for (const event of post.outbox) {
        const message: EventMessage = { key: post._id.toHexString(), value: JSON.stringify(event), ...(event.traceparent ? { traceparent: event.traceparent } : {}) };
        const size = recordBytes({ key: message.key, value: message.value, headers: message.traceparent ? { traceparent: message.traceparent } : undefined });
        if (size > maxBytes) {
          unproducible.push({ message, reason: `the event takes ${size} bytes, more than a send may carry (${maxBytes}, under Kafka's message.max.bytes)` });
          events.push(event);
          continue;
        }
        if (bytes + size > maxBytes) {
          full = true;
          complete = false;
          break;
        }
        bytes += size;
        sending.push({ message });
        events.push(event);
      }
      if (events.length > 0 || !complete) taken.push({ post, events, complete });
    }
    const refused = await this.#send(sending);
    unproducible.push(...refused);
    for (const { message, reason } of unproducible) await this.#deadLetter(message, reason);
    const published = sending.length - refused.length;
    this.stats.published += published;
    if (published > 0) this.stats.lastPublishedAt = new Date().toISOString();
    // What was not taken (the send was full) is asked for again by id, at once.
    const left = [...taken.filter((t) => !t.complete).map((t) => t.post), ...posts.filter((post) => !taken.some((t) => t.post === post))];
    const queue = taken.filter((t) => t.events.length > 0);
    const acknowledgeNext = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        // A post cut short keeps its marker: the rest of its events are still pending.
        const post = next.complete ? next.post : { ...next.post, markerToken: undefined };
        const { deleted } = await this.#o.outbox.acknowledge(post, next.events);
        if (deleted) this.stats.tombstonesDeleted++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACK_CONCURRENCY, queue.length) }, acknowledgeNext));
    if (left.length > 0) this.wake(left.map((post) => post._id.toHexString()));
    return published + unproducible.length;
  }

  /**
   * Sends the messages in one request. If the broker refuses it for what it
   * carries, each is sent alone, in order, to find the ones it will never take:
   * those are returned (the others are published).
   */
  async #send(sending: Outgoing[]): Promise<Array<Outgoing & { reason: string }>> {
    if (sending.length === 0) return [];
    try {
      await this.#o.publisher.publish(sending.map((s) => s.message));
      return [];
    } catch (error) {
      if (!isRejectedRecord(error)) throw error;
      if (sending.length === 1) return [{ ...sending[0]!, reason: `Kafka refuses it: ${(error as Error).message}` }];
    }
    const refused: Array<Outgoing & { reason: string }> = [];
    for (const one of sending) refused.push(...(await this.#send([one])));
    return refused;
  }

  async #deadLetter(message: EventMessage, reason: string): Promise<void> {
    await this.#o.publisher.deadLetter({
      group: POSTS_RELAY_GROUP,
      topic: topics.postEvents,
      partition: -1,
      offset: '-1',
      key: message.key,
      value: message.value,
      error: `${reason}; it was removed from the post's outbox and can be replayed from here once the cause is fixed`,
      attempts: 1,
      failedAt: new Date().toISOString(),
      stage: 'produce',
      ...(message.traceparent ? { headers: { traceparent: message.traceparent } } : {}),
    });
    this.stats.deadLettered++;
    this.#o.logger.error({ key: message.key, reason }, 'an outbox event can never be produced; it went to the dead letters');
  }

  #failed(error: unknown): void {
    this.#failures++;
    if (this.stats.failing !== null) return;
    this.stats.failing = (error as Error)?.message ?? String(error);
    this.stats.failingSince = new Date().toISOString();
    this.#o.logger.error({ err: error }, 'outbox relay cannot publish; the events stay in the outbox and publishing is retried with backoff');
  }

  #recovered(): void {
    if (this.stats.failing === null) return;
    this.#o.logger.info({ failures: this.#failures, since: this.stats.failingSince }, 'outbox relay recovered');
    this.#failures = 0;
    this.stats.failing = null;
    this.stats.failingSince = null;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
