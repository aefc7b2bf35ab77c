// The follow graph, in Neo4j: one person and everyone they follow or are
// followed by, drawn as a graph to explore (click someone to move to them),
// with follow and unfollow. Names are what the graph projection put in Neo4j.
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import { M, Q } from '../api/documents.ts';
import { gql, gqlWrite } from '../api/graphql.ts';
import type { Relationship } from '../api/types.ts';
import { Link } from '../components/Link.tsx';
import { Empty, ErrorNote, Loading } from '../components/States.tsx';
import { UserPicker } from '../components/UserPicker.tsx';
import type { WriteOutcome } from '../components/PostCard.tsx';
import { ModeToggle, WriteResult } from '../components/WriteResult.tsx';
import { latestTokenOf } from '../state/changes.ts';
import { formatMs } from '../state/components.ts';
import { useQuery, useRefreshOnChanges } from '../state/query.ts';
import { navigate } from '../state/router.ts';
import { useUsers } from '../state/users.ts';
import { myWrites, recordWrite } from '../state/writes.ts';

const MAX_PER_SIDE = 18;

type PersonData = { name: string; role: 'center' | 'followee' | 'follower' | 'mutual'; id: number };

function PersonNode({ data }: NodeProps<Node<PersonData>>) {
  return (
    <div className={`person ${data.role}`} title={`${data.name} (#${data.id}): ${data.role === 'center' ? 'shown' : data.role === 'mutual' ? 'they follow each other' : data.role}`} data-testid={`person-${data.id}`}>
      <Handle type="target" id="l" position={Position.Left} isConnectable={false} />
      <Handle type="source" id="r" position={Position.Right} isConnectable={false} />
      <Handle type="target" id="t" position={Position.Top} isConnectable={false} />
      <Handle type="source" id="t" position={Position.Top} isConnectable={false} />
      <Handle type="target" id="b" position={Position.Bottom} isConnectable={false} />
      <Handle type="source" id="b" position={Position.Bottom} isConnectable={false} />
      {data.name}
    </div>
  );
}
const nodeTypes = { person: PersonNode };

interface Neighbourhood {
  followees: Map<number, string | null>;
  followers: Map<number, string | null>;
  name: string | null;
}

function neighbourhood(rels: Relationship[], id: number): Neighbourhood {
  const followees = new Map<number, string | null>();
  const followers = new Map<number, string | null>();
  let name: string | null = null;
  for (const r of rels) {
    if (r.followerId === id) {
      followees.set(r.followeeId, r.followeeName);
      name ??= r.followerName;
    }
    if (r.followeeId === id) {
      followers.set(r.followerId, r.followerName);
      name ??= r.followeeName;
    }
  }
  return { followees, followers, name };
}

/** Followers in columns on the left, followees on the right, both-ways above: arrows read left to right. */
function layout(center: { id: number; name: string }, hood: Neighbourhood): { nodes: Node<PersonData>[]; edges: Edge[]; hidden: number } {
  const mutual = [...hood.followees.keys()].filter((id) => hood.followers.has(id));
  const followees = [...hood.followees.keys()].filter((id) => !hood.followers.has(id));
  const followers = [...hood.followers.keys()].filter((id) => !hood.followees.has(id));
  const nodes: Node<PersonData>[] = [{ id: String(center.id), type: 'person', position: { x: -80, y: -18 }, data: { name: center.name, role: 'center', id: center.id } }];
  const edges: Edge[] = [];
  let hidden = 0;
  const ROWS = 9;
  const place = (ids: number[], role: PersonData['role'], at: (i: number, count: number) => { x: number; y: number }) => {
    const shown = ids.slice(0, MAX_PER_SIDE);
    hidden += ids.length - shown.length;
    shown.forEach((id, i) => {
      const name = hood.followees.get(id) ?? hood.followers.get(id) ?? null;
      nodes.push({ id: String(id), type: 'person', position: at(i, shown.length), data: { name: name ?? `#${id}`, role, id } });
      const colour = role === 'mutual' ? '#2f9e6e' : role === 'followee' ? '#9b59b6' : '#3b6fd8';
      const style = { stroke: colour, strokeWidth: 1.4 };
      const marker = { type: MarkerType.ArrowClosed, color: colour };
      const up = role === 'mutual';
      if (role !== 'follower') edges.push({ id: `${center.id}>${id}`, source: String(center.id), target: String(id), sourceHandle: up ? 't' : 'r', targetHandle: up ? 'b' : 'l', markerEnd: marker, style });
      if (role !== 'followee') edges.push({ id: `${id}>${center.id}`, source: String(id), target: String(center.id), sourceHandle: up ? 'b' : 'r', targetHandle: up ? 't' : 'l', markerEnd: marker, style });
    });
  };
  // Columns of at most ROWS people, centred on the middle row; the second column further out.
  const column = (side: -1 | 1) => (i: number, count: number) => {
    const col = Math.floor(i / ROWS);
    const inCol = Math.min(ROWS, count - col * ROWS);
    const row = i % ROWS;
    return { x: side * (300 + col * 200) - 80, y: (row - (inCol - 1) / 2) * 46 - 16 };
  };
  place(followers, 'follower', column(-1));
  place(followees, 'followee', column(1));
  place(mutual, 'mutual', (i, count) => ({ x: (i % 6) * 190 - ((Math.min(6, count) - 1) * 190) / 2 - 80, y: -150 - Math.floor(i / 6) * 50 }));
  return { nodes, edges, hidden };
}

/** Whether Neo4j has this user: the graph projection's record of the newest change of theirs this page knows of. */
function InNeo4j({ userId }: { userId: number }) {
  const token = myWrites.get().find((w) => w.token.startsWith(`users:${userId}:`))?.token ?? latestTokenOf('users', userId);
  const state = useQuery(async (signal) => (token ? (await gql(Q.consistency, { token }, { signal })).consistency : null), [token]);
  if (!token) return <span className="note">No change of this user seen since the page opened.</span>;
  if (state.error !== null) return <span className="note">Could not ask where {token} is visible.</span>;
  const graph = state.data?.projections.find((p) => p.projection === 'graph');
  if (!graph) return <span className="note">Checking Neo4j…</span>;
  return graph.applied ? (
    <span className="note" data-testid="in-neo4j">
      In Neo4j: the graph projection applied its latest change {formatMs(graph.visibleAfterMs)} after the commit.
    </span>
  ) : (
    <span className="note warn">Not in Neo4j yet: the graph projection has not applied {token}.</span>
  );
}

export function GraphPanel({ userId }: { userId: number | null }) {
  const { byId } = useUsers();
  const [token, setToken] = useState<string | null>(null);
  const [mode, setMode] = useState<'EVENTUAL' | 'STRONG'>('EVENTUAL');
  const [target, setTarget] = useState<number | null>(null);
  const [result, setResult] = useState<WriteOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const rels = useQuery((signal) => gql(Q.relationships, { token }, { signal, timeoutMs: 20_000 }).then((d) => d.relationships), [token]);
  useRefreshOnChanges((c) => c.source === 'graph' || (c.source === 'users' && c.projection === 'graph'), rels.reload, 1500);

  // Without a user in the address: the most followed one.
  const fallback = useMemo(() => {
    if (!rels.data || rels.data.length === 0) return null;
    const count = new Map<number, number>();
    for (const r of rels.data) count.set(r.followeeId, (count.get(r.followeeId) ?? 0) + 1);
    return [...count.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  }, [rels.data]);
  const centerId = userId ?? fallback;
  // The centre's own follows, both ways: the first page of every follow holds only some of them in a large graph.
  const own = useQuery((signal) => (centerId === null ? Promise.resolve(null) : gql(Q.relationships, { token, userId: centerId }, { signal, timeoutMs: 20_000 }).then((d) => d.relationships)), [token, centerId]);
  useRefreshOnChanges((c) => c.source === 'graph' || (c.source === 'users' && c.projection === 'graph'), own.reload, 1500);
  const hood = useMemo(() => (own.data && centerId !== null ? neighbourhood(own.data, centerId) : null), [own.data, centerId]);
  const centerName = centerId !== null ? (byId.get(centerId)?.name ?? hood?.name ?? `#${centerId}`) : '';
  const drawing = useMemo(() => (hood && centerId !== null ? layout({ id: centerId, name: centerName }, hood) : null), [hood, centerId, centerName]);
  const [flowKey, setFlowKey] = useState(0);
  useEffect(() => setFlowKey((k) => k + 1), [centerId]);

  const act = async (kind: 'follow' | 'unfollow', followerId: number, followeeId: number) => {
    setBusy(true);
    try {
      const answer =
        kind === 'follow'
          ? await gqlWrite(M.follow, { followerId, followeeId, consistency: mode }, { timeoutMs: 35_000 }).then(({ data, traceId }) => ({ payload: data.follow, traceId }))
          : await gqlWrite(M.unfollow, { followerId, followeeId, consistency: mode }, { timeoutMs: 35_000 }).then(({ data, traceId }) => ({ payload: data.unfollow, traceId }));
      const write = recordWrite(`${kind} ${followerId} → ${followeeId}`, answer.payload.consistency, answer.traceId);
      const who = (id: number) => byId.get(id)?.name ?? `#${id}`;
      setResult({ write, text: kind === 'follow' ? `${who(followerId)} now follows ${who(followeeId)} (in Neo4j).` : `${who(followerId)} no longer follows ${who(followeeId)}.` });
      if (write) setToken(write.token);
      else {
        rels.reload();
        own.reload();
      }
    } catch (error) {
      setResult({ error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Follow graph · Neo4j</h1>
          <p>Follows are born in Neo4j (with an outbox node in the same transaction); names arrive from PostgreSQL through the graph projection. Click a person to move to them.</p>
        </div>
        <ModeToggle value={mode} onChange={setMode} />
      </div>
      <div className="grid grid-side">
        <section className="card">
          <div className="card-head">
            <h2 className="card-title">
              {centerId !== null ? centerName : 'Nobody yet'}
              {hood && (
                <span className="card-sub">
                  follows {hood.followees.size} · followed by {hood.followers.size}
                </span>
              )}
            </h2>
            {own.error !== null && <ErrorNote error={own.error} what="this person's follows" retry={own.reload} />}
          </div>
          {!rels.data && rels.loading && <Loading what="the follows from Neo4j" />}
          {rels.error !== null && <ErrorNote error={rels.error} what="the follow graph" retry={rels.reload} />}
          {rels.data && centerId === null && <Empty>No follows in Neo4j yet. Pick someone on the right and make them follow someone.</Empty>}
          {drawing && (
            <div className="graph-canvas" data-testid="graph-canvas">
              <ReactFlow
                key={flowKey}
                nodes={drawing.nodes}
                edges={drawing.edges}
                nodeTypes={nodeTypes}
                fitView
                fitViewOptions={{ padding: 0.15, maxZoom: 1.3 }}
                nodesConnectable={false}
                onNodeClick={(_e, node) => {
                  if (Number(node.id) !== centerId) navigate(`/graph/${node.id}`);
                }}
                minZoom={0.2}
              >
                <Background gap={24} size={1} color="#eef1f4" />
                <Controls showInteractive={false} position="bottom-left" />
              </ReactFlow>
            </div>
          )}
          {drawing && drawing.hidden > 0 && <p className="note">{drawing.hidden} more not drawn (at most {MAX_PER_SIDE} per side).</p>}
          <p className="note">
            <span className="swatch" style={{ background: '#9b59b6' }} /> follows · <span className="swatch" style={{ background: '#3b6fd8' }} /> is followed by ·{' '}
            <span className="swatch" style={{ background: '#2f9e6e' }} /> both
          </p>
        </section>
        <div className="stack">
          <section className="card">
            <h2 className="card-title">Who</h2>
            <UserPicker label="Show" value={centerId} onChange={(id) => id !== null && navigate(`/graph/${id}`)} testId="graph-user" />
            {centerId !== null && (
              <p>
                <InNeo4j userId={centerId} />
              </p>
            )}
            {centerId !== null && (
              <p className="btn-row">
                <Link to={`/feed/${centerId}`} className="btn small">
                  Their feed
                </Link>
                <Link to={`/users`} className="btn small ghost">
                  All users
                </Link>
              </p>
            )}
          </section>
          {centerId !== null && (
            <section className="card">
              <h2 className="card-title">Follow</h2>
              <UserPicker label={`${centerName} follows…`} value={target} onChange={setTarget} exclude={centerId} testId="follow-target" />
              <div className="btn-row" style={{ marginTop: 8 }}>
                <button type="button" className="btn primary" disabled={busy || target === null} onClick={() => target !== null && act('follow', centerId, target)} data-testid="follow">
                  Follow
                </button>
                <button type="button" className="btn" disabled={busy || target === null} onClick={() => target !== null && act('follow', target, centerId)} title={`the person picked follows ${centerName}`}>
                  Make them follow
                </button>
              </div>
              {result && ('error' in result ? <ErrorNote error={result.error} /> : <WriteResult {...result} />)}
              {hood && hood.followees.size > 0 && (
                <>
                  <h3 className="card-title" style={{ marginTop: 12 }}>
                    Follows
                  </h3>
                  <ul className="plain-list">
                    {[...hood.followees.entries()].slice(0, 40).map(([id, name]) => (
                      <li key={id}>
                        <Link to={`/graph/${id}`}>{byId.get(id)?.name ?? name ?? `#${id}`}</Link>
                        <button type="button" className="btn small danger" disabled={busy} onClick={() => act('unfollow', centerId, id)} data-testid={`unfollow-${id}`}>
                          Unfollow
                        </button>
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </section>
          )}
        </div>
      </div>
    </div>
  );
}
