// Writes a history for the history checker (docs/history-checker.md), the one
// recorder of the consistency lab and of ./stackctl check: every operation as
// its invoke line and, later, its completion (ok, fail, or info when the
// outcome is unknown), with the client (process), its session, the time in
// nanoseconds since the recorder began on one monotonic clock, the entity,
// the consistency mode and token; then the final section, each entity's view
// in every store after the run.
//
// It holds the checker's rules so that a mistake here is an exception at the
// call, not a malformed history later: one operation at a time per process,
// the token of a write names its entity, nothing after the final section.
//
// A create does not know its entity until the answer names it (the id comes
// from the source). Its invoke line is held, with the time it began, and
// written just before its completion; nobody can have touched an entity
// before its creation answered, so the lines of that entity stay in order. A
// create whose answer never named its entity is not written at all: no read of
// the history can be about an entity nobody learned of.
import { parseToken, type ConsistencyMode } from '@polyglot/contracts/consistency';
import type { HistoryEntity, HistoryLine, Observed } from '@polyglot/contracts/history';

export type HistorySink = (line: HistoryLine) => void;

/** Who runs an operation: the client (one operation at a time), its session, and the mode it asked for. */
export interface Client {
  process: number;
  session: string;
  mode: ConsistencyMode;
}

const ENTITY = /^(users:[0-9]{1,19}|posts:[0-9a-f]{24}|graph:[0-9]{1,19}:[0-9]{1,19})$/;

export function isHistoryEntity(text: string): text is HistoryEntity {
  return ENTITY.test(text);
}

/** The entity a token's write is of: users and posts from the token alone; a follow's names only its follower. */
export function entityOfToken(token: string): HistoryEntity | null {
  const parsed = parseToken(token);
  if (!parsed || parsed.source === 'graph') return null;
  return `${parsed.source}:${parsed.entityId}` as HistoryEntity;
}

/** Whether a token is of this entity, as the checker reads it (a follow's token names its follower). */
function tokenNames(token: string, entity: HistoryEntity): boolean {
  const parsed = parseToken(token);
  if (!parsed) return false;
  return parsed.source === 'graph' ? entity.startsWith(`graph:${parsed.entityId}:`) : entity === `${parsed.source}:${parsed.entityId}`;
}

interface LineFields {
  type: HistoryLine['type'];
  time: number;
  f: 'write' | 'read';
  entity: HistoryEntity;
  value: unknown;
  token?: string | undefined;
  error?: string | undefined;
}

/** One operation line, its fields in the order docs/history-checker.md shows them. */
function operationLine(client: Client, fields: LineFields): HistoryLine {
  return {
    index: 0,
    type: fields.type,
    process: client.process,
    time: fields.time,
    f: fields.f,
    session: client.session,
    entity: fields.entity,
    mode: client.mode,
    value: fields.value,
    ...(fields.token === undefined ? {} : { token: fields.token }),
    ...(fields.error === undefined ? {} : { error: fields.error }),
  } as HistoryLine;
}

export class HistoryRecorder {
  readonly #sink: HistorySink;
  readonly #clock: () => bigint;
  readonly #start: bigint;
  #index = 0;
  readonly #busy = new Set<number>();
  readonly #written = new Set<HistoryEntity>();
  readonly #finals = new Set<HistoryEntity>();
  #operations = 0;

  /** clock: a monotonic nanosecond clock (tests give their own). */
  constructor(sink: HistorySink, clock: () => bigint = process.hrtime.bigint) {
    this.#sink = sink;
    this.#clock = clock;
    this.#start = clock();
  }

  /** Nanoseconds since the recorder began. */
  now(): number {
    return Number(this.#clock() - this.#start);
  }

  /** Operations written (a create dropped for want of its entity is not). */
  get operations(): number {
    return this.#operations;
  }

  /** Every entity a write line names: the final section needs a line for each. */
  get writtenEntities(): HistoryEntity[] {
    return [...this.#written];
  }

  /** A write begins. entity null: a create, whose entity its answer will name (its invoke line waits for it). */
  write(client: Client, entity: HistoryEntity | null, deleted: boolean): WriteRecord {
    const time = this.#begin(client, entity);
    const record = new WriteRecord(this, client, entity, deleted, time);
    if (entity !== null) this.#emitOperation(record.invokeLine(entity));
    return record;
  }

  /** A read begins; token: the consistency token it carries (of its own entity). */
  read(client: Client, entity: HistoryEntity, token?: string): ReadRecord {
    if (token !== undefined && !tokenNames(token, entity)) throw new Error(`the read of ${entity} carries token ${token}, which is of another entity`);
    const time = this.#begin(client, entity);
    this.#emitOperation(operationLine(client, { type: 'invoke', time, f: 'read', entity, value: null, token }));
    return new ReadRecord(this, client, entity, token);
  }

  /** One line of the final section: what each store shows of an entity after every operation. */
  final(entity: HistoryEntity, observed: Observed): void {
    if (this.#busy.size > 0) throw new Error(`the final section begins while processes ${[...this.#busy].join(', ')} still have an operation open: complete them first`);
    if (Object.keys(observed).length === 0) throw new Error(`the final line of ${entity} observes no store`);
    if (this.#finals.has(entity)) throw new Error(`a second final line for ${entity}`);
    this.#finals.add(entity);
    this.#emit({ index: 0, type: 'ok', f: 'final', time: this.now(), entity, value: { observed } });
  }

  #begin(client: Client, entity: HistoryEntity | null): number {
    if (this.#finals.size > 0) throw new Error('an operation after the final section: it closes the history');
    if (!Number.isSafeInteger(client.process) || client.process < 0) throw new Error(`process ${client.process} is not a whole number ≥ 0`);
    if (this.#busy.has(client.process)) throw new Error(`process ${client.process} begins an operation while another of its own is open`);
    if (entity !== null && !isHistoryEntity(entity)) throw new Error(`${entity} is not users:ID, posts:<24 hex> or graph:FOLLOWER:FOLLOWEE`);
    this.#busy.add(client.process);
    return this.now();
  }

  /** @internal An operation of this process ended: its lines are written (a held invoke first), the process is free. */
  end(client: Client, lines: { invoke?: HistoryLine; completion?: HistoryLine }): void {
    this.#busy.delete(client.process);
    if (lines.invoke) this.#emitOperation(lines.invoke);
    if (lines.completion) {
      if (lines.completion.f === 'write') this.#written.add(lines.completion.entity);
      this.#emit(lines.completion);
    }
  }

  #emitOperation(invoke: HistoryLine): void {
    this.#operations++;
    this.#emit(invoke);
  }

  #emit(line: HistoryLine): void {
    line.index = this.#index++;
    this.#sink(line);
  }
}

abstract class OperationRecord {
  protected readonly recorder: HistoryRecorder;
  protected readonly client: Client;
  #done = false;

  constructor(recorder: HistoryRecorder, client: Client) {
    this.recorder = recorder;
    this.client = client;
  }

  protected finish(lines: { invoke?: HistoryLine; completion?: HistoryLine }): void {
    if (this.#done) throw new Error(`process ${this.client.process}'s operation was completed twice`);
    this.#done = true;
    this.recorder.end(this.client, lines);
  }
}

export class WriteRecord extends OperationRecord {
  readonly #entity: HistoryEntity | null;
  readonly #deleted: boolean;
  readonly #invokedAt: number;

  constructor(recorder: HistoryRecorder, client: Client, entity: HistoryEntity | null, deleted: boolean, invokedAt: number) {
    super(recorder, client);
    this.#entity = entity;
    this.#deleted = deleted;
    this.#invokedAt = invokedAt;
  }

  /** @internal */
  invokeLine(entity: HistoryEntity): HistoryLine {
    return operationLine(this.client, { type: 'invoke', time: this.#invokedAt, f: 'write', entity, value: { deleted: this.#deleted } });
  }

  /** It answered, with the token its answer carried; entity: a created follow's (users and posts come from the token). */
  ok(token: string, entity?: HistoryEntity): void {
    const named = this.#named(token, entity);
    if (!named) throw new Error(`the write's answer (token ${token}) names no entity: give the follow's`);
    this.#complete(named, 'ok', { position: parseToken(token)!.position, deleted: this.#deleted }, token);
  }

  /**
   * Outcome unknown: committed but not shown in time (a 504 CONSISTENCY_TIMEOUT, with its token), or no
   * answer at all (no token).
   */
  info(result: { token?: string | null; entity?: HistoryEntity; error?: string } = {}): void {
    const token = result.token ?? undefined;
    const named = token === undefined ? (result.entity ?? this.#entity) : this.#named(token, result.entity);
    // A create that never said what it made: nothing in the history can be about it.
    if (!named) this.finish({});
    else this.#complete(named, 'info', token === undefined ? null : { position: parseToken(token)!.position, deleted: this.#deleted }, token, result.error);
  }

  /** It did not happen (a 4xx). A create that did not happen made no entity: nothing is written. */
  fail(error?: string): void {
    if (this.#entity === null) this.finish({});
    else this.#complete(this.#entity, 'fail', null, undefined, error);
  }

  #named(token: string, entity: HistoryEntity | undefined): HistoryEntity | null {
    if (parseToken(token) === null) throw new Error(`${token} is not a consistency token`);
    const named = entity ?? this.#entity ?? entityOfToken(token);
    if (named !== null && !isHistoryEntity(named)) throw new Error(`${named} is not users:ID, posts:<24 hex> or graph:FOLLOWER:FOLLOWEE`);
    if (named !== null && !tokenNames(token, named)) throw new Error(`token ${token} is not of ${named}`);
    if (named !== null && this.#entity !== null && named !== this.#entity) throw new Error(`the write of ${this.#entity} completed as ${named}`);
    return named;
  }

  #complete(entity: HistoryEntity, type: 'ok' | 'info' | 'fail', value: { position: number; deleted: boolean } | null, token?: string, error?: string): void {
    const completion = operationLine(this.client, { type, time: this.recorder.now(), f: 'write', entity, value, token, error });
    this.finish(this.#entity === null ? { invoke: this.invokeLine(entity), completion } : { completion });
  }
}

export class ReadRecord extends OperationRecord {
  readonly #entity: HistoryEntity;
  readonly #token: string | undefined;

  constructor(recorder: HistoryRecorder, client: Client, entity: HistoryEntity, token: string | undefined) {
    super(recorder, client);
    this.#entity = entity;
    this.#token = token;
  }

  /** What each store showed; nothing at all (every store away) is a read that saw nothing: fail. */
  ok(observed: Observed): void {
    if (Object.keys(observed).length === 0) this.fail('NOTHING_OBSERVED');
    else this.#end('ok', { observed });
  }

  fail(error?: string): void {
    this.#end('fail', null, error);
  }

  info(error?: string): void {
    this.#end('info', null, error);
  }

  #end(type: 'ok' | 'fail' | 'info', value: { observed: Observed } | null, error?: string): void {
    this.finish({ completion: operationLine(this.client, { type, time: this.recorder.now(), f: 'read', entity: this.#entity, value, token: this.#token, error }) });
  }
}
