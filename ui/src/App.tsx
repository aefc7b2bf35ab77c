// The shell: header, the list of views, and the view the address names.
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { Header } from './components/Header.tsx';
import { Link } from './components/Link.tsx';
import { Loading } from './components/States.tsx';
import { FlowView } from './flow/FlowView.tsx';
import { pathOf, route } from './state/router.ts';
import { useStore } from './state/store.ts';

interface View {
  path: string;
  label: string;
  detail: string;
  group: 'Live' | 'Stores' | 'Experiments';
  render: (rest: string) => ReactNode;
}

const TimelineView = lazy(() => import('./panels/TimelineView.tsx').then((m) => ({ default: m.TimelineView })));
const TraceView = lazy(() => import('./panels/TraceView.tsx').then((m) => ({ default: m.TraceView })));
const UsersPanel = lazy(() => import('./panels/UsersPanel.tsx').then((m) => ({ default: m.UsersPanel })));
const PostsPanel = lazy(() => import('./panels/PostsPanel.tsx').then((m) => ({ default: m.PostsPanel })));
const GraphPanel = lazy(() => import('./panels/GraphPanel.tsx').then((m) => ({ default: m.GraphPanel })));
const FeedPanel = lazy(() => import('./panels/FeedPanel.tsx').then((m) => ({ default: m.FeedPanel })));
const AnalyticsPanel = lazy(() => import('./panels/AnalyticsPanel.tsx').then((m) => ({ default: m.AnalyticsPanel })));
const CachePanel = lazy(() => import('./panels/CachePanel.tsx').then((m) => ({ default: m.CachePanel })));
const LabPanel = lazy(() => import('./panels/LabPanel.tsx').then((m) => ({ default: m.LabPanel })));
const FaultsPanel = lazy(() => import('./panels/FaultsPanel.tsx').then((m) => ({ default: m.FaultsPanel })));
// Monaco and GraphiQL are large: loaded only when the view is opened.
const GraphiQLView = lazy(() => import('./panels/GraphiQLView.tsx').then((m) => ({ default: m.GraphiQLView })));

export const VIEWS: View[] = [
  { path: '/flow', label: 'Flow', detail: 'every change, live', group: 'Live', render: () => <FlowView /> },
  { path: '/timeline', label: 'Timeline', detail: 'one write, hop by hop', group: 'Live', render: (rest) => <TimelineView token={rest ? decodeURIComponent(rest) : null} /> },
  { path: '/trace', label: 'Trace', detail: 'one write, span by span', group: 'Live', render: (rest) => <TraceView traceId={rest ? decodeURIComponent(rest) : null} /> },
  { path: '/users', label: 'Users', detail: 'PostgreSQL', group: 'Stores', render: () => <UsersPanel /> },
  { path: '/posts', label: 'Posts', detail: 'FerretDB', group: 'Stores', render: () => <PostsPanel /> },
  { path: '/graph', label: 'Follow graph', detail: 'Neo4j', group: 'Stores', render: (rest) => <GraphPanel userId={rest ? Number(rest) : null} /> },
  { path: '/feed', label: 'Feed', detail: 'Redis + FerretDB', group: 'Stores', render: (rest) => <FeedPanel userId={rest ? Number(rest) : null} /> },
  { path: '/analytics', label: 'Analytics', detail: 'TimescaleDB', group: 'Stores', render: () => <AnalyticsPanel /> },
  { path: '/cache', label: 'Cache', detail: 'Redis', group: 'Stores', render: () => <CachePanel /> },
  { path: '/lab', label: 'Consistency lab', detail: 'strong vs eventual', group: 'Experiments', render: () => <LabPanel /> },
  { path: '/faults', label: 'Faults', detail: 'break it, watch it heal', group: 'Experiments', render: () => <FaultsPanel /> },
  { path: '/graphiql', label: 'GraphiQL', detail: 'the GraphQL API, live', group: 'Experiments', render: () => <GraphiQLView /> },
];

function match(path: string): { view: View; rest: string } {
  for (const view of VIEWS) {
    if (path === view.path || path === `${view.path}/`) return { view, rest: '' };
    if (path.startsWith(`${view.path}/`)) return { view, rest: path.slice(view.path.length + 1) };
  }
  return { view: VIEWS[0]!, rest: '' };
}

export function App() {
  const path = pathOf(useStore(route));
  const { view, rest } = match(path);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    document.title = `${view.label} · Polyglot Persistence`;
    setMenuOpen(false);
  }, [view, rest]);
  const groups = ['Live', 'Stores', 'Experiments'] as const;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to the view
      </a>
      <Header onMenu={() => setMenuOpen((o) => !o)} />
      <div className="app-body">
        <nav className={`app-nav${menuOpen ? ' open' : ''}`} aria-label="Views">
          {groups.map((group) => (
            <div key={group} className="nav-group">
              <div className="nav-group-title">{group}</div>
              {VIEWS.filter((v) => v.group === group).map((v) => (
                <Link key={v.path} to={v.path} className="nav-link" ariaCurrent={v === view}>
                  <span className="nav-label">{v.label}</span>
                  <span className="nav-detail">{v.detail}</span>
                </Link>
              ))}
            </div>
          ))}
        </nav>
        <main id="main" className={`app-main view-${view.path.slice(1)}`} tabIndex={-1}>
          <Suspense fallback={<Loading what={view.label} />}>{view.render(rest)}</Suspense>
        </main>
      </div>
    </div>
  );
}
