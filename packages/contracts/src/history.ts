// A recorded history and the checker's verdict on it: what the recorders (the
// consistency lab, `./stackctl check`) write and what the history checker
// (stack/provision/history-checker, a Go program) reads and answers. The
// format is described in docs/history-checker.md; the checker validates every
// line, so a mistake here surfaces as a malformed history naming its line.
//
// JSON lines, one event a line, with the Jepsen history fields (index, type,
// process, time, f, value) and ours (session, entity, mode, token). Plain
// types, no zod: the writer is our own code, and the Go side checks.
import type { ConsistencyMode } from './consistency.ts';

/** The stores a read can look at, by the engine that holds the entity's state (mongodb: the posts store under Compose). */
export type HistoryStore = 'postgres' | 'ferretdb' | 'mongodb' | 'neo4j' | 'redis' | 'timescaledb';

/** `users:ID`, `posts:<24 hex>` or `graph:FOLLOWER:FOLLOWEE`: a token's SOURCE:ENTITY, a follow by its pair. */
export type HistoryEntity = `users:${string}` | `posts:${string}` | `graph:${string}:${string}`;

/**
 * What one store showed of an entity: the source position of the state it holds (null: the entity is
 * absent there) and whether that state is a deletion (a tombstone, which has a position).
 */
export interface StoreObservation {
  position: number | null;
  deleted: boolean;
}

export type Observed = Partial<Record<HistoryStore, StoreObservation>>;

interface OperationFields {
  /** Increases line by line. */
  index: number;
  /** The client. One operation at a time per process: its completion (`info` too) frees it for the next. */
  process: number;
  /** Nanoseconds since the run's start, on one monotonic clock. */
  time: number;
  /** For monotonic reads: usually one per process. */
  session: string;
  entity: HistoryEntity;
  mode: ConsistencyMode;
}

export interface WriteInvoke extends OperationFields {
  type: 'invoke';
  f: 'write';
  value: { deleted: boolean };
}

/** The write answered: `position` is the one its token names. */
export interface WriteOk extends OperationFields {
  type: 'ok';
  f: 'write';
  value: { position: number; deleted: boolean };
  token: string;
}

/**
 * Outcome unknown: committed but not yet visible (504 CONSISTENCY_TIMEOUT, with its token and position),
 * or no answer at all (value null, no token).
 */
export interface WriteInfo extends OperationFields {
  type: 'info';
  f: 'write';
  value: { position: number; deleted: boolean } | null;
  token?: string;
  error?: string;
}

/** Did not happen (a 4xx, or a 5xx before the source committed). */
export interface WriteFail extends OperationFields {
  type: 'fail';
  f: 'write';
  value: null;
  error?: string;
}

/** `token`: the consistency token the read carried (of its own entity), when it carried one. */
export interface ReadInvoke extends OperationFields {
  type: 'invoke';
  f: 'read';
  value: null;
  token?: string;
}

export interface ReadOk extends OperationFields {
  type: 'ok';
  f: 'read';
  value: { observed: Observed };
  token?: string;
}

/** A read that saw nothing to judge: it failed, or its answer was lost. */
export interface ReadFailOrInfo extends OperationFields {
  type: 'fail' | 'info';
  f: 'read';
  value: null;
  token?: string;
  error?: string;
}

/** After the run, each store's view of one entity; one line per entity written to, after every operation. */
export interface FinalObservation {
  index: number;
  type: 'ok';
  f: 'final';
  /** When the recorder took it (the stores agreed, or it stopped waiting). */
  time: number;
  entity: HistoryEntity;
  value: { observed: Observed };
}

export type HistoryLine = WriteInvoke | WriteOk | WriteInfo | WriteFail | ReadInvoke | ReadOk | ReadFailOrInfo | FinalObservation;

export const HISTORY_PROPERTIES = ['strong', 'read-your-writes', 'monotonic-reads', 'convergence', 'lost-or-resurrected'] as const;
export type HistoryProperty = (typeof HISTORY_PROPERTIES)[number];

export interface PropertyVerdict {
  /** Comparisons made: (entity, store) views for strong, store observations for the others. */
  checked: number;
  anomalies: number;
}

export interface HistoryAnomaly {
  property: HistoryProperty;
  entity: HistoryEntity;
  store: HistoryStore;
  explanation: string;
  /** The smallest fragment of the history that shows it: its lines' indexes, and the lines. */
  indexes: number[];
  lines: HistoryLine[];
}

/** The checker's answer on stdout, exit 0 (valid) or 1 (anomalies). */
export interface HistoryVerdict {
  valid: boolean;
  operations: number;
  entities: number;
  properties: {
    /** `undecided`: views Porcupine could not decide within its time limit. */
    strong: PropertyVerdict & { undecided: number };
    'read-your-writes': PropertyVerdict;
    'monotonic-reads': PropertyVerdict;
    /** `convergenceMs`: last acknowledged write to the final observation, a figure, not a pass mark. */
    convergence: PropertyVerdict & { convergenceMs: number | null };
    'lost-or-resurrected': PropertyVerdict;
  };
  anomalies: HistoryAnomaly[];
}

/** The checker's answer, exit 2: the history cannot be judged. `line` is 1-based. */
export interface MalformedHistory {
  error: string;
  code: 'MALFORMED_HISTORY';
  line: number;
}
