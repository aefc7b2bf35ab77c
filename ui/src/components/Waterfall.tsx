// A trace as a waterfall: one row per span, indented under its parent,
// coloured by the service that recorded it, its bar placed by when it started
// and as long as it lasted on one time axis for the whole trace. A row opens
// to show the span's attributes; a span with children folds them away.
import { Fragment, useMemo, useState, type CSSProperties } from 'react';
import type { Trace, TraceSpan } from '../api/types.ts';
import { clock } from './format.ts';
import { attributeText, rulerTicks, serviceColour, spanMs, tickText, waterfallRows } from './trace-layout.ts';

const KIND_TEXT: Record<string, string> = { server: 'served a request', client: 'made a request', producer: 'produced to Kafka', consumer: 'consumed from Kafka', internal: 'inside the process' };

function SpanDetail({ span }: { span: TraceSpan }) {
  const attributes = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="wf-detail" data-testid="trace-span-detail">
      <dl className="wf-facts">
        <div>
          <dt>service</dt>
          <dd>{span.service}</dd>
        </div>
        <div>
          <dt>kind</dt>
          <dd>
            {span.kind ?? 'internal'} <span className="note">({KIND_TEXT[span.kind ?? 'internal']})</span>
          </dd>
        </div>
        <div>
          <dt>status</dt>
          <dd className={span.status === 'error' ? 'text-down' : 'text-ok'}>{span.status}</dd>
        </div>
        <div>
          <dt>started</dt>
          <dd className="mono">
            {clock(Date.parse(span.startedAt))} · +{spanMs(span.startOffsetMs)}
          </dd>
        </div>
        <div>
          <dt>took</dt>
          <dd className="mono">{spanMs(span.durationMs)}</dd>
        </div>
        <div>
          <dt>span</dt>
          <dd className="mono">
            {span.spanId}
            {span.parentSpanId && <span className="note"> under {span.parentSpanId}</span>}
          </dd>
        </div>
      </dl>
      {attributes.length > 0 ? (
        <table className="mini-table wf-attributes">
          <caption>Attributes</caption>
          <tbody>
            {attributes.map(([key, value]) => (
              <tr key={key}>
                <th scope="row" className="mono">
                  {key}
                </th>
                <td className="mono">{attributeText(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="note">No attributes recorded.</p>
      )}
    </div>
  );
}

export function Waterfall({ trace }: { trace: Trace }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => waterfallRows(trace, collapsed), [trace, collapsed]);
  const total = Math.max(trace.durationMs, 0.001);
  const ticks = rulerTicks(trace.durationMs);
  const step = ticks.length > 1 ? ticks[1]! : total;
  const toggle = (set: ReadonlySet<string>, id: string) => {
    const next = new Set(set);
    if (!next.delete(id)) next.add(id);
    return next;
  };
  const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / total) * 100))}%`;

  return (
    <div className="wf" data-testid="trace-waterfall" style={{ '--wf-tick': pct(step) } as CSSProperties}>
      <div className="wf-row wf-head" aria-hidden="true">
        <div className="wf-label-head">Span · service</div>
        <div className="wf-ruler">
          {ticks.map((t) => (
            <span key={t} className="wf-tick" style={{ left: pct(t) }}>
              {tickText(t)}
            </span>
          ))}
        </div>
      </div>
      <ul className="wf-rows">
        {rows.map(({ span, depth, children, orphan }) => {
          const colour = serviceColour(span.service);
          const isOpen = open.has(span.spanId);
          const isCollapsed = collapsed.has(span.spanId);
          const end = span.startOffsetMs + span.durationMs;
          // The length sits right of the bar; left of it when the bar ends near the right edge; inside it
          // when it also starts near the left one (a long span).
          const place = end / total < 0.78 ? 'right' : span.startOffsetMs / total > 0.22 ? 'left' : 'inside';
          return (
            <Fragment key={span.spanId}>
              <li className={`wf-row${isOpen ? ' open' : ''}${span.status === 'error' ? ' wf-error' : ''}`} data-testid="trace-row" data-service={span.service} data-span-id={span.spanId} data-status={span.status}>
                <div className="wf-label" style={{ paddingLeft: `calc(${depth} * var(--wf-indent))` }}>
                  {children > 0 ? (
                    <button
                      type="button"
                      className="wf-caret"
                      aria-expanded={!isCollapsed}
                      aria-label={`${isCollapsed ? 'show' : 'hide'} the ${children} span${children === 1 ? '' : 's'} under ${span.name}`}
                      onClick={() => setCollapsed((c) => toggle(c, span.spanId))}
                    >
                      {isCollapsed ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span className="wf-caret-space" aria-hidden="true" />
                  )}
                  <button type="button" className="wf-name-button" aria-expanded={isOpen} onClick={() => setOpen((o) => toggle(o, span.spanId))} title={`${span.name} (${span.service}): show its attributes`}>
                    <span className="wf-swatch" style={{ background: colour }} aria-hidden="true" />
                    <span className="wf-name">{span.name}</span>
                    <span className="wf-service" style={{ color: colour }}>
                      {span.service}
                    </span>
                    {span.status === 'error' && <span className="wf-badge-error">error</span>}
                    {orphan && (
                      <span className="wf-badge" title={`its parent span ${span.parentSpanId} is not in the trace (not exported, or lost)`}>
                        parent missing
                      </span>
                    )}
                    {isCollapsed && <span className="wf-badge">+{children}</span>}
                  </button>
                </div>
                <div className="wf-track">
                  <span className="wf-bar" style={{ left: pct(span.startOffsetMs), width: `max(2px, ${pct(span.durationMs)})`, background: colour }} />
                  <span
                    className={`wf-duration${place === 'inside' ? ' inside' : ''}`}
                    style={
                      place === 'right'
                        ? { left: `calc(${pct(end)} + 5px)` }
                        : place === 'left'
                          ? { right: `calc(${pct(total - span.startOffsetMs)} + 5px)` }
                          : { right: `calc(${pct(total - end)} + 5px)` }
                    }
                  >
                    {spanMs(span.durationMs)}
                  </span>
                </div>
              </li>
              {isOpen && (
                <li className="wf-detail-row" style={{ paddingLeft: `calc(${depth} * var(--wf-indent) + 22px)` }}>
                  <SpanDetail span={span} />
                </li>
              )}
            </Fragment>
          );
        })}
      </ul>
    </div>
  );
}
