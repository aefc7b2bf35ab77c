// The first view: the architecture, live. Dots travel the edges as the
// projections report applying real changes; each edge counts what took it and
// shows the delay measured there; nodes take the colour of their health.
import { Background, Controls, MarkerType, ReactFlow, type NodeMouseHandler } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, useState } from 'react';
import { link } from '../api/live.ts';
import { RecentChanges } from '../components/RecentChanges.tsx';
import { feedError, feedTotals, feedVersion, noticeRate } from '../state/changes.ts';
import { formatMs, PROJECTION_OF, useComponentStatuses, type ComponentId } from '../state/components.ts';
import { healthStore } from '../state/health.ts';
import { useStore } from '../state/store.ts';
import { animationCounts } from './animator.ts';
import { ComponentNode, StatusContext, type ComponentNodeType } from './ComponentNode.tsx';
import { edgeStat, edgeStatsVersion, percentile, toKafkaStatId } from './edge-stats.ts';
import { HopEdge, type HopEdgeType } from './HopEdge.tsx';
import { EDGES, NODES, PROJECTION_HOPS, SOURCE_COLOURS } from './topology.ts';

const nodeTypes = { component: ComponentNode };
const edgeTypes = { hop: HopEdge };

const initialNodes: ComponentNodeType[] = NODES.map((spec) => ({
  id: spec.id,
  type: 'component',
  position: { x: spec.x, y: spec.y },
  data: { spec },
  draggable: false,
  connectable: false,
  ariaLabel: `${spec.title}, ${spec.tech}`,
}));

const initialEdges: HopEdgeType[] = EDGES.map((spec) => ({
  id: spec.id,
  source: spec.source,
  target: spec.target,
  sourceHandle: spec.from ?? 'r',
  targetHandle: spec.to ?? 'l',
  type: 'hop',
  data: { spec },
  focusable: false,
  markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14, color: spec.live ? '#8a97a8' : '#c3cbd5' },
}));

function LiveSummary() {
  useStore(feedVersion);
  useStore(edgeStatsVersion);
  const error = useStore(feedError);
  const linkState = useStore(link).state;
  const visible = (['graph', 'cache', 'analytics'] as const).map((p) => {
    const stat = edgeStat(PROJECTION_HOPS[p][1]);
    return { p, p50: stat ? percentile(stat.delays, 50) : null, p99: stat ? percentile(stat.delays, 99) : null, n: stat?.count ?? 0 };
  });
  const toKafka = (['users', 'posts', 'graph'] as const).map((s) => {
    const stat = edgeStat(toKafkaStatId(s));
    return { s, p50: stat ? percentile(stat.delays, 50) : null };
  });
  return (
    <section className="card" aria-label="Live figures">
      <h2 className="card-title">Live</h2>
      {linkState !== 'open' && <p className="note warn">No live connection to the gateway; reconnecting…</p>}
      {error && (
        <p className="note warn" data-testid="feed-error">
          The change feed failed: {error}
        </p>
      )}
      <dl className="figures">
        <div>
          <dt>changes seen</dt>
          <dd data-testid="changes-seen">{feedTotals.changes.toLocaleString()}</dd>
        </div>
        <div>
          <dt>applied / s</dt>
          <dd>{noticeRate().toFixed(1)}</dd>
        </div>
        <div>
          <dt>dots drawn / sampled out</dt>
          <dd>
            {animationCounts.drawn.toLocaleString()} / {animationCounts.sampledOut.toLocaleString()}
          </dd>
        </div>
      </dl>
      <table className="mini-table">
        <caption>commit → visible, since this page opened (p50 / p99)</caption>
        <tbody>
          {visible.map((v) => (
            <tr key={v.p}>
              <th scope="row">{v.p === 'graph' ? 'Neo4j' : v.p === 'cache' ? 'Redis' : 'TimescaleDB'}</th>
              <td>{v.n === 0 ? 'no change yet' : `${formatMs(v.p50)} / ${formatMs(v.p99)}`}</td>
            </tr>
          ))}
          {toKafka.map((k) => (
            <tr key={k.s}>
              <th scope="row">{k.s} → Kafka</th>
              <td>{k.p50 === null ? '–' : formatMs(k.p50)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {feedTotals.dropped > 0 && <p className="note">The gateway merged {feedTotals.dropped.toLocaleString()} changes into counts only (more than 2,000 in a window).</p>}
    </section>
  );
}

function Legend() {
  return (
    <section className="card legend" aria-label="Legend">
      <h2 className="card-title">How to read it</h2>
      <ul>
        {(Object.keys(SOURCE_COLOURS) as Array<keyof typeof SOURCE_COLOURS>).map((s) => (
          <li key={s}>
            <span className="swatch" style={{ background: SOURCE_COLOURS[s] }} aria-hidden="true" /> a change born in {s === 'users' ? 'PostgreSQL (users)' : s === 'posts' ? 'FerretDB (posts)' : 'Neo4j (follows)'}
          </li>
        ))}
        <li>
          <span className="edge-label inline">
            <span className="edge-count">12</span>
            <span className="edge-delay">18 ms</span>
          </span>{' '}
          changes on that hop · median delay
        </li>
        <li>
          <span className="status-dot level-ok" /> up <span className="status-dot level-warn" /> paused or behind <span className="status-dot level-down" /> down
        </li>
      </ul>
      <p className="note">
        A dot is a real change, drawn when a projection reports applying it (at most 6 dots per hop per second, except the writes made from this browser; the counters count all). Grey lines carry requests or
        changes that are not reported one by one.
      </p>
    </section>
  );
}

function NodeDetail({ id, onClose }: { id: ComponentId; onClose: () => void }) {
  const statuses = useComponentStatuses();
  const health = useStore(healthStore).health;
  const spec = NODES.find((n) => n.id === id)!;
  const st = statuses[id];
  const projection = id in PROJECTION_OF ? health?.pipeline.projections[PROJECTION_OF[id as keyof typeof PROJECTION_OF].name] : undefined;
  return (
    <section className="card node-detail" aria-label={`${spec.title} details`}>
      <div className="card-head">
        <h2 className="card-title">
          <span className={`status-dot level-${st.level}`} aria-hidden="true" /> {spec.title}
        </h2>
        <button type="button" className="btn ghost small" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </div>
      <p>
        <strong>{st.text}</strong>
        {st.metric ? ` · ${st.metric}` : ''}
      </p>
      {st.detail && <p className="note">{st.detail}</p>}
      {projection && (
        <dl className="figures">
          <div>
            <dt>processed</dt>
            <dd>{projection.processed?.toLocaleString() ?? '–'}</dd>
          </div>
          <div>
            <dt>failed tries</dt>
            <dd>{projection.failed ?? '–'}</dd>
          </div>
          <div>
            <dt>dead-lettered</dt>
            <dd>{projection.deadLettered ?? '–'}</dd>
          </div>
          <div>
            <dt>p99</dt>
            <dd>{formatMs(projection.latency?.p99)}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}

export function FlowView() {
  const statuses = useComponentStatuses();
  const [selected, setSelected] = useState<ComponentId | null>(null);
  const onNodeClick: NodeMouseHandler = (_event, node) => setSelected(node.id as ComponentId);
  const nodes = useMemo(() => initialNodes, []);
  const edges = useMemo(() => initialEdges, []);
  // A phone cannot show the whole diagram legibly: it opens on the middle (Kafka) at a readable zoom, to pan from there.
  const [narrow] = useState(() => window.innerWidth < 700);
  const kafka = NODES.find((n) => n.id === 'kafka')!;
  const phoneViewport = { zoom: 0.62, x: window.innerWidth / 2 - 12 - (kafka.x + 80) * 0.62, y: 180 - (kafka.y + 30) * 0.62 };
  return (
    <div className="flow-view">
      <section className="flow-canvas" aria-label="The system, live: every change as it travels between the stores">
        <StatusContext.Provider value={statuses}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            {...(narrow ? { defaultViewport: phoneViewport } : { fitView: true, fitViewOptions: { padding: 0.04 } })}
            minZoom={0.25}
            maxZoom={2}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable
            onNodeClick={onNodeClick}
            // A node chosen with the keyboard (Tab to it, Enter) opens its details too.
            onSelectionChange={({ nodes: chosen }) => chosen[0] && setSelected(chosen[0].id as ComponentId)}
            onPaneClick={() => setSelected(null)}
          >
            <Background gap={24} size={1} color="#e3e7ec" />
            <Controls showInteractive={false} position="bottom-left" />
          </ReactFlow>
        </StatusContext.Provider>
        {selected && <NodeDetail id={selected} onClose={() => setSelected(null)} />}
        {narrow && <p className="canvas-hint">Drag to move along the pipeline, pinch to zoom.</p>}
      </section>
      <div className="flow-below">
        <LiveSummary />
        <RecentChanges limit={8} title="Latest changes" />
        <Legend />
      </div>
    </div>
  );
}
