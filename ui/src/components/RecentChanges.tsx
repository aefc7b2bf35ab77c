// The newest changes this page has heard of, each a link to its timeline.
import { feedVersion, recentChanges } from '../state/changes.ts';
import { useStore } from '../state/store.ts';
import { SOURCE_COLOURS } from '../flow/topology.ts';
import { clock, STORE_OF_PROJECTION } from './format.ts';
import { Link } from './Link.tsx';

export function RecentChanges({ limit, title, selected }: { limit: number; title: string; selected?: string }) {
  useStore(feedVersion);
  const changes = recentChanges(limit);
  return (
    <section className="card" aria-label={title}>
      <h2 className="card-title">{title}</h2>
      {changes.length === 0 ? (
        <p className="note">Nothing has changed since this page opened. Create a user or a post, or run a lab experiment: each change shows up here as the projections apply it.</p>
      ) : (
        <ol className="change-list">
          {changes.map((c) => (
            <li key={c.token} className={c.token === selected ? 'selected' : undefined}>
              <Link to={`/timeline/${encodeURIComponent(c.token)}`} className="change-link" title={`Timeline of ${c.token}`}>
                <span className="swatch" style={{ background: SOURCE_COLOURS[c.source] }} aria-hidden="true" />
                <span className="change-type">{c.type}</span>
                <span className="change-entity">
                  {c.source === 'posts' ? `post …${c.entityId.slice(-6)}` : c.source === 'graph' ? `follower ${c.entityId}` : `user ${c.entityId}`}
                </span>
                <span className="change-time">{clock(c.committedAt)}</span>
                <span className="change-applied" aria-label={`applied in ${Object.keys(c.applied).length} stores`}>
                  {(Object.keys(STORE_OF_PROJECTION) as Array<keyof typeof STORE_OF_PROJECTION>).map((p) =>
                    c.applied[p] !== undefined ? (
                      <span key={p} className="applied-chip" title={`${STORE_OF_PROJECTION[p]}: +${c.applied[p]! - c.committedAt} ms`}>
                        {STORE_OF_PROJECTION[p]}
                      </span>
                    ) : null,
                  )}
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
