// Histories for the history checker's tests (stack/provision/history-checker/testdata), made by
// simulating the system: clients writing and reading users, posts and follows in both modes, a
// source store that commits each change, and projections that apply it a moment later. The
// simulation can break the system the ways issue 16 lists, and a few fixtures change one
// observation of a good run so that exactly one property fails.
//
//   node stack/test-fixtures/history-generator.ts              rewrites every fixture
//   node stack/test-fixtures/history-generator.ts --operations 100000 --entities 1000 [--seed N] [--fault F]
//                                                              prints one history (for measuring)
//
// Seeded: the same options give the same history, and stack/test/history-checker.test.ts checks
// that the committed fixtures are what this file makes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FinalObservation, HistoryEntity, HistoryLine, HistoryStore, Observed, StoreObservation } from '@polyglot/contracts/history';
import type { ConsistencyMode } from '@polyglot/contracts/consistency';
import { repoRoot } from '../src/paths.ts';
import { random } from '../src/seed/dataset.ts';

/** Deliberately broken system modes (issue 16): the checker must catch and name each. */
export type Fault =
  /** `strong` answers once the source committed, without waiting for the projections. */
  | 'strong-early'
  /** The analytics projection (TimescaleDB) drops one message in a hundred. */
  | 'drop'
  /** The cache projection (Redis) applies a redelivered older version over a newer one. */
  | 'stale-apply';

/** One observation of a good run changed so that one property fails. */
export type Breach = 'strong' | 'read-your-writes' | 'monotonic-reads' | 'convergence' | 'lost-or-resurrected';

export interface GeneratorOptions {
  seed: number;
  processes: number;
  operations: number;
  users: number;
  posts: number;
  follows: number;
  /** Of writes to a live entity, the share that delete it. */
  deleteRate: number;
  fault?: Fault;
  breach?: Breach;
}

export const FIXTURES_DIR = join(repoRoot, 'stack/provision/history-checker/testdata');

const small = { processes: 5, operations: 260, users: 4, posts: 4, follows: 4, deleteRate: 0.08 };

/** Each fixture's options, by file name (without .jsonl). testdata/expectations.json says what the checker must answer. */
export const FIXTURES: Record<string, GeneratorOptions> = {
  good: { ...small, seed: 11 },
  'bad-strong': { ...small, seed: 12, breach: 'strong' },
  'bad-read-your-writes': { ...small, seed: 13, breach: 'read-your-writes' },
  'bad-monotonic-reads': { ...small, seed: 14, breach: 'monotonic-reads' },
  'bad-convergence': { ...small, seed: 15, breach: 'convergence' },
  'bad-lost-or-resurrected': { ...small, seed: 16, breach: 'lost-or-resurrected', deleteRate: 0.2 },
  'broken-strong-early': { ...small, seed: 17, fault: 'strong-early' },
  'broken-drop': { ...small, seed: 30, operations: 500, users: 10, posts: 10, follows: 10, deleteRate: 0.2, fault: 'drop' },
  'broken-stale-apply': { ...small, seed: 19, fault: 'stale-apply' },
};

type Source = 'users' | 'posts' | 'graph';

/** Where each source's entity lives: the store it is written to, and the projections' stores. */
const STORES: Record<Source, { source: HistoryStore; projections: readonly HistoryStore[] }> = {
  users: { source: 'postgres', projections: ['neo4j', 'redis', 'timescaledb'] },
  posts: { source: 'ferretdb', projections: ['neo4j', 'redis', 'timescaledb'] },
  graph: { source: 'neo4j', projections: ['redis', 'timescaledb'] },
};
const DROPPING: HistoryStore = 'timescaledb';
const STALE_APPLYING: HistoryStore = 'redis';
/** TimescaleDB keeps a deleted entity's last event: a deletion it shows has a position. */
const KEEPS_TOMBSTONES: HistoryStore = 'timescaledb';

const MS = 1_000_000;
/** The gateway's strong wait and token wait (timeoutMs). */
const TIMEOUT = 1000 * MS;


interface Change {
  /** The position the write's token names. */
  position: number;
  /** The position the stores show: a user's change sits a little after its token (a WAL position taken before it). */
  shown: number;
  deleted: boolean;
  commit: number;
  /** When each store applied it; absent: dropped. */
  applied: Map<HistoryStore, number>;
  /** Whether the writer learnt its position (false: the answer was lost). */
  known: boolean;
}

interface Entity {
  name: HistoryEntity;
  source: Source;
  stores: HistoryStore[];
  tokenPrefix: string;
  status: 'absent' | 'alive' | 'deleted';
  changes: Change[];
  lastCommit: number;
  lastApplied: Map<HistoryStore, number>;
}

interface Operation {
  f: 'write' | 'read';
  process: number;
  session: string;
  entity: Entity;
  mode: ConsistencyMode;
  invoke: number;
  ret: number;
  outcome: 'ok' | 'info' | 'fail';
  error?: string;
  // A write:
  deleted: boolean;
  change?: Change;
  token?: string;
  // A read: the token carried, when each store was looked at, and the change each showed.
  readToken?: { text: string; change: Change };
  lookedAt?: Map<HistoryStore, number>;
  seen?: Map<HistoryStore, Change | undefined>;
}

interface Simulation {
  operations: Operation[];
  entities: Entity[];
  finalTime: number;
  finals: Map<Entity, Map<HistoryStore, Change | undefined>>;
}

function hex24(next: () => number): string {
  let text = '';
  while (text.length < 24) text += Math.floor(next() * 16).toString(16);
  return text;
}

function simulate(options: GeneratorOptions): Simulation {
  const next = random(options.seed);
  const between = (low: number, high: number) => Math.round((low + next() * (high - low)) * MS);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

  const entities: Entity[] = [];
  const entity = (name: HistoryEntity, source: Source, tokenPrefix: string): void => {
    entities.push({ name, source, stores: [STORES[source].source, ...STORES[source].projections], tokenPrefix, status: 'absent', changes: [], lastCommit: 0, lastApplied: new Map() });
  };
  for (let i = 0; i < options.users; i++) entity(`users:${900_001 + i}`, 'users', `users:${900_001 + i}`);
  for (let i = 0; i < options.posts; i++) {
    const id = hex24(next);
    entity(`posts:${id}`, 'posts', `posts:${id}`);
  }
  for (let i = 0; i < options.follows; i++) {
    const follower = 900_001 + i;
    entity(`graph:${follower}:${900_001 + ((i + 1 + Math.floor(next() * 50)) % 1000)}`, 'graph', `graph:${follower}`);
  }

  let walPosition = 23_871_232;
  let outboxSequence = 7_300;
  let dropCounter = 0;
  const dropPhase = Math.floor(next() * 100);
  const projectionLag = () => (next() < 0.04 ? between(300, 1500) : between(2, 60));

  /** Commits a change in the source and schedules each projection's apply. */
  const commitChange = (e: Entity, deleted: boolean, commit: number, known: boolean): Change => {
    let position: number;
    let shown: number;
    if (e.source === 'users') {
      walPosition += Math.round(200 + next() * 3000);
      position = walPosition;
      shown = position + Math.round(8 + next() * 56);
      walPosition = shown;
    } else if (e.source === 'posts') {
      position = shown = (e.changes.at(-1)?.position ?? 0) + 1;
    } else {
      position = shown = ++outboxSequence;
    }
    const applied = new Map<HistoryStore, number>([[STORES[e.source].source, commit]]);
    for (const store of STORES[e.source].projections) {
      if (options.fault === 'drop' && store === DROPPING && dropCounter++ % 100 === dropPhase) continue;
      const at = Math.max(commit + projectionLag(), (e.lastApplied.get(store) ?? 0) + 50_000);
      applied.set(store, at);
      e.lastApplied.set(store, at);
    }
    const change: Change = { position, shown, deleted, commit, applied, known };
    e.changes.push(change);
    e.lastCommit = commit;
    e.status = deleted ? 'deleted' : 'alive';
    return change;
  };

  const tokenOf = (e: Entity, change: Change) => `${e.tokenPrefix}:${change.position}`;
  const processes = Array.from({ length: options.processes }, () => ({
    time: between(0, 5),
    lastWritten: undefined as Entity | undefined,
    tokens: new Map<Entity, { text: string; change: Change }>(),
  }));
  const operations: Operation[] = [];

  for (let n = 0; n < options.operations; n++) {
    let p = 0;
    for (let i = 1; i < processes.length; i++) if (processes[i]!.time < processes[p]!.time) p = i;
    const client = processes[p]!;
    const t0 = client.time;
    const mode: ConsistencyMode = next() < 0.5 ? 'strong' : 'eventual';
    const base = { process: p, session: `client-${p}`, mode, invoke: t0 };

    if (next() < 0.35) {
      const e = pick(entities);
      const deleted = e.status === 'alive' && next() < options.deleteRate;
      const op: Operation = { ...base, f: 'write', entity: e, deleted, ret: 0, outcome: 'ok' };
      if (e.status === 'deleted' && e.source !== 'graph') {
        op.outcome = 'fail';
        op.error = e.source === 'users' ? 'USER_NOT_FOUND' : 'POST_NOT_FOUND';
        op.ret = t0 + between(1, 3);
      } else if (next() < 0.01) {
        // The answer is lost (the connection dropped): committed or not, the client cannot tell.
        if (next() < 0.5) commitChange(e, deleted, Math.max(t0 + between(1, 6), e.lastCommit + 50_000), false);
        op.outcome = 'info';
        op.error = 'NO_ANSWER';
        op.ret = t0 + between(50, 300);
      } else {
        const change = commitChange(e, deleted, Math.max(t0 + between(1, 6), e.lastCommit + 50_000), true);
        op.change = change;
        op.token = tokenOf(e, change);
        if (mode === 'eventual' || options.fault === 'strong-early') {
          op.ret = change.commit + between(0.2, 2);
        } else {
          const visible = Math.max(...STORES[e.source].projections.map((s) => change.applied.get(s) ?? Infinity));
          if (visible - t0 <= TIMEOUT) {
            op.ret = visible + between(0.2, 1.5);
          } else {
            op.outcome = 'info';
            op.error = 'CONSISTENCY_TIMEOUT';
            op.ret = t0 + TIMEOUT;
          }
        }
        client.tokens.set(e, { text: op.token, change });
      }
      client.lastWritten = e;
      client.time = op.ret + between(0, 3);
      operations.push(op);
      continue;
    }

    const e = client.lastWritten && next() < 0.5 ? client.lastWritten : pick(entities);
    const carried = client.tokens.get(e);
    const readToken = carried && next() < 0.6 ? carried : undefined;
    const duration = between(1, 5);
    const lookedAt = new Map<HistoryStore, number>();
    for (const store of e.stores) {
      let at = t0 + Math.round(next() * duration);
      // With a token the gateway waits until the store shows that change or a later one.
      if (readToken) at = Math.max(at, (readToken.change.applied.get(store) ?? Infinity) + 100_000);
      lookedAt.set(store, at);
    }
    const last = Math.max(...lookedAt.values());
    const op: Operation = { ...base, f: 'read', entity: e, deleted: false, outcome: 'ok', ret: Math.max(t0 + duration, last + 333_333), lookedAt };
    if (readToken) op.readToken = readToken;
    if (last - t0 > TIMEOUT) {
      op.outcome = 'fail';
      op.error = 'CONSISTENCY_TIMEOUT';
      op.ret = t0 + TIMEOUT;
      delete op.lookedAt;
    }
    client.time = op.ret + between(0, 3);
    operations.push(op);
  }

  // What each store went through, per entity: every apply in time order. A redelivered older
  // version, applied without a version check, is one more apply of an older change.
  const timelines = new Map<Entity, Map<HistoryStore, Array<{ at: number; change: Change }>>>();
  for (const e of entities) {
    const perStore = new Map<HistoryStore, Array<{ at: number; change: Change }>>(e.stores.map((s) => [s, []]));
    for (const change of e.changes) {
      for (const [store, at] of change.applied) {
        perStore.get(store)!.push({ at, change });
        if (options.fault === 'stale-apply' && store === STALE_APPLYING && next() < 0.06) perStore.get(store)!.push({ at: at + between(100, 1500), change });
      }
    }
    for (const applies of perStore.values()) applies.sort((a, b) => a.at - b.at);
    timelines.set(e, perStore);
  }
  const stateAt = (e: Entity, store: HistoryStore, time: number): Change | undefined => {
    let shown: Change | undefined;
    for (const apply of timelines.get(e)!.get(store)!) {
      if (apply.at > time) break;
      shown = apply.change;
    }
    return shown;
  };
  for (const op of operations) {
    if (op.lookedAt) op.seen = new Map([...op.lookedAt].map(([store, at]) => [store, stateAt(op.entity, store, at)]));
  }

  // The recorder waits until every store shows the source's state, or gives up after 10 s.
  const end = Math.max(...operations.map((op) => op.ret));
  const settled = Math.max(end, ...[...timelines.values()].flatMap((m) => [...m.values()].map((applies) => applies.at(-1)?.at ?? 0)));
  const written = entities.filter((e) => operations.some((op) => op.f === 'write' && op.entity === e));
  const converged = written.every((e) => e.stores.every((s) => stateAt(e, s, Infinity) === e.changes.at(-1)));
  const finalTime = converged ? settled + 2 * MS : end + 10_000 * MS;
  const finals = new Map(written.map((e) => [e, new Map(e.stores.map((s) => [s, stateAt(e, s, finalTime)]))]));
  return { operations, entities, finalTime, finals };
}

// --- Breaches: one observation of a good run changed, chosen so that only one property fails.

function readsBefore(sim: Simulation, r: Operation, sameSession: boolean): Operation[] {
  return sim.operations.filter((o) => o.f === 'read' && o.seen && o.entity === r.entity && o.ret < r.invoke && (o.session === r.session) === sameSession);
}

/** Whether r's session had seen the entity in this store gone, or past this position, before r began. */
function sessionSawBeyond(sim: Simulation, r: Operation, store: HistoryStore, shown: number): boolean {
  return readsBefore(sim, r, true).some((o) => {
    if (!o.seen!.has(store)) return false;
    const seen = o.seen!.get(store);
    return seen !== undefined && (seen.deleted || seen.shown > shown);
  });
}

function deleteAcknowledgedBefore(sim: Simulation, r: Operation): Operation | undefined {
  return sim.operations.find((o) => o.f === 'write' && o.entity === r.entity && o.deleted && o.outcome === 'ok' && o.ret < r.invoke);
}

/** The change before this one, when it is a known, live one: what a store showing "one step behind" shows. */
function previousLive(e: Entity, change: Change): Change | undefined {
  const previous = e.changes[e.changes.indexOf(change) - 1];
  return previous && previous.known && !previous.deleted ? previous : undefined;
}

function breach(sim: Simulation, kind: Breach): void {
  const reads = sim.operations.filter((o) => o.f === 'read' && o.seen);
  const projections = (e: Entity) => STORES[e.source].projections;
  for (const r of kind === 'convergence' ? [] : reads) {
    // A projection is the store that lags; a resurrection shows best against the source, where an acknowledged delete is visible at once.
    for (const store of kind === 'lost-or-resurrected' ? r.entity.stores : projections(r.entity)) {
      const seen = r.seen!.get(store);
      let showInstead: Change | undefined;
      if (kind === 'strong' && r.mode === 'strong' && !r.readToken && seen && !seen.deleted && !deleteAcknowledgedBefore(sim, r)) {
        // Another session's strong read saw this change before r began: r, strong, may not show an older one.
        const previous = previousLive(r.entity, seen);
        const shownBefore = readsBefore(sim, r, false).some((o) => o.mode === 'strong' && o.seen!.get(store) === seen);
        if (previous && shownBefore && !sessionSawBeyond(sim, r, store, previous.shown)) showInstead = previous;
      } else if (kind === 'read-your-writes' && r.mode === 'eventual' && r.readToken && seen && !seen.deleted && !deleteAcknowledgedBefore(sim, r)) {
        const previous = previousLive(r.entity, r.readToken.change);
        if (previous && !sessionSawBeyond(sim, r, store, previous.shown)) showInstead = previous;
      } else if (kind === 'monotonic-reads' && r.mode === 'eventual' && !r.readToken && seen && !seen.deleted && !deleteAcknowledgedBefore(sim, r)) {
        const earlier = readsBefore(sim, r, true).find((o) => o.seen!.get(store) === seen);
        const previous = previousLive(r.entity, seen);
        if (earlier && previous) showInstead = previous;
      } else if (kind === 'lost-or-resurrected' && r.mode === 'eventual' && !r.readToken && seen?.deleted) {
        // The store is known to have applied the delete: it was strong, or this is its source store.
        const deletion = deleteAcknowledgedBefore(sim, r);
        const applied = deletion?.change === seen && (deletion.mode === 'strong' || store === STORES[r.entity.source].source);
        const previous = applied ? previousLive(r.entity, seen) : undefined;
        if (previous && !sessionSawBeyond(sim, r, store, previous.shown)) showInstead = previous;
      }
      if (showInstead) {
        r.seen!.set(store, showInstead);
        return;
      }
    }
  }
  if (kind === 'convergence') {
    for (const [e, stores] of sim.finals) {
      const last = e.changes.at(-1);
      const acknowledged = sim.operations.some((o) => o.change === last && o.outcome === 'ok');
      const previous = last && acknowledged ? previousLive(e, last) : undefined;
      if (!previous || last!.deleted) continue;
      stores.set(projections(e)[0]!, previous);
      return;
    }
  }
  throw new Error(`no observation to change for a ${kind} breach: try another seed`);
}

// --- Writing the lines.

function observation(store: HistoryStore, change: Change | undefined): StoreObservation {
  if (!change) return { position: null, deleted: false };
  if (change.deleted) return store === KEEPS_TOMBSTONES ? { position: change.shown, deleted: true } : { position: null, deleted: false };
  return { position: change.shown, deleted: false };
}

function observed(seen: Map<HistoryStore, Change | undefined>): Observed {
  return Object.fromEntries([...seen].map(([store, change]) => [store, observation(store, change)]));
}

export function generateHistory(options: GeneratorOptions): HistoryLine[] {
  const sim = simulate(options);
  if (options.breach) breach(sim, options.breach);
  type Unnumbered<L = HistoryLine> = L extends unknown ? Omit<L, 'index'> : never;
  type Pending = { time: number; order: number; line: Unnumbered };
  const pending: Pending[] = [];
  let order = 0;
  for (const op of sim.operations) {
    const fields = { process: op.process, time: op.invoke, session: op.session, entity: op.entity.name, mode: op.mode };
    const done = { ...fields, time: op.ret, ...(op.error ? { error: op.error } : {}) };
    if (op.f === 'write') {
      pending.push({ time: op.invoke, order: order++, line: { ...fields, type: 'invoke', f: 'write', value: { deleted: op.deleted } } });
      const value = op.change ? { position: op.change.position, deleted: op.deleted } : null;
      if (op.outcome === 'ok') pending.push({ time: op.ret, order: order++, line: { ...done, type: 'ok', f: 'write', value: value!, token: op.token! } });
      else if (op.outcome === 'info') pending.push({ time: op.ret, order: order++, line: { ...done, type: 'info', f: 'write', value, ...(op.token ? { token: op.token } : {}) } });
      else pending.push({ time: op.ret, order: order++, line: { ...done, type: 'fail', f: 'write', value: null } });
    } else {
      const token = op.readToken ? { token: op.readToken.text } : {};
      pending.push({ time: op.invoke, order: order++, line: { ...fields, type: 'invoke', f: 'read', value: null, ...token } });
      if (op.outcome === 'ok') pending.push({ time: op.ret, order: order++, line: { ...done, type: 'ok', f: 'read', value: { observed: observed(op.seen!) }, ...token } });
      else pending.push({ time: op.ret, order: order++, line: { ...done, type: 'fail', f: 'read', value: null, ...token } });
    }
  }
  pending.sort((a, b) => a.time - b.time || a.order - b.order);
  const lines: HistoryLine[] = pending.map((p, index) => ({ index, ...p.line }) as HistoryLine);
  for (const [e, seen] of sim.finals) {
    const final: FinalObservation = { index: lines.length, type: 'ok', f: 'final', time: sim.finalTime, entity: e.name, value: { observed: observed(seen) } };
    lines.push(final);
  }
  return lines;
}

export const toJsonLines = (lines: readonly HistoryLine[]): string => lines.map((line) => `${JSON.stringify(line)}\n`).join('');

if (import.meta.main) {
  const { values } = parseArgs({
    options: { operations: { type: 'string' }, entities: { type: 'string' }, seed: { type: 'string', default: '1' }, fault: { type: 'string' }, processes: { type: 'string', default: '8' } },
  });
  if (values.operations === undefined) {
    for (const [name, options] of Object.entries(FIXTURES)) writeFileSync(join(FIXTURES_DIR, `${name}.jsonl`), toJsonLines(generateHistory(options)));
    process.stdout.write(`wrote ${Object.keys(FIXTURES).length} histories to ${FIXTURES_DIR}\n`);
  } else {
    const third = Math.ceil(Number(values.entities ?? 1000) / 3);
    const options: GeneratorOptions = { seed: Number(values.seed), processes: Number(values.processes), operations: Number(values.operations), users: third, posts: third, follows: third, deleteRate: 0.05 };
    if (values.fault) options.fault = values.fault as Fault;
    process.stdout.write(toJsonLines(generateHistory(options)));
  }
}
