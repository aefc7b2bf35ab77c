// Faults on purpose: pause, delay or duplicate a projection; stop, start or
// kill an engine or service (through the gateway's /faults, which drives the
// stack's CLI and logs who asked). The lag and backlog chart is the live
// health report: watch a backlog grow while paused and drain on resume.
import { useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { M, Q } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import { link } from '../api/live.ts';
import type { DeadLetterReplay, FaultsOverview, ProjectionControl, ProjectionHealth } from '../api/types.ts';
import { AXIS } from '../components/charts.ts';
import { timeAgo } from '../components/format.ts';
import { ErrorNote, Loading } from '../components/States.tsx';
import { formatMs, useComponentStatuses, type ComponentId, type ComponentStatus } from '../state/components.ts';
import { healthHistory, healthStore } from '../state/health.ts';
import { useQuery, useRefreshOnChanges } from '../state/query.ts';
import { useStore } from '../state/store.ts';

const PROJECTIONS: Array<{ name: string; title: string; store: string; node: ComponentId }> = [
  { name: 'graph', title: 'graph projection', store: 'Neo4j', node: 'proj-graph' },
  { name: 'cache', title: 'cache projection', store: 'Redis', node: 'proj-cache' },
  { name: 'analytics', title: 'analytics projection', store: 'TimescaleDB', node: 'proj-analytics' },
  { name: 'user-cascade', title: 'user cascade', store: 'FerretDB', node: 'proj-cascade' },
];

/** How the running system sees each unit, where its health report says. */
const UNIT_NODE: Record<string, ComponentId> = {
  postgres: 'postgres',
  timescaledb: 'timescaledb',
  redis: 'redis',
  ferretdb: 'ferretdb',
  neo4j: 'neo4j',
  kafka: 'kafka',
  connect: 'connect',
  users: 'users-svc',
  posts: 'posts-svc',
  graph: 'graph-svc',
  analytics: 'proj-analytics',
  projectors: 'proj-cache',
};

const LINE_COLOURS: Record<string, string> = { graph: '#1a7fb5', cache: '#c4412f', analytics: '#b7791f', 'user-cascade': '#3f8f5f', 'graph-relay': '#9b59b6' };

function ProjectionCard({ spec, health, status, onError }: { spec: (typeof PROJECTIONS)[number]; health: ProjectionHealth | null | undefined; status: ComponentStatus; onError: (e: unknown) => void }) {
  const faults = health?.faults;
  const [delay, setDelay] = useState(String(faults?.delayMs ?? 0));
  const [busy, setBusy] = useState(false);
  const [overlay, setOverlay] = useState<ProjectionControl | null>(null);
  useEffect(() => setOverlay(null), [health]);
  const paused = overlay?.faults?.paused ?? faults?.paused ?? false;
  const duplicate = overlay?.faults?.duplicate ?? faults?.duplicate ?? false;
  const act = async (work: () => Promise<ProjectionControl>) => {
    setBusy(true);
    try {
      setOverlay(await work());
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  const name = spec.name;
  return (
    <section className={`unit level-${status.level}`} data-testid={`projection-${name}`}>
      <div className="unit-name">
        <span>
          <span className="status-dot" aria-hidden="true" /> {spec.title}
        </span>
        <span className="note">→ {spec.store}</span>
      </div>
      <div className="unit-state">
        <strong>{status.text}</strong> · lag {health?.lag ?? '?'} · p50 {formatMs(health?.latency?.p50)}
        {faults?.duplicated ? ` · ${faults.duplicated} applied twice` : ''}
      </div>
      <div className="btn-row">
        {paused ? (
          <button type="button" className="btn small primary" disabled={busy} onClick={() => act(async () => (await gql(M.resume, { name })).resumeProjection)} data-testid={`resume-${name}`}>
            Resume
          </button>
        ) : (
          <button type="button" className="btn small" disabled={busy} onClick={() => act(async () => (await gql(M.pause, { name })).pauseProjection)} data-testid={`pause-${name}`}>
            Pause
          </button>
        )}
        <button
          type="button"
          className="btn small"
          aria-pressed={duplicate}
          disabled={busy}
          onClick={() => act(async () => (await gql(M.setFaults, { name, duplicate: !duplicate })).setProjectionFaults)}
          title="apply every message twice: idempotency must make the second a no-op"
        >
          {duplicate ? 'Duplicating: stop' : 'Duplicate'}
        </button>
      </div>
      <form
        className="btn-row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => (await gql(M.setFaults, { name, delayMs: Math.max(0, Math.min(60_000, Number(delay) || 0)) })).setProjectionFaults);
        }}
      >
        <input aria-label={`delay of the ${spec.title} in ms`} type="number" min={0} max={60000} step={100} value={delay} onChange={(e) => setDelay(e.target.value)} style={{ width: 84 }} />
        <button type="submit" className="btn small" disabled={busy}>
          Delay ms
        </button>
      </form>
    </section>
  );
}

function LagChart() {
  const history = useStore(healthHistory);
  const series = [...new Set(history.flatMap((h) => [...Object.keys(h.lag), ...Object.keys(h.backlog)]))];
  const data = history.map((h) => ({ t: new Date(h.t).toLocaleTimeString([], { hour12: false }), ...h.lag, ...h.backlog }));
  if (history.length < 2) return <p className="note">The chart fills as health reports arrive (every 2 s).</p>;
  return (
    <div className="chart-box" data-testid="lag-chart">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 6, right: 8, bottom: 0, left: -10 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#edf0f4" vertical={false} />
          <XAxis dataKey="t" {...AXIS} minTickGap={40} />
          <YAxis {...AXIS} allowDecimals={false} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {series.map((s) => (
            <Line key={s} type="linear" dataKey={s} stroke={LINE_COLOURS[s] ?? '#64748b'} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} strokeDasharray={s.endsWith('relay') ? '5 4' : undefined} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function Units({ overview, reload }: { overview: FaultsOverview; reload: () => void }) {
  const statuses = useComponentStatuses();
  const [busy, setBusy] = useState<Record<string, { action: string; since: number }>>({});
  const [results, setResults] = useState<Record<string, { ok: boolean; text: string }>>({});
  const [, tick] = useState(0);
  useEffect(() => {
    if (Object.keys(busy).length === 0) return;
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, [busy]);
  if (!overview.units.available) return <p className="note warn">The gateway cannot drive the stack here: {overview.units.reason}. Use ./stackctl on the machine that runs it.</p>;
  const act = async (unit: string, action: string) => {
    setBusy((b) => ({ ...b, [unit]: { action, since: Date.now() } }));
    setResults((r) => {
      const { [unit]: _, ...rest } = r;
      return rest;
    });
    try {
      const { unitAction } = await gql(M.unitAction, { unit, action }, { timeoutMs: 200_000 });
      setResults((r) => ({ ...r, [unit]: { ok: true, text: `${action} done in ${formatMs(unitAction.durationMs)}` } }));
    } catch (e) {
      setResults((r) => ({ ...r, [unit]: { ok: false, text: e instanceof Error ? e.message : String(e) } }));
    } finally {
      setBusy((b) => {
        const { [unit]: _, ...rest } = b;
        return rest;
      });
      reload();
    }
  };
  const controllable = new Set(overview.units.controllable);
  const states = overview.units.states.filter((s) => controllable.has(s.name));
  return (
    <div className="unit-grid">
      {states.map((u) => {
        const node = UNIT_NODE[u.name];
        const live = node ? statuses[node] : undefined;
        const level = u.state === 'healthy' ? (live?.level === 'down' ? 'down' : 'ok') : u.state === 'starting' ? 'warn' : 'down';
        const running = busy[u.name];
        return (
          <section key={u.name} className={`unit level-${level}`} data-testid={`unit-${u.name}`} data-state={u.state}>
            <div className="unit-name">
              <span>
                <span className="status-dot" aria-hidden="true" /> {u.name}
              </span>
              <span className="note">{u.kind}</span>
            </div>
            <div className="unit-state">
              stack: <strong>{u.state}</strong>
              {u.pid ? ` · pid ${u.pid}` : ''}
              {live && live.level !== 'unknown' && ` · system: ${live.text}`}
            </div>
            <div className="btn-row">
              {overview.units.actions.map((a) => (
                <button
                  key={a}
                  type="button"
                  className={`btn small${a === 'kill' ? ' danger' : a === 'start' ? ' primary' : ''}`}
                  disabled={running !== undefined || (a === 'start' && u.state === 'healthy') || (a !== 'start' && (u.state === 'down' || u.state === 'crashed'))}
                  onClick={() => act(u.name, a)}
                  data-testid={`unit-${a}-${u.name}`}
                >
                  {a}
                </button>
              ))}
            </div>
            {running && (
              <div className="note" role="status">
                <span className="spinner" aria-hidden="true" /> {running.action}… {((Date.now() - running.since) / 1000).toFixed(0)} s
              </div>
            )}
            {results[u.name] && <div className={`note${results[u.name]!.ok ? '' : ' warn'}`}>{results[u.name]!.text}</div>}
          </section>
        );
      })}
    </div>
  );
}

function describeReplay(result: DeadLetterReplay): string {
  const parts = [`${result.replayed.length} replayed`];
  if (result.pending.length > 0) parts.push(`${result.pending.length} already under way`);
  if (result.refused.length > 0) parts.push(`${result.refused.length} refused (${result.refused[0]!.reason})`);
  return `${parts.join(', ')}. A replayed letter leaves the list once its consumer has applied it.`;
}

/** Messages a projection gave up on (unparseable, or failing after its retries), newest first; each can be replayed. */
function DeadLetters() {
  const list = useQuery((signal) => gql(Q.deadLetters, { limit: 20 }, { signal }).then((d) => d.deadLetters), []);
  useRefreshOnChanges(() => true, list.reload, 15_000);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const replay = async (selection: { id: string } | { all: true }) => {
    setBusy('id' in selection ? selection.id : 'all');
    try {
      const { replayDeadLetters } = await gql(M.replayDeadLetters, selection);
      setOutcome({ ok: replayDeadLetters.refused.length === 0, text: describeReplay(replayDeadLetters) });
      list.reload();
    } catch (e) {
      setOutcome({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="card">
      <div className="card-head">
        <h2 className="card-title">
          Dead letters <span className="card-sub">messages a projection gave up on, with their error (pipeline.dead-letters)</span>
        </h2>
        <div className="btn-row">
          {list.data && list.data.length > 0 && (
            <button type="button" className="btn small" onClick={() => void replay({ all: true })} disabled={busy !== null} aria-label="Replay every dead letter">
              {busy === 'all' ? 'Replaying…' : 'Replay all'}
            </button>
          )}
          <button type="button" className="btn small" onClick={list.reload} disabled={list.loading} aria-label="Refresh the dead letters">
            Refresh
          </button>
        </div>
      </div>
      {!list.data && list.loading && <Loading what="the dead letters" />}
      {list.error !== null && <ErrorNote error={list.error} what="the dead letters" retry={list.reload} />}
      {outcome && <div className={`note${outcome.ok ? '' : ' warn'}`} role="status">{outcome.text}</div>}
      {list.data && list.data.length === 0 && <p className="note">None: every message was applied.</p>}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th>when</th>
                <th>consumer</th>
                <th className="hide-narrow">record</th>
                <th>error</th>
                <th className="num">tries</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.slice(0, 10).map((d) => (
                <tr key={d.id}>
                  <td>{timeAgo(Date.parse(d.failedAt))}</td>
                  <td className="mono">{d.group}</td>
                  <td className="hide-narrow mono">{d.partition < 0 ? `${d.topic} (never produced)` : `${d.topic}/${d.partition}@${d.offset}`}</td>
                  <td style={{ maxWidth: 420, overflowWrap: 'anywhere' }}>{d.error}</td>
                  <td className="num">{d.attempts}</td>
                  <td>
                    {d.replayedAt ? (
                      <span className="note" title={`replayed ${d.replayedAt}`}>
                        replayed, waiting
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="btn small"
                        onClick={() => void replay({ id: d.id })}
                        disabled={busy !== null || d.valueTruncated === true}
                        title={d.valueTruncated ? 'its value was cut to fit the dead-letter topic: it cannot be replayed' : 'publish it again for the consumer that failed it'}
                        aria-label={`Replay dead letter ${d.id}`}
                      >
                        {busy === d.id ? 'Replaying…' : 'Replay'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function FaultsPanel() {
  const overview = useQuery((signal) => gql(Q.faults, {}, { signal, timeoutMs: 30_000 }).then((d) => d.faults), []);
  const statuses = useComponentStatuses();
  const { health } = useStore(healthStore);
  const linkState = useStore(link).state;
  const [error, setError] = useState<unknown>(null);
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Faults on purpose</h1>
          <p>Break the pipeline and watch it: a paused projection keeps its messages in Kafka as lag (nothing lost, nothing committed) and drains on resume; a stopped store turns its node red in the Flow view and answers 503 naming it.</p>
        </div>
      </div>
      {error !== null && <ErrorNote error={error} />}
      <section className="card">
        <h2 className="card-title">
          Projections <span className="card-sub">live from the health report</span>
        </h2>
        {!health && (linkState === 'open' ? <Loading what="the health report" /> : <p className="note warn">No live connection to the gateway, so no health report: the projections' state is unknown until it is back.</p>)}
        <div className="unit-grid">
          {PROJECTIONS.map((p) => (
            <ProjectionCard key={p.name} spec={p} health={health?.pipeline.projections[p.name]} status={statuses[p.node]} onError={setError} />
          ))}
        </div>
      </section>
      <section className="card">
        <h2 className="card-title">
          Lag and backlog <span className="card-sub">messages not applied yet (projections), follows not published yet (the graph service’s outbox relay, dashed)</span>
        </h2>
        <LagChart />
      </section>
      <section className="card">
        <div className="card-head">
          <h2 className="card-title">
            Engines and services <span className="card-sub">through the stack CLI; the gateway itself is not among them</span>
          </h2>
          <button type="button" className="btn small" onClick={overview.reload} disabled={overview.loading} aria-label="Refresh the engines and services" data-testid="units-refresh">
            {overview.loading ? 'Asking the stack…' : 'Refresh'}
          </button>
        </div>
        {!overview.data && overview.loading && <Loading what="the units from the stack" />}
        {overview.error !== null && <ErrorNote error={overview.error} what="the units" retry={overview.reload} />}
        {overview.data && <Units overview={overview.data} reload={overview.reload} />}
      </section>
      <DeadLetters />
      {overview.data && overview.data.recent.length > 0 && (
        <section className="card">
          <h2 className="card-title">Recent fault actions</h2>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>when</th>
                  <th>action</th>
                  <th>target</th>
                  <th className="hide-narrow">by</th>
                  <th>outcome</th>
                  <th className="num">took</th>
                </tr>
              </thead>
              <tbody>
                {overview.data.recent.slice(0, 12).map((a, i) => (
                  <tr key={`${a.at}-${i}`}>
                    <td>{timeAgo(Date.parse(a.at))}</td>
                    <td>{a.action}</td>
                    <td className="mono">{a.target}</td>
                    <td className="hide-narrow">{a.by.email ?? a.by.address}</td>
                    <td>{a.outcome === 'ok' ? a.outcome : <span className="text-down" title={a.error ?? ''}>{a.outcome}</span>}</td>
                    <td className="num">{formatMs(a.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}
