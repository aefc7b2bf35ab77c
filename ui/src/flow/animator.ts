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
  /** Points along the path, sampled once: a frame reads nothing from the DOM (no forced layout). */
  points: Float32Array;
  target: string;
}

const SAMPLES = 96;

function sample(path: SVGPathElement): Float32Array {
  const length = path.getTotalLength();
  const points = new Float32Array((SAMPLES + 1) * 2);
  for (let i = 0; i <= SAMPLES; i++) {
    const p = path.getPointAtLength((i / SAMPLES) * length);
    points[i * 2] = p.x;
    points[i * 2 + 1] = p.y;
  }
  return points;
}

function pointAt(points: Float32Array, t: number): [number, number] {
  const f = Math.min(SAMPLES, Math.max(0, t * SAMPLES));
  const i = Math.min(SAMPLES - 1, Math.floor(f));
  const k = f - i;
  return [points[i * 2]! + (points[i * 2 + 2]! - points[i * 2]!) * k, points[i * 2 + 1]! + (points[i * 2 + 3]! - points[i * 2 + 1]!) * k];
}

interface Particle {
  edgeId: string;
  start: number;
  el: SVGCircleElement | null;
  colour: string;
}

const edges = new Map<string, Registered>();
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
const buckets = new Map<string, { tokens: number; at: number }>();
let particles: Particle[] = [];
let frame = 0;
/** Dots drawn, changes left undrawn by the limits (shown in the legend), and chains whose edges were not on screen. */
export const animationCounts = { drawn: 0, sampledOut: 0, edgeMissing: 0 };

export function registerEdge(edgeId: string, path: SVGPathElement, layer: SVGGElement, target: string): () => void {
  edges.set(edgeId, { path, layer, points: sample(path), target });
  return () => {
    if (edges.get(edgeId)?.path === path) edges.delete(edgeId);
  };
}

/** The edge's budget now: refilled at PER_EDGE_PER_S a second, at most PER_EDGE_PER_S. */
function bucket(edgeId: string, now: number): { tokens: number; at: number } {
  let b = buckets.get(edgeId);
  if (!b) buckets.set(edgeId, (b = { tokens: PER_EDGE_PER_S, at: now }));
  b.tokens = Math.min(PER_EDGE_PER_S, b.tokens + ((now - b.at) / 1000) * PER_EDGE_PER_S);
  b.at = now;
  return b;
}

/**
 * One change travelling these edges one after the other, starting after
 * `delayMs`. Drawn whole or not at all: a sampled-out chain leaves no stray dots.
 */
export function launchChain(edgeIds: readonly string[], colour: string, delayMs = 0, token?: string, always = false): boolean {
  if (document.hidden || edgeIds.length === 0) return false;
  if (!edgeIds.every((id) => edges.has(id))) {
    animationCounts.edgeMissing++;
    return false;
  }
  const now = performance.now();
  // `always`: a write made from this page is drawn even when the budget is spent (the limit on dots in flight still holds).
  if (particles.length + edgeIds.length > MAX_ACTIVE || (!always && !edgeIds.every((id) => bucket(id, now).tokens >= 1))) {
    animationCounts.sampledOut++;
    return false;
  }
  for (const id of edgeIds) bucket(id, now).tokens -= 1;
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
    polyglotFlow?: { hopsOf(token: string): string[]; inFlight(): number; state(): Record<string, unknown> };
  }
}
window.polyglotFlow = {
  hopsOf: (token) => drawnHops.get(token) ?? [],
  inFlight: () => particles.length,
  // Why a change might not be drawn, for a test's failure message.
  state: () => ({ ...animationCounts, inFlight: particles.length, edges: [...edges.keys()], hidden: document.hidden }),
};

// A node glows when a dot arrives; at most every 400 ms per node, and without forcing a layout.
const lastPulse = new Map<string, number>();
function pulse(nodeId: string, now: number): void {
  if (now - (lastPulse.get(nodeId) ?? 0) < 400) return;
  lastPulse.set(nodeId, now);
  const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(nodeId)}"] .node`);
  el?.animate([{ boxShadow: '0 0 0 0 rgba(35, 121, 138, 0.45)' }, { boxShadow: '0 0 0 10px rgba(35, 121, 138, 0)' }], { duration: 650, easing: 'ease-out' });
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
      if (edge && t >= 1 && !reducedMotion.matches) pulse(edge.target, now);
      continue;
    }
    alive.push(p);
    if (t < 0) continue;
    if (!p.el) {
      p.el = document.createElementNS(SVG, 'circle');
      p.el.setAttribute('r', '5.5');
      p.el.setAttribute('class', 'particle');
      p.el.setAttribute('fill', p.colour);
      edge.layer.appendChild(p.el);
    }
    // Ease in and out: a dot leaves, travels, arrives.
    const eased = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
    const [x, y] = pointAt(edge.points, eased);
    p.el.setAttribute('cx', x.toFixed(1));
    p.el.setAttribute('cy', y.toFixed(1));
  }
  particles = alive;
  if (particles.length > 0) frame = requestAnimationFrame(tick);
}
