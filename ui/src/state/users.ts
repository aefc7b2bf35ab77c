// The newest users (PostgreSQL, the source of truth; one page, LIST_LIMIT), shared by
// every view that names or picks a user: newest first, so a sign-up shows at once
// however many users there are. Loaded once, then again when the change feed reports
// a user change (at most every 5 s).
import { useEffect } from 'react';
import { Q } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import type { User } from '../api/types.ts';
import { onChanges } from './changes.ts';
import { session } from './session.ts';
import { createStore, useStore } from './store.ts';

interface UsersState {
  users: User[] | null;
  byId: Map<number, User>;
  error: unknown;
  loading: boolean;
  loadedAt: number | null;
}

export const usersStore = createStore<UsersState>({ users: null, byId: new Map(), error: null, loading: false, loadedAt: null });

let inflight: Promise<void> | null = null;
let subscribers = 0;

export function reloadUsers(): Promise<void> {
  if (inflight) return inflight;
  usersStore.set((s) => ({ ...s, loading: true }));
  inflight = gql(Q.users, {}, { timeoutMs: 30_000 })
    .then(
      ({ users }) => {
        usersStore.set({ users, byId: new Map(users.map((u) => [u.id, u])), error: null, loading: false, loadedAt: Date.now() });
      },
      (error: unknown) => usersStore.set((s) => ({ ...s, error, loading: false })),
    )
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

let timer: number | undefined;
onChanges((changes) => {
  if (subscribers === 0 || timer !== undefined || !changes.some((c) => c.source === 'users')) return;
  const since = Date.now() - (usersStore.get().loadedAt ?? 0);
  timer = window.setTimeout(() => {
    timer = undefined;
    void reloadUsers();
  }, Math.max(0, 5000 - since));
});

// Signing in or out changes what is shown of the users (with AUTH_REQUIRED, one's own email only).
let signedInAs = session.get()?.token ?? null;
session.subscribe(() => {
  const now = session.get()?.token ?? null;
  if (now === signedInAs) return;
  signedInAs = now;
  if (usersStore.get().users) void reloadUsers();
});

export function useUsers(): UsersState & { reload: () => Promise<void> } {
  const state = useStore(usersStore);
  useEffect(() => {
    subscribers++;
    const s = usersStore.get();
    if (!s.users && !s.loading) void reloadUsers();
    return () => {
      subscribers--;
    };
  }, []);
  return { ...state, reload: reloadUsers };
}

export function userLabel(byId: Map<number, User>, id: number, fallback?: string | null): string {
  return byId.get(id)?.name ?? fallback ?? `user ${id}`;
}
