// Analytics, in TimescaleDB: one row per change, written by the analytics
// projection. Events per minute by type (time_bucket), totals, the most
// active users, the latest events.
import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Q } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import type { Analytics } from '../api/types.ts';
import { AXIS, colourOf } from '../components/charts.ts';
import { clock } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { Empty, ErrorNote, Loading } from '../components/States.tsx';
import { useQuery, useRefreshOnChanges } from '../state/query.ts';
import { userLabel, useUsers } from '../state/users.ts';

function minuteLabel(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Per minute, one column per event type; minutes without events are there, at zero. */
function pivot(series: Analytics['series']): { rows: Array<Record<string, number | string>>; types: string[] } {
  const types = [...new Set(series.map((p) => p.event_type))].sort();
  if (series.length === 0) return { rows: [], types };
  const byMinute = new Map<number, Record<string, number | string>>();
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const p of series) {
    const t = Date.parse(p.minute);
    first = Math.min(first, t);
    last = Math.max(last, t);
    const row = byMinute.get(t) ?? { minute: minuteLabel(p.minute) };
    row[p.event_type] = ((row[p.event_type] as number | undefined) ?? 0) + p.count;
    byMinute.set(t, row);
  }
  const rows: Array<Record<string, number | string>> = [];
  for (let t = first; t <= last; t += 60_000) {
    const row = byMinute.get(t) ?? { minute: minuteLabel(new Date(t).toISOString()) };
    for (const type of types) row[type] ??= 0;
    rows.push(row);
  }
  return { rows, types };
}

export function AnalyticsPanel() {
  const analytics = useQuery((signal) => gql(Q.analytics, {}, { signal, timeoutMs: 15_000 }).then((d) => d.analytics), []);
  useRefreshOnChanges((c) => c.projection === 'analytics', analytics.reload, 3000);
  const { byId } = useUsers();
  const data = analytics.data;
  const perMinute = useMemo(() => (data ? pivot(data.series) : null), [data]);
  const types = useMemo(() => (data ? [...data.stats.eventTypes].sort((a, b) => b.count - a.count) : []), [data]);
  const top = useMemo(() => (data ? data.topUsers.map((u) => ({ name: userLabel(byId, u.user_id), id: u.user_id, events: u.events })) : []), [data, byId]);
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Analytics · TimescaleDB</h1>
          <p>Every change becomes one row in a hypertable, written by the analytics projection (idempotent: a replay adds nothing). The charts are time_bucket queries.</p>
        </div>
        {analytics.loading && data && <span className="note">refreshing…</span>}
      </div>
      {!data && analytics.loading && <Loading what="analytics from TimescaleDB" />}
      {analytics.error !== null && <ErrorNote error={analytics.error} what="the analytics" retry={analytics.reload} />}
      {data && (
        <>
          <dl className="figures big" data-testid="analytics-totals">
            <div>
              <dt>events recorded</dt>
              <dd>{data.stats.totalEvents.toLocaleString()}</dd>
            </div>
            <div>
              <dt>users (created − deleted)</dt>
              <dd>{data.stats.totalUsers.toLocaleString()}</dd>
            </div>
            <div>
              <dt>posts (created − deleted)</dt>
              <dd>{data.stats.totalPosts.toLocaleString()}</dd>
            </div>
            <div>
              <dt>event types</dt>
              <dd>{types.length}</dd>
            </div>
          </dl>
          <section className="card">
            <h2 className="card-title">
              Events per minute by type <span className="card-sub">last hour</span>
            </h2>
            {perMinute && perMinute.rows.length > 0 ? (
              <div className="chart-box" data-testid="events-per-minute">
                <ResponsiveContainer>
                  <BarChart data={perMinute.rows} margin={{ top: 6, right: 8, bottom: 0, left: -8 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke="#edf0f4" vertical={false} />
                    <XAxis dataKey="minute" {...AXIS} minTickGap={18} />
                    <YAxis {...AXIS} allowDecimals={false} />
                    <Tooltip cursor={{ fill: 'rgba(35,121,138,0.06)' }} />
                    <Legend wrapperStyle={{ fontSize: 11 }} />
                    {perMinute.types.map((t) => (
                      <Bar key={t} dataKey={t} stackId="events" fill={colourOf(t)} isAnimationActive={false} />
                    ))}
                  </BarChart>
                </ResponsiveContainer>
              </div>
            ) : (
              <Empty>No events in the last hour.</Empty>
            )}
          </section>
          <div className="grid grid-2">
            <section className="card">
              <h2 className="card-title">All events by type</h2>
              {types.length === 0 ? (
                <Empty>No events recorded yet.</Empty>
              ) : (
                <div className="chart-box" style={{ height: Math.max(160, types.length * 26 + 30) }}>
                  <ResponsiveContainer>
                    <BarChart data={types} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 40 }}>
                      <XAxis type="number" {...AXIS} allowDecimals={false} />
                      <YAxis type="category" dataKey="type" {...AXIS} width={120} />
                      <Tooltip cursor={{ fill: 'rgba(35,121,138,0.06)' }} />
                      <Bar dataKey="count" isAnimationActive={false} fill="#23798a" radius={[0, 4, 4, 0]} />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              )}
            </section>
            <section className="card">
              <h2 className="card-title">Most active users</h2>
              {top.length === 0 ? (
                <Empty>No user has events yet.</Empty>
              ) : (
                <div className="chart-box" style={{ height: Math.max(160, top.length * 26 + 30) }}>
                  <ResponsiveContainer>
                    <BarChart data={top} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 40 }}>
                      <XAxis type="number" {...AXIS} allowDecimals={false} />
                      <YAxis type="category" dataKey="name" {...AXIS} width={120} />
                      <Tooltip cursor={{ fill: 'rgba(35,121,138,0.06)' }} />
                      <Bar dataKey="events" isAnimationActive={false} fill="#3b6fd8" radius={[0, 4, 4, 0]} />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              )}
            </section>
          </div>
          <section className="card">
            <h2 className="card-title">Latest events</h2>
            {data.events.length === 0 ? (
              <Empty>No events yet.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="data">
                  <thead>
                    <tr>
                      <th>time</th>
                      <th>type</th>
                      <th>user</th>
                      <th className="hide-narrow">properties</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.events.slice(0, 20).map((e, i) => (
                      <tr key={`${e.time}-${i}`}>
                        <td className="mono">{clock(Date.parse(e.time))}</td>
                        <td>
                          <span className="swatch" style={{ background: colourOf(e.event_type) }} /> <code>{e.event_type}</code>
                        </td>
                        <td>{e.user_id !== null ? <Link to={`/graph/${e.user_id}`}>{userLabel(byId, e.user_id)}</Link> : '–'}</td>
                        <td className="hide-narrow mono" style={{ maxWidth: 380, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                          {JSON.stringify(e.properties)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </div>
  );
}
