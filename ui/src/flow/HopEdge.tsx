// One hop of the pipeline: the line, the dots the animator moves along it, and
// a label with how many changes took it and the delay measured there (p50 of
// the last 200).
import { EdgeLabelRenderer, getBezierPath, getSmoothStepPath, type Edge, type EdgeProps } from '@xyflow/react';
import { useLayoutEffect, useRef } from 'react';
import { formatMs } from '../state/components.ts';
import { useStore } from '../state/store.ts';
import { registerEdge } from './animator.ts';
import { edgeStat, edgeStatsVersion, percentile } from './edge-stats.ts';
import type { EdgeSpec } from './topology.ts';

export type HopEdgeType = Edge<{ spec: EdgeSpec }, 'hop'>;

function EdgeFigures({ spec, x, y }: { spec: EdgeSpec; x: number; y: number }) {
  useStore(edgeStatsVersion);
  const stat = edgeStat(spec.id);
  const p50 = stat ? percentile(stat.delays, 50) : null;
  return (
    <div className={`edge-label edge-label-${spec.role}`} style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }} data-testid={`edge-${spec.id}`} data-count={stat?.count ?? 0}>
      <span className="edge-count" title="changes that took this hop since the page opened">{(stat?.count ?? 0).toLocaleString()}</span>
      {spec.delay && (
        <span className="edge-delay" title={`${spec.delay}: median of the last ${stat?.delays.length ?? 0} changes (last ${formatMs(stat?.last)})`}>
          {p50 === null ? '–' : formatMs(p50)}
        </span>
      )}
    </div>
  );
}

export function HopEdge(props: EdgeProps<HopEdgeType>) {
  const spec = props.data!.spec;
  const [path, labelX, labelY] = spec.step !== undefined ? getSmoothStepPath({ ...props, borderRadius: 12, offset: spec.step }) : getBezierPath(props);
  const pathRef = useRef<SVGPathElement>(null);
  const layerRef = useRef<SVGGElement>(null);
  useLayoutEffect(() => {
    if (!spec.live || !pathRef.current || !layerRef.current) return;
    return registerEdge(spec.id, pathRef.current, layerRef.current, spec.target);
  }, [spec, path]);
  return (
    <>
      <path ref={pathRef} d={path} className={`edge edge-${spec.role}${spec.live ? '' : ' edge-static'}`} markerEnd={props.markerEnd} fill="none" />
      <g ref={layerRef} className="particles" />
      {spec.live && (
        <EdgeLabelRenderer>
          <EdgeFigures spec={spec} x={labelX} y={labelY} />
        </EdgeLabelRenderer>
      )}
    </>
  );
}
