// The one backoff of the system: every wait after a failure (a message's next
// try, a store that does not answer, a consumer or relay that cannot reach
// Kafka, a Redis client reconnecting) grows the same way, to its own bound.

/** 100 ms before the second try, doubling, up to maxMs. */
export function retryBackoffMs(attempt: number, maxMs = 5000): number {
  return Math.min(maxMs, 100 * 2 ** Math.min(Math.max(attempt, 1) - 1, 16));
}
