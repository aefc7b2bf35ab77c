// The trace of one write: every span the services recorded for it (the
// gateway's request, the service and its store, the capture or relay into
// Kafka, each projection applying it), read from Jaeger through the gateway
// and drawn as a waterfall. Spans leave the services in batches, so right
// after a write the trace may not be there yet (TRACE_NOT_FOUND: asked again
// every second for about five) or may still be growing (read again every two
// seconds while it is recent).
import { useEffect, useState } from 'react';
import { Q } from '../api/documents.ts';
import { ApiError, gql } from '../api/graphql.ts';
import type { Trace } from '../api/types.ts';
import { clock, timeAgo } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { LookupForm } from '../components/LookupForm.tsx';
import { Empty, ErrorNote } from '../components/States.tsx';
import { serviceColour, spanMs } from '../components/trace-layout.ts';
import { Waterfall } from '../components/Waterfall.tsx';
import { useStore } from '../state/store.ts';
import { myWrites } from '../state/writes.ts';

const TRACE_ID = /^[0-9a-f]{32}$/;
/** TRACE_NOT_FOUND: asked again this often, for this long (the exporters send a batch about every second). */
const RETRY_EVERY_MS = 1000;
const RETRY_FOR_MS = 5000;
/** A trace whose last span ended this recently may still be growing: read again this often, at most this many times. */
const YOUNG_MS = 15_000;
const REFRESH_EVERY_MS = 2000;
const MAX_REFRESHES = 8;

type Load =
  | { state: 'loading'; attempt: number; notFound: unknown | null }
  | { state: 'loaded'; trace: Trace; refreshing: boolean }
  | { state: 'failed'; error: unknown };

const endOf = (trace: Trace) => Date.parse(trace.spans[0]?.startedAt ?? '') + trace.durationMs;

function useTrace(traceId: string, reloads: number): Load {
  const [load, setLoad] = useState<Load>({ state: 'loading', attempt: 1, notFound: null });
  useEffect(() => {
    setLoad({ state: 'loading', attempt: 1, notFound: null });
    const controller = new AbortController();
    const giveUpAt = Date.now() + RETRY_FOR_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let refreshes = 0;
    let shown: Trace | null = null;
    const ask = async () => {
      attempt += 1;
      try {
        const { trace } = await gql(Q.trace, { id: traceId }, { signal: controller.signal, timeoutMs: 10_000 });
        if (controller.signal.aborted) return;
        shown = trace;
        const young = Date.now() - endOf(trace) < YOUNG_MS && refreshes < MAX_REFRESHES;
        setLoad({ state: 'loaded', trace, refreshing: young });
        if (young) {
          refreshes += 1;
          timer = setTimeout(() => void ask(), REFRESH_EVERY_MS);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        // A refresh that fails leaves what is shown as it is.
        if (shown) return setLoad({ state: 'loaded', trace: shown, refreshing: false });
        if (error instanceof ApiError && error.code === 'TRACE_NOT_FOUND' && Date.now() < giveUpAt) {
          setLoad({ state: 'loading', attempt: attempt + 1, notFound: error });
          timer = setTimeout(() => void ask(), RETRY_EVERY_MS);
          return;
        }
        setLoad({ state: 'failed', error });
      }
    };
    void ask();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [traceId, reloads]);
  return load;
}

function TraceSummary({ trace, refreshing, onReload }: { trace: Trace; refreshing: boolean; onReload: () => void }) {
  const errors = trace.spans.filter((s) => s.status === 'error').length;
  const started = Date.parse(trace.spans[0]?.startedAt ?? '');
  return (
    <>
      <div className="card-head">
        <h2 className="card-title">
          <code className="token">{trace.traceId}</code>
        </h2>
        <div className="btn-row">
          <span className={`pill-light level-${refreshing ? 'warn' : errors > 0 ? 'down' : 'ok'}`} data-testid="trace-state">
            {refreshing ? 'recent: spans may still be arriving…' : errors > 0 ? `${errors} span${errors === 1 ? '' : 's'} failed` : 'every span ok'}
          </span>
          <button type="button" className="btn small" onClick={onReload}>
            Reload
          </button>
        </div>
      </div>
      <dl className="figures">
        <div>
          <dt>took</dt>
          <dd data-testid="trace-duration">{spanMs(trace.durationMs)}</dd>
        </div>
        <div>
          <dt>spans</dt>
          <dd>{trace.spans.length}</dd>
        </div>
        <div>
          <dt>services</dt>
          <dd>{trace.services.length}</dd>
        </div>
        <div>
          <dt>started</dt>
          <dd className="mono wf-started">{Number.isNaN(started) ? '–' : clock(started)}</dd>
        </div>
      </dl>
      <div className="wf-services" data-testid="trace-services">
        <span className="note">Crossed</span>
        {trace.services.map((service, i) => (
          <span key={service} className="wf-service-chip">
            {i > 0 && (
              <span className="wf-arrow" aria-hidden="true">
                →
              </span>
            )}
            <span className="wf-swatch" style={{ background: serviceColour(service) }} aria-hidden="true" />
            {service}
          </span>
        ))}
      </div>
    </>
  );
}

function TraceCard({ traceId }: { traceId: string }) {
  const [reloads, setReloads] = useState(0);
  const load = useTrace(traceId, reloads);
  const reload = () => setReloads((n) => n + 1);
  if (load.state === 'failed') {
    const notFound = load.error instanceof ApiError && load.error.code === 'TRACE_NOT_FOUND';
    return <ErrorNote error={load.error} what={notFound ? `trace ${traceId} (asked for ${RETRY_FOR_MS / 1000} s)` : `trace ${traceId}`} retry={reload} />;
  }
  if (load.state === 'loading') {
    return (
      <div className="state state-loading" role="status" data-testid="trace-loading">
        <span className="spinner" aria-hidden="true" />
        <div>
          <div>{load.notFound ? `Waiting for the trace to reach Jaeger… (asking again, try ${load.attempt})` : 'Loading the trace from Jaeger…'}</div>
          {load.notFound !== null && <div className="state-hint">{load.notFound instanceof Error ? load.notFound.message : String(load.notFound)}</div>}
        </div>
      </div>
    );
  }
  const { trace, refreshing } = load;
  return (
    <div className="stack">
      <TraceSummary trace={trace} refreshing={refreshing} onReload={reload} />
      <Waterfall trace={trace} />
      <p className="note">
        Bars share one time axis from the first span’s start; each is as long as its span lasted, by the clock of the process that recorded it. Click a span for its attributes, ▾ to fold what runs under it. Jaeger keeps a bounded number of traces in
        memory: an old one may be gone.
      </p>
    </div>
  );
}

export function TraceView({ traceId }: { traceId: string | null }) {
  const traced = useStore(myWrites).filter((w) => w.traceId !== null);
  const id = traceId?.trim().toLowerCase() ?? null;
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Trace of one write</h1>
          <p>
            Every span the system recorded for one request and the change it made: the gateway, the service and its store, the capture or relay into Kafka, and each projection applying it. Traces are read from Jaeger
            through the gateway; a write made in this page links here.
          </p>
        </div>
        <LookupForm label="Trace id" path="/trace" current={traceId} placeholder="4bf92f3577b34da6a3ce929d0e0e4736" width={300} normalise={(v) => v.toLowerCase()} />
      </div>
      <section className="card">
        {id === null ? (
          <Empty>Make a write in a store view (or pick one below): its answer carries the id of its trace, and the write links here.</Empty>
        ) : TRACE_ID.test(id) ? (
          <TraceCard key={id} traceId={id} />
        ) : (
          <ErrorNote error={new ApiError('VALIDATION_FAILED', `“${id}” is not a trace id: 32 hexadecimal characters, the second field of a traceresponse header`)} what="the trace" />
        )}
      </section>
      {traced.length > 0 && (
        <section className="card">
          <h2 className="card-title">Your writes with a trace</h2>
          <ul className="plain-list">
            {traced.slice(0, 10).map((w) => (
              <li key={w.token}>
                <Link to={`/trace/${w.traceId}`}>{w.what}</Link>
                <span className="note">
                  <Link to={`/timeline/${encodeURIComponent(w.token)}`}>timeline</Link> · {timeAgo(w.at)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
