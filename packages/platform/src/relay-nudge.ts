// A hint to an outbox relay that new events are waiting, so it can publish at
// once instead of scanning its store on a short timer. It carries no data: the
// outbox stays the only record, and a lost nudge only delays publishing until
// the relay's next idle poll. At most one nudge is in flight; nudges that
// arrive meanwhile are folded into one more.

export type Nudge = () => void;

export function createRelayNudge(relayUrl: string | undefined): Nudge {
  if (!relayUrl) return () => undefined;
  const url = `${relayUrl.replace(/\/$/, '')}/wake`;
  let inFlight = false;
  let again = false;
  const send = (): void => {
    inFlight = true;
    again = false;
    fetch(url, { method: 'POST', signal: AbortSignal.timeout(1000) })
      .then((r) => r.body?.cancel())
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
        if (again) send();
      });
  };
  return () => {
    if (inFlight) again = true;
    else send();
  };
}
