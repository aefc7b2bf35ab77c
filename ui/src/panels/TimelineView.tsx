// The timeline of one write: its commit in the source store, its capture and
// publication to Kafka (topic, partition, offset), and each projection
// applying it, with the time of each hop. Live (changeVisibility) until every
// store shows it. A write made in this page links to its trace (every span of
// it, in the Trace view); a change someone else wrote has no trace id here.
import { useEffect, useState } from 'react';
import { Q, S } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import { subscribe } from '../api/live.ts';
import type { ChangeVisibility } from '../api/types.ts';
import { clock, lsn, STORE_OF_PROJECTION, STORE_OF_SOURCE, timeAgo } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { LookupForm } from '../components/LookupForm.tsx';
import { RecentChanges } from '../components/RecentChanges.tsx';
import { Empty, ErrorNote, Loading } from '../components/States.tsx';
import { changeByToken, feedVersion } from '../state/changes.ts';
import { formatMs } from '../state/components.ts';
import { useStore } from '../state/store.ts';
import { myWrites, traceIdOf } from '../state/writes.ts';

const CAPTURE: Record<string, string> = {
  users: 'Debezium sent it on',
  posts: 'Debezium sent on the post’s new version, its event inside',
  graph: 'the graph service’s outbox relay published the (:Outbox) node; Kafka took it',
};

function positionText(v: ChangeVisibility): string {
  if (v.source === 'users') return `WAL position ${lsn(v.position)} (taken inside the transaction, before the change)`;
  if (v.source === 'posts') return `version ${v.position} of post ${v.entityId}`;
  return `graph outbox sequence ${v.position} (follower ${v.entityId})`;
}

interface Hop {
  key: string;
  title: string;
  sub: string;
  at: number | null;
}

function Timeline({ token }: { token: string }) {
  const [state, setState] = useState<ChangeVisibility | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState<'waiting' | 'live' | 'complete' | 'failed'>('waiting');
  useStore(feedVersion);
  useEffect(() => {
    setState(null);
    setError(null);
    setLive('waiting');
    const controller = new AbortController();
    gql(Q.consistency, { token }, { signal: controller.signal }).then(
      (d) => setState((s) => s ?? d.consistency),
      (e: unknown) => !controller.signal.aborted && setError(e),
    );
    const stop = subscribe(
      S.visibility,
      { token },
      {
        next: (d) => {
          setState(d.changeVisibility);
          setLive(d.changeVisibility.complete ? 'complete' : 'live');
        },
        error: () => setLive('failed'),
      },
      () => setLive((l) => (l === 'failed' ? l : 'complete')),
    );
    return () => {
      controller.abort();
      stop();
    };
  }, [token]);

  if (error !== null && !state) return <ErrorNote error={error} what={`the timeline of ${token}`} />;
  if (!state) return <Loading what="where this change is visible" />;
  const record = changeByToken(token);
  const committed = state.committedAt ? Date.parse(state.committedAt) : (record?.committedAt ?? null);
  const published = state.publishedAt ? Date.parse(state.publishedAt) : (record?.kafka?.publishedAt ?? null);
  const kafka = record?.kafka;
  const captured = state.capturedAt ? Date.parse(state.capturedAt) : null;
  const hops: Hop[] = [
    { key: 'commit', title: `Committed in ${STORE_OF_SOURCE[state.source]}`, sub: positionText(state), at: committed },
    // Only Debezium reports when it read a change; the graph outbox relay reads and publishes in one step.
    ...(state.source === 'users' ? [{ key: 'capture', title: 'Captured from the WAL', sub: 'Debezium read it through the replication slot dbz_users', at: captured }] : []),
    ...(state.source === 'posts'
      ? [{ key: 'capture', title: 'Captured from the store’s log', sub: 'Debezium read the post’s new version: from the WAL of FerretDB’s PostgreSQL (slot dbz_posts), or MongoDB’s change stream under Compose', at: captured }]
      : []),
    {
      key: 'kafka',
      title: 'Published to Kafka',
      sub: `${CAPTURE[state.source]}${kafka ? ` · topic ${kafka.topic}, partition ${kafka.partition}, offset ${kafka.offset}` : ''}`,
      at: published,
    },
    ...state.projections.map((p) => ({
      key: p.projection,
      title: `${p.applied ? 'Visible' : 'Not yet'} in ${STORE_OF_PROJECTION[p.projection]}`,
      sub: `the ${p.projection} projection ${p.applied ? 'applied it' : 'has not applied it'}`,
      at: p.appliedAt ? Date.parse(p.appliedAt) : null,
    })),
  ];
  const end = Math.max(...hops.map((h) => (h.at !== null && committed !== null ? h.at - committed : 0)), 1);
  const slowest = state.projections.filter((p) => p.applied).reduce((m, p) => Math.max(m, p.visibleAfterMs ?? 0), 0);
  const traceId = traceIdOf(token);
  return (
    <div className="stack">
      <div className="card-head">
        <h2 className="card-title">
          <code className="token">{token}</code>
        </h2>
        <div className="btn-row">
          <span className={`pill-light level-${state.complete ? 'ok' : 'warn'}`} data-testid="timeline-state">
            {state.complete ? `visible everywhere after ${formatMs(slowest)}` : live === 'live' ? 'travelling… (live)' : live === 'failed' ? 'not every store shows it yet' : 'waiting…'}
          </span>
          {traceId && (
            <Link to={`/trace/${traceId}`} className="btn small" testId="timeline-trace" title="every span of this write: the gateway, the service, the capture, each projection">
              Trace
            </Link>
          )}
        </div>
      </div>
      {committed === null && <p className="note warn">No projection has recorded this change (an unknown token, or older than an hour): nothing to show yet.</p>}
      <ol className="hops" data-testid="timeline">
        {hops.map((h, i) => {
          const offset = h.at !== null && committed !== null ? h.at - committed : null;
          return (
            <li key={h.key} className={`hop${h.at === null ? ' pending' : ''}`}>
              <span className="hop-marker" aria-hidden="true">
                {i + 1}
              </span>
              <div>
                <div className="hop-title">{h.title}</div>
                <div className="hop-sub">{h.sub}</div>
              </div>
              <div className="hop-time">
                {h.at !== null ? (
                  <>
                    <div className="mono">{clock(h.at)}</div>
                    {i > 0 && offset !== null && <div className="hop-offset">+{formatMs(offset)}</div>}
                  </>
                ) : (
                  <span className="note">pending</span>
                )}
              </div>
              {offset !== null && i > 0 && (
                <div className="hop-bar" aria-hidden="true">
                  <span style={{ left: 0, width: `${Math.max(1.5, (offset / end) * 100)}%` }} />
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <p className="note">
        Times are the source's commit time, Kafka's record timestamp and each projection's own clock at the moment it applied the change
        {committed ? ` (${timeAgo(committed)})` : ''}. Entity:{' '}
        {state.source === 'users' ? <Link to={`/graph/${state.entityId}`}>user {state.entityId}</Link> : state.source === 'graph' ? <Link to={`/graph/${state.entityId}`}>follower {state.entityId}</Link> : `post ${state.entityId}`}
      </p>
      {!traceId && (
        <p className="note" data-testid="timeline-no-trace">
          No trace to link: only the page that made a write learns its trace id (from the traceresponse header of the answer), and only when the trace was sampled.
        </p>
      )}
    </div>
  );
}

export function TimelineView({ token }: { token: string | null }) {
  const writes = useStore(myWrites);
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Timeline of one write</h1>
          <p>Pick a change (yours, or any the projections reported since this page opened) or paste a consistency token: its commit, its trip through Kafka, and when each store showed it.</p>
        </div>
        <LookupForm label="Token" path="/timeline" current={token} placeholder="users:42:197718120" width={260} />
      </div>
      <div className="grid grid-side">
        <section className="card">{token ? <Timeline token={token} /> : <Empty>Choose a change on the right, or write something in a store view: its token leads here.</Empty>}</section>
        <div className="stack">
          {writes.length > 0 && (
            <section className="card">
              <h2 className="card-title">Your writes</h2>
              <ul className="plain-list">
                {writes.slice(0, 10).map((w) => (
                  <li key={w.token}>
                    <Link to={`/timeline/${encodeURIComponent(w.token)}`}>{w.what}</Link>
                    <span className="note">
                      {w.traceId && (
                        <>
                          <Link to={`/trace/${w.traceId}`}>trace</Link> ·{' '}
                        </>
                      )}
                      {timeAgo(w.at)}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <RecentChanges limit={20} title="Changes applied since this page opened" {...(token ? { selected: token } : {})} />
        </div>
      </div>
    </div>
  );
}
