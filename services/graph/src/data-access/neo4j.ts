// The Neo4j driver with short time limits, so a store that is down is answered
// with a 503 in about two seconds instead of a request that hangs.
import neo4j, { type Driver } from 'neo4j-driver';
import { AppError, isStoreUnavailable } from '@polyglot/platform/errors';

export const GRAPH_STORE = 'the graph store (Neo4j)';

export interface Neo4jSettings {
  NEO4J_URL: string;
  NEO4J_USER: string;
  NEO4J_PASSWORD: string;
}

export function createNeo4jDriver(settings: Neo4jSettings): Driver {
  return neo4j.driver(settings.NEO4J_URL, neo4j.auth.basic(settings.NEO4J_USER, settings.NEO4J_PASSWORD), {
    connectionTimeout: 2000,
    connectionAcquisitionTimeout: 3000,
    maxTransactionRetryTime: 2000,
    // Ids and sequence numbers stay below 2^53: plain numbers are safe and keep the code simple.
    disableLosslessIntegers: true,
    maxConnectionPoolSize: 20,
  });
}

/** Ids are written as Neo4j integers: a JS number would be stored as a float and miss the integer index. */
export const int = (value: number) => neo4j.int(value);

/**
 * A lock conflict or deadlock that outlived the driver's own retries (maxTransactionRetryTime):
 * under contention, not the request's fault and not the store being down.
 */
export function isNeo4jBusy(error: unknown): boolean {
  return ((error as { code?: string } | undefined)?.code ?? '').startsWith('Neo.TransientError.Transaction.');
}

export function graphStoreUnavailable(cause?: unknown): AppError {
  const error = new AppError('STORE_UNAVAILABLE', `${GRAPH_STORE} is unavailable; try again shortly`, { store: 'neo4j' });
  if (cause !== undefined) error.cause = cause;
  return error;
}

// Drivers whose last call found Neo4j unreachable. The driver retries a
// transaction for up to maxTransactionRetryTime before giving up (~3 s in all);
// while the store is known to be down, one connection attempt, which fails at
// once, decides instead, so only the first request of an outage waits.
const knownDown = new WeakSet<Driver>();

/** Records that Neo4j did not answer (found outside onGraphStore, e.g. at start). */
export function noteGraphStoreDown(driver: Driver): void {
  knownDown.add(driver);
}

/** Runs a store call and turns "Neo4j is not reachable" into the 503 every client understands. */
export async function onGraphStore<T>(driver: Driver, work: () => Promise<T>): Promise<T> {
  try {
    if (knownDown.has(driver)) {
      await driver.verifyConnectivity();
      knownDown.delete(driver);
    }
    return await work();
  } catch (error) {
    if (isNeo4jBusy(error)) {
      const busy = new AppError('STORE_UNAVAILABLE', `${GRAPH_STORE} is busy (a lock conflict did not clear in time); try again`, { store: 'neo4j' });
      busy.cause = error;
      throw busy;
    }
    if (isStoreUnavailable(error)) {
      knownDown.add(driver);
      throw graphStoreUnavailable(error);
    }
    throw error;
  }
}
