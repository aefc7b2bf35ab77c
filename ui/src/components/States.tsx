// Loading, empty and error states, the same everywhere: a view always says
// what it is waiting for, that there is nothing, or what failed and what to do.
import type { ReactNode } from 'react';
import { describeError } from '../api/graphql.ts';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorNote({ error, retry, what }: { error: unknown; retry?: () => void; what?: string }) {
  const { code, message, hint } = describeError(error);
  return (
    <div className="state state-error" role="alert">
      <div>
        <strong>{what ? `Could not load ${what}` : 'That did not work'}</strong> <code className="code-chip">{code}</code>
      </div>
      <div className="state-message">{message}</div>
      {hint && <div className="state-hint">{hint}</div>}
      {retry && (
        <button type="button" className="btn small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
