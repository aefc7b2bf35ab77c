// CPU time this process's libuv thread pool has used, read from /proc (Linux).
// In the users service that pool runs Argon2id (@node-rs/argon2 hashes off the
// main thread) and nothing else of note: logs are written synchronously and
// the database is reached by address, not by name. So the pool's CPU time is
// what password hashing costs, which benchmarks count apart from the rest of a
// write. null where /proc cannot be read.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc counts CPU time in clock ticks of 10 ms (USER_HZ is 100 on Linux). */
const MS_PER_TICK = 10;

export function threadPoolCpuMs(): number | null {
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  let ticks = 0;
  for (const thread of threads) {
    try {
      if (readFileSync(`/proc/self/task/${thread}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      const stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
      // The name may hold spaces and parentheses: fields start after the last ')'; utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The thread ended between the listing and the read: its time is no longer counted anywhere.
    }
  }
  return ticks * MS_PER_TICK;
}
