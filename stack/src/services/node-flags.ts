// How every Node unit runs (the services and the unit control): sized for the
// 2-core machine that holds all of them, where each process's idle memory is
// mostly what V8 keeps for load that has passed, not what it uses.
// Measured on the running stack: docs/adr/0020-bounded-node-heaps-and-idle-fetches.md.

/**
 * - --max-semi-space-size=16: the young generation grows to 2 × 16 MiB instead of 2 × 64 MiB (V8's ceiling
 *   for a heap this size without pointer compression). After a burst V8 keeps the pages of a grown young
 *   generation committed and pooled, and an idle process does not give them back: 60–120 MiB per service
 *   after a bench. Smaller costs CPU: with 4 MiB the graph service scavenged 13 times as often as with the
 *   default and spent 1.4 ms of GC per change applied (16 MiB: 0.6 ms; the default: 0.4 ms).
 * - --v8-pool-size=2: V8's background threads (concurrent marking, compiling) match the 2 cores instead of 4,
 *   and so do their malloc arenas.
 * - --max-old-space-size=512: with the limit V8 picks on this machine (4 GiB) it lets the old generation grow
 *   to several times what survived the last collection (up to 4 ×); under 2 GiB it grows it by less. The
 *   old generation of every service stayed under 60 MiB, at 50 and at 200 writes/s, so a service that reaches
 *   512 MiB has a leak, and says so in its log ("JavaScript heap out of memory") instead of growing on.
 */
export const NODE_UNIT_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--max-old-space-size=512', '--v8-pool-size=2'];

/** glibc gives each thread that mallocs its own 64 MiB arena (a few MiB resident each); two serve these processes. */
export const NODE_UNIT_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
