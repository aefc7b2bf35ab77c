// The bar on top: what this is, whether the page is live, and how the system is.
import { link } from '../api/live.ts';
import { useComponentStatuses } from '../state/components.ts';
import { healthStore } from '../state/health.ts';
import { useStore } from '../state/store.ts';
import { Link } from './Link.tsx';
import { SessionControl } from './SessionControl.tsx';

function LinkPill() {
  const l = useStore(link);
  const label = l.state === 'open' ? 'live' : l.state === 'connecting' ? 'connecting…' : 'offline, retrying';
  return (
    <span className={`pill pill-${l.state === 'open' ? 'ok' : l.state === 'connecting' ? 'unknown' : 'down'}`} title={l.error ?? 'WebSocket (graphql-ws) to the gateway'} data-testid="link-state">
      <span className="status-dot" aria-hidden="true" /> {label}
    </span>
  );
}

function HealthPill() {
  const statuses = useComponentStatuses();
  const { health } = useStore(healthStore);
  const problems = Object.values(statuses).filter((s) => s.level === 'down' || s.level === 'warn');
  const down = problems.filter((s) => s.level === 'down').length;
  if (!health) return null;
  const level = down > 0 ? 'down' : problems.length > 0 ? 'warn' : 'ok';
  const text = level === 'ok' ? 'all healthy' : `${down > 0 ? `${down} down` : ''}${down > 0 && problems.length > down ? ', ' : ''}${problems.length > down ? `${problems.length - down} degraded` : ''}`;
  return (
    <Link to="/faults" className={`pill pill-${level}`} title="Every service, store and projection: open the Faults view">
      <span className="status-dot" aria-hidden="true" /> {text}
    </Link>
  );
}

export function Header({ onMenu }: { onMenu: () => void }) {
  return (
    <header className="app-header">
      <button type="button" className="btn ghost menu-button" onClick={onMenu} aria-label="Show the views">
        ☰
      </button>
      <Link to="/flow" className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">Polyglot Persistence</span>
        <span className="brand-sub">five stores, one change at a time</span>
      </Link>
      <div className="header-right">
        <LinkPill />
        <HealthPill />
        <SessionControl />
      </div>
    </header>
  );
}
