// Sign in: only needed when the gateway runs with AUTH_REQUIRED (writes need a
// session; faults, lab and reconciler an admin's). Without it everything works signed out.
import { useState } from 'react';
import { M } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import { session } from '../state/session.ts';
import { useStore } from '../state/store.ts';
import { ErrorNote } from './States.tsx';

export function SessionControl() {
  const current = useStore(session);
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (current) {
    return (
      <span className="session">
        <span className="session-name" title={current.user.email ?? undefined} data-testid="session-name">
          {current.user.name}
        </span>
        <button
          type="button"
          className="btn ghost small"
          onClick={async () => {
            await gql(M.logout).catch(() => undefined);
            session.set(null);
          }}
          data-testid="sign-out"
        >
          Sign out
        </button>
      </span>
    );
  }
  return (
    <span className="session">
      <button type="button" className="btn ghost small" onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="sign-in">
        Sign in
      </button>
      {open && (
        <form
          className="popover"
          onSubmit={async (event) => {
            event.preventDefault();
            setBusy(true);
            setError(null);
            try {
              const data = await gql(M.login, { email, password });
              session.set(data.login);
              setOpen(false);
              setPassword('');
            } catch (e) {
              setError(e);
            } finally {
              setBusy(false);
            }
          }}
        >
          <p className="note">Only needed when the gateway runs with AUTH_REQUIRED=true.</p>
          <label>
            Email
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" data-testid="sign-in-email" />
          </label>
          <label>
            Password
            <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" data-testid="sign-in-password" />
          </label>
          {error !== null && <ErrorNote error={error} />}
          <button type="submit" className="btn primary" disabled={busy} data-testid="sign-in-submit">
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
    </span>
  );
}
