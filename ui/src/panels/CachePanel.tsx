// The cache, Redis: hit ratio, keys, memory and operations per second, from
// Redis INFO (cacheStatus), sampled every second while this view is open.
import { useEffect, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Q } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import type { CacheStatus } from '../api/types.ts';
import { AXIS } from '../components/charts.ts';
import { ErrorNote, Loading } from '../components/States.tsx';

const SAMPLE_MS = 1000;
const KEEP = 180;

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 });

interface Sample extends CacheStatus {
  t: number;
  label: string;
  /** Exact, for the chart (memory is rounded to 2 decimals). */
  memoryMiB: number;
}

function Chart({ data, dataKey, colour, unit, domain, testId }: { data: Sample[]; dataKey: keyof Sample; colour: string; unit: string; domain?: [number, number]; testId?: string }) {
  return (
    <div className="chart-box small" data-testid={testId}>
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 6, right: 8, bottom: 0, left: -6 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#edf0f4" vertical={false} />
          <XAxis dataKey="label" {...AXIS} minTickGap={40} />
          <YAxis {...AXIS} domain={domain ?? ['auto', 'auto']} unit={unit} width={64} tickFormatter={(v: number) => compact.format(v)} />
          <Tooltip formatter={(v) => [`${typeof v === 'number' ? Number(v.toFixed(2)).toLocaleString() : String(v)}${unit}`, String(dataKey)]} />
          <Line type="linear" dataKey={dataKey as string} stroke={colour} strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function CachePanel() {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const sample = async () => {
      const t = Date.now();
      try {
        const { cacheStatus } = await gql(Q.cacheStatus, {}, { timeoutMs: 4000 });
        if (stopped) return;
        const d = new Date(t);
        setSamples((s) => [
          ...s.slice(-(KEEP - 1)),
          { ...cacheStatus, t, label: d.toLocaleTimeString([], { hour12: false }), memoryMiB: cacheStatus.memoryBytes / 1024 / 1024 },
        ]);
        setError(null);
      } catch (e) {
        if (!stopped) setError(e);
      }
      if (!stopped) timer = window.setTimeout(sample, Math.max(0, SAMPLE_MS - (Date.now() - t)));
    };
    void sample();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  const last = samples.at(-1);
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Cache · Redis</h1>
          <p>Profiles and whole pages cached by the gateway (cache-aside), kept current by the cache projection; also sessions, watermarks and the pipeline's signals. Sampled from Redis INFO every second while this view is open.</p>
        </div>
        {last && <span className="note">{samples.length} samples</span>}
      </div>
      {!last && !error && <Loading what="Redis INFO" />}
      {error !== null && <ErrorNote error={error} what="the cache status" />}
      {last && (
        <>
          {!last.connected && <p className="note warn">Redis does not answer the gateway: the figures below are the last it gave.</p>}
          <dl className="figures big" data-testid="cache-figures">
            <div>
              <dt>hit ratio</dt>
              <dd>{last.hitRate.toFixed(1)} %</dd>
            </div>
            <div>
              <dt>keys</dt>
              <dd>{last.keys.toLocaleString()}</dd>
            </div>
            <div>
              <dt>memory</dt>
              <dd title={`${last.memoryBytes.toLocaleString()} bytes (${last.memoryHuman})`}>{last.memory.toLocaleString()} MiB</dd>
            </div>
            <div>
              <dt>ops / s</dt>
              <dd>{last.opsPerSec.toLocaleString()}</dd>
            </div>
            <div>
              <dt>hits / misses</dt>
              <dd style={{ fontSize: 16 }}>
                {last.hits.toLocaleString()} / {last.misses.toLocaleString()}
              </dd>
            </div>
            <div>
              <dt>evictions</dt>
              <dd>{last.evictions.toLocaleString()}</dd>
            </div>
          </dl>
          <div className="grid grid-2">
            <section className="card">
              <h2 className="card-title">Operations per second</h2>
              <Chart data={samples} dataKey="opsPerSec" colour="#c4412f" unit="" testId="cache-ops" />
            </section>
            <section className="card">
              <h2 className="card-title">Hit ratio</h2>
              <Chart data={samples} dataKey="hitRate" colour="#2f9e6e" unit="%" domain={[0, 100]} />
            </section>
            <section className="card">
              <h2 className="card-title">Keys</h2>
              <Chart data={samples} dataKey="keys" colour="#23798a" unit="" />
            </section>
            <section className="card">
              <h2 className="card-title">Memory</h2>
              <Chart data={samples} dataKey="memoryMiB" colour="#b7791f" unit=" MiB" />
            </section>
          </div>
        </>
      )}
    </div>
  );
}
