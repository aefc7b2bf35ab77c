// The consistency lab: writes in a mode (eventual or strong), each read back
// at once from every store; stale reads and time-to-visible per store, drawn;
// and the history checker's verdict on what the experiment recorded, each
// anomaly with the lines of the history that show it.
// And the reconciler: drift between each store and its source of truth, and
// its repair.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { M, Q } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import type { LabExperiment, ReconcileReport, RepairReport } from '../api/types.ts';
import { AXIS } from '../components/charts.ts';
import { shortDate } from '../components/format.ts';
import { Empty, ErrorNote, Loading } from '../components/States.tsx';
import { formatMs } from '../state/components.ts';
import { useQuery } from '../state/query.ts';

const KINDS = ['users', 'posts', 'follows'] as const;
const KIND_TEXT: Record<string, string> = { users: 'renames of users', posts: 'new posts', follows: 'new follows' };

function storeName(s: LabExperiment['stores'][number]): string {
  return s.store;
}

function ExperimentCharts({ result }: { result: LabExperiment }) {
  const fed = result.stores.filter((s) => s.role !== 'source');
  const stale = fed.map((s) => ({ store: storeName(s), stale: s.stale, fresh: s.reads - s.stale }));
  const ttv = fed.map((s) => ({ store: storeName(s), p50: s.timeToVisibleMs.p50 ?? 0, p99: s.timeToVisibleMs.p99 ?? 0, max: s.timeToVisibleMs.max ?? 0 }));
  return (
    <div className="grid grid-2" data-testid="lab-charts">
      <section className="card">
        <h3 className="card-title">
          Reads right after each write <span className="card-sub">stale = the store did not show it yet</span>
        </h3>
        <div className="chart-box" data-testid="lab-stale-chart">
          <ResponsiveContainer>
            <BarChart data={stale} margin={{ top: 6, right: 8, bottom: 0, left: -10 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#edf0f4" vertical={false} />
              <XAxis dataKey="store" {...AXIS} />
              <YAxis {...AXIS} allowDecimals={false} />
              <Tooltip cursor={{ fill: 'rgba(35,121,138,0.06)' }} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              <Bar dataKey="stale" stackId="r" fill="#d14343" isAnimationActive={false} />
              <Bar dataKey="fresh" stackId="r" fill="#2f9e6e" isAnimationActive={false} radius={[4, 4, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </section>
      <section className="card">
        <h3 className="card-title">
          Time to visible <span className="card-sub">commit → applied, as each projection measured it</span>
        </h3>
        <div className="chart-box" data-testid="lab-ttv-chart">
          <ResponsiveContainer>
            <BarChart data={ttv} margin={{ top: 6, right: 8, bottom: 0, left: -4 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#edf0f4" vertical={false} />
              <XAxis dataKey="store" {...AXIS} />
              <YAxis {...AXIS} unit=" ms" width={62} />
              <Tooltip cursor={{ fill: 'rgba(35,121,138,0.06)' }} formatter={(v) => `${Math.round(Number(v))} ms`} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              <Bar dataKey="p50" fill="#23798a" isAnimationActive={false} />
              <Bar dataKey="p99" fill="#7fb6c1" isAnimationActive={false} />
              <Bar dataKey="max" fill="#c7dde2" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </section>
    </div>
  );
}

const PROPERTY_TEXT: Record<string, string> = {
  strong: 'a strong write, once acknowledged, shows in every store',
  'read-your-writes': 'a read with a token shows that write or newer',
  'monotonic-reads': 'a session never sees an entity go back in a store',
  convergence: 'every store ends at the latest acknowledged write',
  'lost-or-resurrected': 'nothing acknowledged is lost, nothing deleted comes back',
};

type Verdict = NonNullable<LabExperiment['verdict']>;

/** One anomaly: what broke where, why, and the lines of the recorded history that show it. */
function Anomaly({ anomaly }: { anomaly: Verdict['anomalies'][number] }) {
  const lines = Array.isArray(anomaly.lines) ? (anomaly.lines as unknown[]) : [];
  return (
    <details className="anomaly" data-testid="lab-anomaly">
      <summary>
        <strong className="text-down">{anomaly.property}</strong> in {anomaly.store} <span className="mono">{anomaly.entity}</span>
      </summary>
      <p className="note">{anomaly.explanation}</p>
      <pre className="history-fragment" aria-label={`history lines ${anomaly.indexes.join(', ')}`}>
        {lines.map((line) => JSON.stringify(line)).join('\n')}
      </pre>
    </details>
  );
}

/** The history checker's verdict on the experiment: counts per property, then each anomaly with its fragment. */
function VerdictCard({ result }: { result: LabExperiment }) {
  const verdict = result.verdict;
  return (
    <section className="card" aria-label="History checker verdict" data-testid="lab-verdict">
      <h3 className="card-title">
        History checker <span className="card-sub">every operation and what each store showed, judged against the consistency claims</span>
      </h3>
      {!verdict ? (
        <p className="note">{result.verdictError ?? 'This experiment ran before the lab recorded histories.'}</p>
      ) : (
        <>
          <Outcome ok={verdict.valid} headline={verdict.valid ? 'No anomaly.' : `${verdict.properties.reduce((n, p) => n + p.anomalies, 0)} anomalies.`}>
            {verdict.operations.toLocaleString()} operations on {verdict.entities.toLocaleString()} entities, {verdict.historyLines.toLocaleString()} lines of history
          </Outcome>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>property</th>
                  <th className="num">checked</th>
                  <th className="num">anomalies</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {verdict.properties.map((p) => (
                  <tr key={p.property}>
                    <th scope="row" title={PROPERTY_TEXT[p.property]}>
                      {p.property}
                    </th>
                    <td className="num">{p.checked.toLocaleString()}</td>
                    <td className={`num ${p.anomalies > 0 ? 'text-down' : ''}`}>{p.anomalies.toLocaleString()}</td>
                    <td className="note">
                      {p.property === 'convergence' && typeof p.convergenceMs === 'number' ? `converged in ${formatMs(p.convergenceMs)}` : ''}
                      {p.property === 'strong' && p.undecided ? `${p.undecided} undecided` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {verdict.anomalies.map((a, i) => (
            <Anomaly key={`${a.property}-${a.entity}-${a.store}-${i}`} anomaly={a} />
          ))}
          {verdict.anomaliesOmitted > 0 && <p className="note">and {verdict.anomaliesOmitted} more.</p>}
        </>
      )}
    </section>
  );
}

/** The latest eventual and strong results of one kind, side by side. */
function ModeComparison({ results, kind }: { results: LabExperiment[]; kind: string }) {
  const eventual = results.find((r) => r.input.kind === kind && r.input.mode === 'eventual');
  const strong = results.find((r) => r.input.kind === kind && r.input.mode === 'strong');
  if (!eventual || !strong) return <p className="note">Run {KIND_TEXT[kind]} in both modes to compare them here.</p>;
  const stores = eventual.stores.filter((s) => s.role !== 'source').map((s) => s.store);
  const row = (r: LabExperiment, store: string) => r.stores.find((s) => s.store === store);
  const data = stores.map((store) => ({
    store,
    'eventual stale %': Math.round((row(eventual, store)?.staleRatio ?? 0) * 100),
    'strong stale %': Math.round((row(strong, store)?.staleRatio ?? 0) * 100),
  }));
  return (
    <>
      <div className="chart-box small" data-testid="lab-compare-chart">
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 6, right: 8, bottom: 0, left: -10 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#edf0f4" vertical={false} />
            <XAxis dataKey="store" {...AXIS} />
            <YAxis {...AXIS} unit="%" domain={[0, 100]} />
            <Tooltip cursor={{ fill: 'rgba(35,121,138,0.06)' }} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            <Bar dataKey="eventual stale %" fill="#d69e2e" isAnimationActive={false} />
            <Bar dataKey="strong stale %" fill="#23798a" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <p className="note">
        Write latency p50: eventual {formatMs(eventual.writeLatencyMs.p50)}, strong {formatMs(strong.writeLatencyMs.p50)}: strong pays the pipeline's delay so that no read is stale.
      </p>
    </>
  );
}

function Reconciler() {
  const [report, setReport] = useState<ReconcileReport | null>(null);
  const [repaired, setRepaired] = useState<RepairReport | null>(null);
  const [busy, setBusy] = useState<'check' | 'repair' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (what: 'check' | 'repair') => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'check') {
        setReport((await gql(Q.reconcile, {}, { timeoutMs: 120_000 })).reconcile);
        setRepaired(null);
      } else {
        const result = (await gql(M.repair, {}, { timeoutMs: 180_000 })).repair;
        setRepaired(result);
        setReport(result.report);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const stores = report ? [...new Set(Object.values(report.counts).flatMap((c) => Object.keys(c)))] : [];
  return (
    <section className="card" aria-label="Reconciler">
      <div className="card-head">
        <h2 className="card-title">
          Reconciler <span className="card-sub">every store against its source of truth</span>
        </h2>
        <div className="btn-row">
          <button type="button" className="btn" onClick={() => run('check')} disabled={busy !== null} data-testid="reconcile">
            {busy === 'check' ? 'Comparing…' : 'Check for drift'}
          </button>
          <button type="button" className="btn primary" onClick={() => run('repair')} disabled={busy !== null} title="fix what persists, each store through its owner; idempotent">
            {busy === 'repair' ? 'Repairing…' : 'Repair'}
          </button>
        </div>
      </div>
      {busy && <p className="note">This reads every store through its owner and waits for the pipeline to settle: a few seconds, more on a big data set.</p>}
      {error !== null && <ErrorNote error={error} />}
      {!report && !busy && error === null && <p className="note">Drift seen on a first look is compared again once the pipeline has settled, so a change in flight is not reported.</p>}
      {repaired && (
        <div className="result" role="status">
          Repaired {repaired.repaired.length.toLocaleString()} drift in {formatMs(repaired.durationMs)}; the fresh comparison finds {repaired.report.total.toLocaleString()}.
        </div>
      )}
      {report && (
        <>
          <Outcome ok={report.total === 0} headline={report.total === 0 ? 'No drift.' : `${report.total.toLocaleString()} drift found.`} testId="reconcile-total">
            checked {shortDate(report.checkedAt)} in {formatMs(report.durationMs)}, {report.passes} {report.passes === 1 ? 'pass' : 'passes'}
          </Outcome>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>entities</th>
                  {stores.map((s) => (
                    <th key={s} className="num">
                      {s}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {Object.entries(report.counts).map(([entity, counts]) => {
                  const byStore = new Map<string, number>(Object.entries(counts));
                  return (
                    <tr key={entity}>
                      <th scope="row">{entity}</th>
                      {stores.map((s) => (
                        <td key={s} className="num">
                          {byStore.get(s)?.toLocaleString() ?? '–'}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {report.drift.length > 0 && (
            <div className="table-wrap" style={{ marginTop: 10 }}>
              <table className="data">
                <thead>
                  <tr>
                    <th>kind</th>
                    <th>store</th>
                    <th>entity</th>
                    <th>expected</th>
                    <th>actual</th>
                  </tr>
                </thead>
                <tbody>
                  {report.drift.slice(0, 50).map((d, i) => (
                    <tr key={`${d.store}-${d.entity}-${d.id}-${i}`}>
                      <td>{d.kind}</td>
                      <td>{d.store}</td>
                      <td className="mono">
                        {d.entity} {d.id}
                      </td>
                      <td className="mono">{String(d.expected ?? '–')}</td>
                      <td className="mono">{String(d.actual ?? '–')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {report.drift.length > 50 && <p className="note">and {report.drift.length - 50} more.</p>}
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** A check's result in one line: the verdict, coloured, then what it looked at. */
function Outcome({ ok, headline, testId, children }: { ok: boolean; headline: string; testId?: string; children: ReactNode }) {
  return (
    <p data-testid={testId}>
      <strong className={ok ? 'text-ok' : 'text-down'}>{headline}</strong> <span className="note">{children}</span>
    </p>
  );
}

export function LabPanel() {
  const list = useQuery((signal) => gql(Q.labExperiments, {}, { signal }).then((d) => d.labExperiments), []);
  const [kind, setKind] = useState<(typeof KINDS)[number]>('users');
  const [mode, setMode] = useState<'eventual' | 'strong'>('eventual');
  const [writes, setWrites] = useState(20);
  const [rate, setRate] = useState(10);
  const [running, setRunning] = useState<{ since: number; label: string } | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [fresh, setFresh] = useState<LabExperiment[]>([]);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setElapsed(Date.now() - running.since), 250);
    return () => clearInterval(timer);
  }, [running]);
  // The newest first: those run from this page, then the stored ones.
  const results = useMemo(() => {
    const seen = new Set<string>();
    return [...fresh, ...(list.data ?? [])].filter((r) => !seen.has(r.id) && !!seen.add(r.id)).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  }, [fresh, list.data]);
  const selected = results.find((r) => r.id === selectedId) ?? results[0];

  const run = async (modes: Array<'eventual' | 'strong'>) => {
    setError(null);
    try {
      for (const m of modes) {
        setRunning({ since: Date.now(), label: `${writes} ${KIND_TEXT[kind]}, ${m}` });
        setElapsed(0);
        const { runLabExperiment } = await gql(M.runLab, { input: { kind, mode: m, writes, rate } }, { timeoutMs: 180_000 });
        setFresh((f) => [runLabExperiment, ...f]);
        setSelectedId(runLabExperiment.id);
      }
    } catch (e) {
      setError(e);
    } finally {
      setRunning(null);
      list.reload();
    }
  };
  const expectedS = writes / rate;
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Consistency lab</h1>
          <p>Writes at a fixed rate, each followed at once by a read of the changed entity from every store. Eventual writes answer at the commit, so reads right after are often stale; strong writes answer once every store shows them.</p>
        </div>
      </div>
      <section className="card">
        <h2 className="card-title">Run an experiment</h2>
        <form
          className="form-row"
          onSubmit={(e) => {
            e.preventDefault();
            void run([mode]);
          }}
        >
          <label>
            What
            <select value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])} data-testid="lab-kind">
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_TEXT[k]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Mode
            <select value={mode} onChange={(e) => setMode(e.target.value as 'eventual' | 'strong')} data-testid="lab-mode">
              <option value="eventual">eventual</option>
              <option value="strong">strong</option>
            </select>
          </label>
          <label>
            Writes
            <input type="number" min={1} max={500} value={writes} onChange={(e) => setWrites(Math.max(1, Math.min(500, Number(e.target.value) || 1)))} data-testid="lab-writes" />
          </label>
          <label>
            Per second
            <input type="number" min={0.5} max={100} step={0.5} value={rate} onChange={(e) => setRate(Math.max(0.5, Math.min(100, Number(e.target.value) || 1)))} data-testid="lab-rate" />
          </label>
          <button type="submit" className="btn primary" disabled={running !== null} data-testid="lab-run">
            Run
          </button>
          <button type="button" className="btn" disabled={running !== null} onClick={() => void run(['eventual', 'strong'])}>
            Run both modes
          </button>
        </form>
        {running && (
          <p className="note" role="status" data-testid="lab-running">
            <span className="spinner" aria-hidden="true" /> Running {running.label}: {(elapsed / 1000).toFixed(1)} s (the writes alone take about {expectedS.toFixed(1)} s, after the lab's own users are in every store). Watch them in the Flow view.
          </p>
        )}
        {error !== null && <ErrorNote error={error} />}
      </section>

      {!list.data && list.loading && <Loading what="past experiments" />}
      {list.error !== null && <ErrorNote error={list.error} what="past experiments" retry={list.reload} />}
      {list.data && results.length === 0 && <Empty>No experiment has run yet. Run one above: 20 renames at 10 per second take about three seconds.</Empty>}
      {selected && (
        <section className="card" aria-label="Selected experiment">
          <div className="card-head">
            <h2 className="card-title">
              {selected.input.writes} {KIND_TEXT[selected.input.kind] ?? selected.input.kind}, {selected.input.mode}
              <span className="card-sub">
                {shortDate(selected.startedAt)} · {selected.input.rate}/s · write p50 {formatMs(selected.writeLatencyMs.p50)} · {selected.failedWrites} failed
              </span>
            </h2>
          </div>
          <ExperimentCharts result={selected} />
          <VerdictCard result={selected} />
        </section>
      )}
      {results.length > 0 && (
        <div className="grid grid-2">
          <section className="card">
            <h2 className="card-title">Eventual against strong</h2>
            <div className="segmented" role="group" aria-label="Kind of write" style={{ marginBottom: 8 }}>
              {KINDS.map((k) => (
                <button key={k} type="button" aria-pressed={kind === k} onClick={() => setKind(k)}>
                  {k}
                </button>
              ))}
            </div>
            <ModeComparison results={results} kind={kind} />
          </section>
          <section className="card">
            <h2 className="card-title">Past experiments</h2>
            <div className="table-wrap">
              <table className="data" data-testid="lab-results">
                <thead>
                  <tr>
                    <th>when</th>
                    <th>what</th>
                    <th>mode</th>
                    <th className="num">stale reads</th>
                    <th className="num">p50 visible</th>
                    <th>checker</th>
                  </tr>
                </thead>
                <tbody>
                  {results.slice(0, 15).map((r) => {
                    const fed = r.stores.filter((s) => s.role !== 'source');
                    return (
                      <tr key={r.id} className={r.id === selected?.id ? 'selected-row' : undefined}>
                        <td>
                          <button type="button" className="link-button" onClick={() => setSelectedId(r.id)}>
                            {new Date(r.startedAt).toLocaleTimeString()}
                          </button>
                        </td>
                        <td>
                          {r.input.writes} {r.input.kind}
                        </td>
                        <td>{r.input.mode}</td>
                        <td className="num">
                          {fed.reduce((a, s) => a + s.stale, 0)} / {fed.reduce((a, s) => a + s.reads, 0)}
                        </td>
                        <td className="num">{formatMs(Math.max(...fed.map((s) => s.timeToVisibleMs.p50 ?? 0)))}</td>
                        <td>{!r.verdict ? <span className="note">–</span> : r.verdict.valid ? <span className="text-ok">valid</span> : <span className="text-down">{r.verdict.anomalies.length + r.verdict.anomaliesOmitted} anomalies</span>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        </div>
      )}
      <Reconciler />
    </div>
  );
}
