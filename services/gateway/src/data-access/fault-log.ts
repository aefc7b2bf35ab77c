// The last fault actions, newest first, for GET /faults. In the gateway's
// memory on purpose: Redis may be the very thing a fault stopped.
import type { FaultAction } from '@polyglot/contracts/faults';

export function createFaultLog(size = 50) {
  const entries: FaultAction[] = [];
  return {
    add(entry: FaultAction): void {
      entries.unshift(entry);
      if (entries.length > size) entries.length = size;
    },
    recent(): FaultAction[] {
      return [...entries];
    },
  };
}
export type FaultLog = ReturnType<typeof createFaultLog>;
