// The signed-in session, when the system runs with AUTH_REQUIRED (without it
// every read and write works signed out). Kept in localStorage: a reload keeps it.
import { createStore } from './store.ts';

export interface Session {
  token: string;
  expiresAt: string;
  user: { id: number; name: string; email: string };
}

const KEY = 'polyglot.session';

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Session;
    return Date.parse(parsed.expiresAt) > Date.now() ? parsed : null;
  } catch {
    return null;
  }
}

export const session = createStore<Session | null>(load());

session.subscribe(() => {
  const value = session.get();
  if (value) localStorage.setItem(KEY, JSON.stringify(value));
  else localStorage.removeItem(KEY);
});
