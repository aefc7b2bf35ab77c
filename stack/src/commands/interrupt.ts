// Ctrl-C during a long step: end the tools it runs (downloads, builds) and
// stop the engines this run started, then exit 130. Caches stay usable
// because every artifact is made in a partial folder first.
import { info } from '../progress.ts';
import { killRunningTools } from '../run-tool.ts';

const cleanups = new Set<() => Promise<void>>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const handler = (signal: NodeJS.Signals) => {
    info(`${signal}: stopping what this run started…`);
    killRunningTools();
    void Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** Registers a cleanup for an interrupt; returns a function that removes it. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

install();
