import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadGatewayAddress } from './api/config.ts';
import { startLive } from './api/live.ts';
import { App } from './App.tsx';
import { startFlowFeed } from './flow/feed-to-flow.ts';
import { startChangeFeed } from './state/changes.ts';
import { startHealth } from './state/health.ts';
import './styles.css';

await loadGatewayAddress();
// Live from the first moment, whatever view opens: the counters count from here.
startLive();
startFlowFeed();
startChangeFeed();
startHealth();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
