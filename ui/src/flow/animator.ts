// Moves dots along the edges of the flow view, one chain of hops per real
// change. Drawn outside React (SVG circles placed each frame along each
// edge's path), and bounded: at most PER_EDGE_PER_S dots start on an edge in
// a second and at most MAX_ACTIVE are in flight, so hundreds of changes a
// second stay smooth. What is not drawn is still counted (edge-stats.ts).

const SVG = 'http://www.w3.org/2000/svg';
export const HOP_MS = 520;
const PER_EDGE_PER_S = 6;
const MAX_ACTIVE = 240;

interface Registered {
  path: SVGPathElement;
  layer: SVGGElement;
  length: number;
  target: string;
}

interface Particle {
  edgeId: string;
  start: number;
  el: SVGCircleElement | null;
  colour: string;
}

const edges = new Map<string, Registered>();
const buckets = new Map<string, { tokens: number; at: number }>();
let particles: Particle[] = [];
let frame = 0;
/** Dots drawn and changes left undrawn by the limits (shown in the legend). */
export const animationCounts = { drawn: 0, sampledOut: 0 };

export function registerEdge(edgeId: string, path: SVGPathElement, layer: SVGGElement, target: string): () => void {
  edges.set(edgeId, { path, layer, length: path.getTotalLength(), target });
  return () => {
    if (edges.get(edgeId)?.path === path) edges.delete(edgeId);
  };
}

/** The path changed shape (layout, resize): measure it again. */
export function remeasure(edgeId: string): void {
  const e = edges.get(edgeId);
  if (e) e.length = e.path.getTotalLength();
}

function take(edgeId: string, now: number): boolean {
  let b = buckets.get(edgeId);
  if (!b) buckets.set(edgeId, (b = { tokens: PER_EDGE_PER_S, at: now }));
  b.tokens = Math.min(PER_EDGE_PER_S, b.tokens + ((now - b.at) / 1000) * PER_EDGE_PER_S);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/**
 * One change travelling these edges one after the other, starting after
 * `delayMs`. Drawn whole or not at all: a sampled-out chain leaves no stray dots.
 */
export function launchChain(edgeIds: readonly string[], colour: string, delayMs = 0, token?: string, always = false): boolean {
  if (document.hidden || edgeIds.length === 0) return false;
  if (!edgeIds.every((id) => edges.has(id))) return false;
  const now = performance.now();
  // `always`: a write made from this page is drawn even when the budget is spent (the limit on dots in flight still holds).
  if (particles.length + edgeIds.length > MAX_ACTIVE || (!always && !edgeIds.every((id) => (buckets.get(id)?.tokens ?? PER_EDGE_PER_S) >= 1))) {
    animationCounts.sampledOut++;
    return false;
  }
  for (const id of edgeIds) take(id, now);
  edgeIds.forEach((edgeId, i) => particles.push({ edgeId, start: now + delayMs + i * HOP_MS, el: null, colour }));
  animationCounts.drawn++;
  if (token) remember(token, edgeIds);
  if (!frame) frame = requestAnimationFrame(tick);
  return true;
}

// Which hops were drawn for which change (the last few hundred changes), so a
// test (or a curious person in the console: polyglotFlow.hopsOf(token)) can
// check that a write of theirs was animated.
const drawnHops = new Map<string, string[]>();
function remember(token: string, edgeIds: readonly string[]): void {
  const hops = drawnHops.get(token) ?? [];
  drawnHops.delete(token);
  drawnHops.set(token, [...hops, ...edgeIds]);
  while (drawnHops.size > 500) drawnHops.delete(drawnHops.keys().next().value!);
}

declare global {
  interface Window {
    polyglotFlow?: { hopsOf(token: string): string[]; inFlight(): number };
  }
}
window.polyglotFlow = { hopsOf: (token) => drawnHops.get(token) ?? [], inFlight: () => particles.length };

const pulsing = new Map<string, number>();
function pulse(nodeId: string): void {
  const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(nodeId)}"] .node`);
  if (!el) return;
  el.classList.remove('pulse');
  // Restart the CSS animation.
  void el.offsetWidth;
  el.classList.add('pulse');
  clearTimeout(pulsing.get(nodeId));
  pulsing.set(nodeId, window.setTimeout(() => el.classList.remove('pulse'), 650));
}

function tick(): void {
  frame = 0;
  const now = performance.now();
  const alive: Particle[] = [];
  for (const p of particles) {
    const edge = edges.get(p.edgeId);
    const t = (now - p.start) / HOP_MS;
    if (!edge || t >= 1) {
      p.el?.remove();
      if (edge && t >= 1) pulse(edge.target);
      continue;
    }
    alive.push(p);
    if (t < 0) continue;
    if (!p.el) {
      p.el = document.createElementNS(SVG, 'circle');
      p.el.setAttribute('r', '4.5');
      p.el.setAttribute('class', 'particle');
      p.el.setAttribute('fill', p.colour);
      edge.layer.appendChild(p.el);
    }
    // Ease in and out: a dot leaves, travels, arrives.
    const eased = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
    const point = edge.path.getPointAtLength(eased * edge.length);
    p.el.setAttribute('cx', point.x.toFixed(1));
    p.el.setAttribute('cy', point.y.toFixed(1));
  }
  particles = alive;
  if (particles.length > 0) frame = requestAnimationFrame(tick);
}
