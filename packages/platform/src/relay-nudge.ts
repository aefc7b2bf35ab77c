// A hint to an outbox relay that new events are waiting, so it can publish at
// once instead of scanning its store on a timer. It may name the entities
// whose outboxes changed, so the relay reads just those. It is only a hint:
// the outbox stays the one record, and a lost nudge delays publishing until
// the relay's next full scan. At most one nudge is in flight; what arrives
// meanwhile is folded into the next.

import { httpRequest } from './http-request.ts';
import { internalHeaders } from './internal-secret.ts';

export type Nudge = (entityId?: string) => void;

const MAX_IDS = 500;

/** secret: the internal secret the relay requires (x-internal-secret). */
export function createRelayNudge(relayUrl: string | undefined, secret: string): Nudge {
  if (!relayUrl) return () => undefined;
  const headers = { 'content-type': 'application/json', ...internalHeaders(secret) };
  const url = new URL(`${relayUrl.replace(/\/$/, '')}/wake`);
  let inFlight = false;
  let again = false;
  let pending = new Set<string>();
  const send = (): void => {
    inFlight = true;
    again = false;
    const ids = [...pending].slice(0, MAX_IDS);
    pending = new Set([...pending].slice(MAX_IDS));
    httpRequest(url, { method: 'POST', headers, body: JSON.stringify({ ids }), timeoutMs: 1000 })
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
        if (again || pending.size > 0) send();
      });
  };
  return (entityId) => {
    if (entityId !== undefined) pending.add(entityId);
    if (inFlight) again = true;
    else send();
  };
}
