export function timeAgo(epochMs: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - epochMs) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} d ago`;
}

export function clock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function shortDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/** PostgreSQL prints a WAL position as two hexadecimal halves: 0/BC8A6B8. */
export function lsn(position: number): string {
  const hi = Math.floor(position / 2 ** 32);
  const lo = position % 2 ** 32;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}

export const STORE_OF_PROJECTION = { graph: 'Neo4j', cache: 'Redis', analytics: 'TimescaleDB' } as const;
export const STORE_OF_SOURCE = { users: 'PostgreSQL', posts: 'FerretDB', graph: 'Neo4j' } as const;

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
