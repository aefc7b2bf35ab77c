// The clients of ./stackctl check: each a process of the history, doing one
// operation at a time over the public gateway API, in both modes, every one
// recorded (packages/platform/src/history-recorder.ts):
//
// - writes: users created, renamed and deleted; posts created, edited and
//   deleted; follows made and undone; strong or eventual at random;
// - reads: the entity through its public read (GET /users/:id, /posts/:id,
//   /relationships), with the client's own token for it or without, strong or
//   eventual; then every store's view of it with its source position
//   (POST /lab/observations, which with the token first waits for every
//   projection of that write): that view is what the history records.
//
// Which operation, on what, in which mode comes from the seed (a generator per
// client), so a replay makes the same choices; what the system answers, and so
// the interleaving, is the run's own.
//
// The users that write posts and follow (members) are never deleted: a
// deletion cascades through the pipeline to their posts and follows, which
// would then vanish with no write of theirs in the history. Users that are
// deleted (churn) neither post nor follow.
import type { HistoryEntity, Observed } from '@polyglot/contracts/history';
import type { ObservedEntities } from '@polyglot/contracts/observations';
import type { Client, HistoryRecorder, WriteRecord } from '@polyglot/platform/history-recorder';
import { gatewayRequest, GatewayUnreachableError, type GatewayAnswer } from '../gateway-call.ts';
import { random } from '../seed/dataset.ts';

/** A request that has not answered in this long is an operation whose outcome is unknown. */
const REQUEST_TIMEOUT_MS = 20_000;
/** How long a strong write, and a read with a token, wait for the projections before a 504. */
const WAIT_MS = 3000;
/** Between two operations of a client: the machine is shared with the system it checks. */
const THINK_MS = [10, 60] as const;
/**
 * How often an acknowledged strong write is read back at once, by its client, in strong mode and without its token:
 * the read that shows whether `strong` waited (the moment a projection may still lag), as Jepsen's register tests do.
 */
const READ_BACK = 0.5;
const PASSWORD = 'check-password-1';

type Answer = GatewayAnswer<Record<string, any>>;

export interface WorkloadStats {
  writes: number;
  reads: number;
  ok: number;
  failed: number;
  unknown: number;
}

interface ClientState {
  index: number;
  client: Client;
  next: () => number;
  /** The token of this client's latest write of each entity: what its reads carry. */
  tokens: Map<HistoryEntity, string>;
  /** The entity this client wrote last: half its reads look at it, right after the write, when a change is most in flight. */
  lastWritten: HistoryEntity | null;
  /** The entity of this client's last write when it was acknowledged (ok); null otherwise. */
  lastAcknowledged: HistoryEntity | null;
}

export interface WorkloadOptions {
  seed: number;
  clients: number;
  history: HistoryRecorder;
  /** Unique to the run: the emails of the users it creates. */
  tag: string;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer | null> {
  try {
    return await gatewayRequest<Record<string, any>>(method, path, { body, internal: true, timeoutMs: REQUEST_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof GatewayUnreachableError) return null;
    throw error;
  }
}

/** The write's token: its header; a 504's body holds it too. */
function tokenOf(answer: Answer): string | null {
  return answer.headers.get('x-consistency-token') ?? answer.body?.consistency?.token ?? (typeof answer.body?.token === 'string' ? answer.body.token : null);
}

const codeOf = (answer: Answer): string => (typeof answer.body?.code === 'string' ? answer.body.code : `HTTP_${answer.status}`);

export class Workload {
  readonly stats: WorkloadStats = { writes: 0, reads: 0, ok: 0, failed: 0, unknown: 0 };
  readonly #options: WorkloadOptions;
  readonly #states: ClientState[];
  /** Users who write posts and follow: never deleted. */
  readonly #members: number[] = [];
  /** Users created to be renamed and deleted, with their emails (a rename keeps the email). */
  readonly #churn = new Map<number, string>();
  readonly #emails = new Map<number, string>();
  readonly #posts = new Set<string>();
  /** FOLLOWER:FOLLOWEE of the follows believed to exist. */
  readonly #follows = new Set<string>();
  /** Every entity written to: what reads pick from, deleted ones too (a deletion must stay one). */
  readonly #known: HistoryEntity[] = [];
  #created = 0;

  constructor(options: WorkloadOptions) {
    this.#options = options;
    this.#states = Array.from({ length: options.clients }, (_, index) => ({
      index,
      client: { process: index, session: `client-${index}`, mode: 'eventual' as const },
      next: random((options.seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0),
      tokens: new Map(),
      lastWritten: null,
      lastAcknowledged: null,
    }));
  }

  /** The members, created before the clock (and the nemesis) starts: two per client, at least four. */
  async setup(): Promise<void> {
    const wanted = Math.max(4, 2 * this.#options.clients);
    await Promise.all(
      this.#states.map(async (state) => {
        for (let attempts = 0; this.#members.length < wanted && attempts < wanted * 3; attempts++) {
          const id = await this.#createUser(state, 'eventual');
          if (id !== null) this.#members.push(id);
        }
      }),
    );
    if (this.#members.length < 2) throw new Error(`could create only ${this.#members.length} users to post and follow; is the system up? (./stackctl status)`);
  }

  /** Every client, one operation after another, until the deadline (epoch ms); each ends its operation in flight. */
  async run(deadline: number): Promise<void> {
    await Promise.all(
      this.#states.map(async (state) => {
        while (Date.now() < deadline) {
          await this.#step(state);
          await new Promise((resolve) => setTimeout(resolve, THINK_MS[0] + state.next() * (THINK_MS[1] - THINK_MS[0])));
        }
      }),
    );
  }

  async #step(state: ClientState): Promise<void> {
    state.lastAcknowledged = null;
    const wrote = await this.#act(state);
    const written = state.lastAcknowledged;
    if (wrote === 'strong' && written !== null && state.next() < READ_BACK) await this.#read(state, written, 'strong', undefined);
  }

  /** One read or write; answers the mode of a write, null after a read. */
  async #act(state: ClientState): Promise<'strong' | 'eventual' | null> {
    const r = state.next();
    const kind = r < 1 / 3 ? 'users' : r < 2 / 3 ? 'posts' : 'follows';
    const mode = state.next() < 0.5 ? 'strong' : 'eventual';
    if (state.next() < 0.4 && this.#known.length > 0) {
      const own = state.next() < 0.5 ? state.lastWritten : null;
      const entity = own ?? this.#known[Math.floor(state.next() * this.#known.length)]!;
      const token = state.next() < 0.5 ? state.tokens.get(entity) : undefined;
      await this.#read(state, entity, mode, token);
      return null;
    }
    const what = state.next();
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(state.next() * items.length)];
    if (kind === 'users') {
      const churn = [...this.#churn.keys()];
      if (churn.length < 3 || what < 0.35) await this.#createUser(state, mode, true);
      else if (what < 0.75) await this.#renameUser(state, mode, pick([...this.#members, ...churn])!);
      else await this.#deleteUser(state, mode, pick(churn)!);
    } else if (kind === 'posts') {
      const posts = [...this.#posts];
      if (posts.length < 3 || what < 0.35) await this.#createPost(state, mode, pick(this.#members)!);
      else if (what < 0.75) await this.#editPost(state, mode, pick(posts)!);
      else await this.#deletePost(state, mode, pick(posts)!);
    } else {
      const follows = [...this.#follows];
      if (follows.length === 0 || what < 0.6) {
        const follower = pick(this.#members)!;
        const followee = pick(this.#members.filter((m) => m !== follower))!;
        await this.#follow(state, mode, follower, followee);
      } else {
        const [follower, followee] = pick(follows)!.split(':').map(Number) as [number, number];
        await this.#unfollow(state, mode, follower, followee);
      }
    }
    return mode;
  }

  // ---- writes ----

  /**
   * Records a write's answer: ok with its token; info when the outcome is unknown (a 504 with its token, any
   * other 5xx, no answer); fail when it did not happen (a 4xx). A 2xx without a token changed nothing.
   */
  #settle(state: ClientState, op: WriteRecord, answer: Answer | null, entity?: HistoryEntity): 'ok' | 'fail' | 'info' {
    this.stats.writes++;
    const outcome = ((): 'ok' | 'fail' | 'info' => {
      if (answer === null) {
        op.info({ error: 'NO_ANSWER' });
        return 'info';
      }
      const token = tokenOf(answer);
      if (answer.status >= 200 && answer.status < 300) {
        if (token === null) {
          op.fail('NO_CHANGE');
          return 'fail';
        }
        op.ok(token, entity);
        return 'ok';
      }
      if (answer.status === 504 && codeOf(answer) === 'CONSISTENCY_TIMEOUT' && token !== null) {
        op.info({ token, error: 'CONSISTENCY_TIMEOUT', ...(entity ? { entity } : {}) });
        return 'info';
      }
      if (answer.status < 500) {
        op.fail(codeOf(answer));
        return 'fail';
      }
      op.info({ error: codeOf(answer) });
      return 'info';
    })();
    this.stats[outcome === 'ok' ? 'ok' : outcome === 'fail' ? 'failed' : 'unknown']++;
    const token = answer === null ? null : tokenOf(answer);
    if (outcome !== 'fail' && token !== null && entity) state.tokens.set(entity, token);
    if (entity) state.lastWritten = entity;
    state.lastAcknowledged = outcome === 'ok' && entity ? entity : null;
    // As Jepsen does: after an unknown outcome the request may still be running, so the client goes on as a new process.
    if (outcome === 'info' && token === null) state.client = { ...state.client, process: state.client.process + this.#options.clients };
    return outcome;
  }

  #remember(entity: HistoryEntity): void {
    if (!this.#known.includes(entity)) this.#known.push(entity);
  }

  /** A user; churn: one that will be renamed and deleted. Answers its id, or null when none was made (or known). */
  async #createUser(state: ClientState, mode: 'strong' | 'eventual', churn = false): Promise<number | null> {
    const email = `check-${this.#options.tag}-${++this.#created}@check.example`;
    const op = this.#options.history.write({ ...state.client, mode }, null, false);
    const answer = await call('POST', `/users${query(mode)}`, { email, name: `Check ${this.#created}`, password: PASSWORD });
    const token = answer === null ? null : tokenOf(answer);
    const id = token === null ? null : Number(token.split(':')[1]);
    const entity: HistoryEntity | undefined = id === null ? undefined : `users:${id}`;
    const outcome = this.#settle(state, op, answer, entity);
    if (id === null || outcome === 'fail') return null;
    this.#emails.set(id, email);
    if (churn) this.#churn.set(id, email);
    this.#remember(entity!);
    return id;
  }

  #renameUser(state: ClientState, mode: 'strong' | 'eventual', id: number): Promise<void> {
    return this.#change(state, mode, `users:${id}`, `/users/${id}`, { email: this.#emails.get(id), name: `Check ${id} ${Math.floor(state.next() * 1e6)}` }, () => this.#churn.delete(id));
  }

  #deleteUser(state: ClientState, mode: 'strong' | 'eventual', id: number): Promise<void> {
    return this.#delete(state, mode, `users:${id}`, `/users/${id}`, () => this.#churn.delete(id));
  }

  /** A PUT of an entity; one that is gone (404) leaves the pool. */
  async #change(state: ClientState, mode: 'strong' | 'eventual', entity: HistoryEntity, path: string, body: unknown, forget: () => void): Promise<void> {
    const op = this.#options.history.write({ ...state.client, mode }, entity, false);
    const answer = await call('PUT', `${path}${query(mode)}`, body);
    if (this.#settle(state, op, answer, entity) === 'fail' && answer?.status === 404) forget();
  }

  /** Gone from the pool at once: no other client changes an entity being deleted (that would only fail). */
  async #delete(state: ClientState, mode: 'strong' | 'eventual', entity: HistoryEntity, path: string, forget: () => void): Promise<void> {
    forget();
    const op = this.#options.history.write({ ...state.client, mode }, entity, true);
    this.#settle(state, op, await call('DELETE', `${path}${query(mode)}`), entity);
  }

  async #createPost(state: ClientState, mode: 'strong' | 'eventual', author: number): Promise<void> {
    const op = this.#options.history.write({ ...state.client, mode }, null, false);
    const answer = await call('POST', `/posts${query(mode)}`, { author_id: author, title: `check ${this.#options.tag}`, body: 'written by ./stackctl check', tags: ['check'], meta: {} });
    const token = answer === null ? null : tokenOf(answer);
    const id = token === null ? null : token.split(':')[1]!;
    const entity: HistoryEntity | undefined = id === null ? undefined : `posts:${id}`;
    if (this.#settle(state, op, answer, entity) !== 'fail' && id !== null) {
      this.#posts.add(id);
      this.#remember(entity!);
    }
  }

  #editPost(state: ClientState, mode: 'strong' | 'eventual', id: string): Promise<void> {
    return this.#change(state, mode, `posts:${id}`, `/posts/${id}`, { title: `check ${this.#options.tag} ${Math.floor(state.next() * 1e6)}` }, () => this.#posts.delete(id));
  }

  #deletePost(state: ClientState, mode: 'strong' | 'eventual', id: string): Promise<void> {
    return this.#delete(state, mode, `posts:${id}`, `/posts/${id}`, () => this.#posts.delete(id));
  }

  async #follow(state: ClientState, mode: 'strong' | 'eventual', follower: number, followee: number): Promise<void> {
    const entity: HistoryEntity = `graph:${follower}:${followee}`;
    this.#remember(entity);
    const op = this.#options.history.write({ ...state.client, mode }, entity, false);
    const answer = await call('POST', `/follow${query(mode)}`, { followerId: follower, followeeId: followee });
    // 200: it existed already (recorded as changing nothing); either way the follow is there.
    if (this.#settle(state, op, answer, entity) !== 'fail' || answer?.status === 200) this.#follows.add(`${follower}:${followee}`);
  }

  async #unfollow(state: ClientState, mode: 'strong' | 'eventual', follower: number, followee: number): Promise<void> {
    const entity: HistoryEntity = `graph:${follower}:${followee}`;
    this.#follows.delete(`${follower}:${followee}`);
    const op = this.#options.history.write({ ...state.client, mode }, entity, true);
    this.#settle(state, op, await call('DELETE', `/follow${query(mode)}`, { followerId: follower, followeeId: followee }), entity);
  }

  // ---- reads ----

  /** The public read (it waits for its projection when given the token), then every store's view: what is recorded. */
  async #read(state: ClientState, entity: HistoryEntity, mode: 'strong' | 'eventual', token: string | undefined): Promise<void> {
    this.stats.reads++;
    const op = this.#options.history.read({ ...state.client, mode }, entity, token);
    const done = (outcome: 'ok' | 'failed' | 'unknown'): void => {
      this.stats[outcome]++;
    };
    const api = await call('GET', publicRead(entity, mode, token));
    if (api === null) {
      op.info('NO_ANSWER');
      return done('unknown');
    }
    if (api.status >= 500) {
      op.fail(codeOf(api));
      return done('failed');
    }
    const seen = await call('POST', '/lab/observations', { entities: [entity], ...(token === undefined ? {} : { token, timeoutMs: WAIT_MS }) });
    if (seen === null) {
      op.info('NO_ANSWER');
      return done('unknown');
    }
    if (seen.status !== 200) {
      op.fail(codeOf(seen));
      return done('failed');
    }
    const observed: Observed = (seen.body as ObservedEntities | null)?.entities[entity]?.observed ?? {};
    op.ok(observed);
    done(Object.keys(observed).length > 0 ? 'ok' : 'failed');
  }
}

function query(mode: 'strong' | 'eventual'): string {
  return mode === 'strong' ? `?consistency=strong&timeoutMs=${WAIT_MS}` : '';
}

/** The entity's read in the public API: strong reads the source where the API offers it; a token waits for its projection. */
function publicRead(entity: HistoryEntity, mode: 'strong' | 'eventual', token: string | undefined): string {
  const params = new URLSearchParams();
  if (token !== undefined) {
    params.set('token', token);
    params.set('timeoutMs', String(WAIT_MS));
  }
  const [source, a, b] = entity.split(':') as [string, string, string | undefined];
  if (source === 'users') {
    if (mode === 'strong') params.set('consistency', 'strong');
    // GET /users/:id takes no timeoutMs: with a token it reads the source, which shows the write at once.
    params.delete('timeoutMs');
    return `/users/${a}${params.size > 0 ? `?${params}` : ''}`;
  }
  if (source === 'posts') return `/posts/${a}${params.size > 0 ? `?${params}` : ''}`;
  // The follow itself, if it exists: the first edge after (FOLLOWER, FOLLOWEE - 1).
  if (Number(b) > 1) params.set('after', `${a}:${Number(b) - 1}`);
  params.set('limit', '1');
  return `/relationships?${params}`;
}
