// One part of the system in the flow view: its name, what it is, and its
// state from the live health report (colour and words, never colour alone).
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { createContext, useContext, type CSSProperties } from 'react';
import type { ComponentId, ComponentStatus } from '../state/components.ts';
import type { NodeSpec } from './topology.ts';

export type ComponentNodeData = { spec: NodeSpec };
export type ComponentNodeType = Node<ComponentNodeData, 'component'>;

export const StatusContext = createContext<Record<ComponentId, ComponentStatus> | null>(null);

const HANDLES: Array<{ id: string; position: Position }> = [
  { id: 'l', position: Position.Left },
  { id: 'r', position: Position.Right },
  { id: 't', position: Position.Top },
  { id: 'b', position: Position.Bottom },
];

export function ComponentNode({ data }: NodeProps<ComponentNodeType>) {
  const { spec } = data;
  const status = useContext(StatusContext)?.[spec.id] ?? { level: 'unknown', text: 'unknown' };
  return (
    <div
      className={`node node-${spec.kind} level-${status.level}`}
      style={spec.accent ? ({ '--accent': spec.accent } as CSSProperties) : undefined}
      title={status.detail ?? `${spec.title}: ${status.text}`}
      data-testid={`node-${spec.id}`}
      data-level={status.level}
    >
      {HANDLES.map((h) => (
        <Handle key={`t-${h.id}`} type="target" id={h.id} position={h.position} isConnectable={false} />
      ))}
      {HANDLES.map((h) => (
        <Handle key={`s-${h.id}`} type="source" id={h.id} position={h.position} isConnectable={false} />
      ))}
      <div className="node-head">
        <span className="status-dot" aria-hidden="true" />
        <strong>{spec.title}</strong>
      </div>
      <div className="node-tech">{spec.tech}</div>
      <div className="node-state">
        <span className="node-state-text">{status.text}</span>
        {status.metric && <span className="node-metric">{status.metric}</span>}
      </div>
    </div>
  );
}
