// Views have addresses (/flow, /users, /timeline/<token> ...): the history API,
// with the UI's server answering every such path with the page.
import { createStore } from './store.ts';

const current = () => `${location.pathname}${location.search}`;
export const route = createStore(current());

window.addEventListener('popstate', () => route.set(current()));

/** Keeps ?gateway= (a remote gateway) across views. */
function withKeptParams(to: string): string {
  const gateway = new URLSearchParams(location.search).get('gateway');
  if (!gateway || to.includes('gateway=')) return to;
  return `${to}${to.includes('?') ? '&' : '?'}gateway=${encodeURIComponent(gateway)}`;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = withKeptParams(to);
  if (options.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  route.set(current());
  if (!options.replace) window.scrollTo({ top: 0 });
}

export function pathOf(r: string): string {
  return r.split('?')[0] ?? '/';
}
