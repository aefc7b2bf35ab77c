// Users, in PostgreSQL (the source of truth): list, create, edit, delete.
// Each write answers a consistency token; the change then travels the
// pipeline (WAL → Debezium → Kafka → Neo4j, Redis, TimescaleDB).
import { useMemo, useState } from 'react';
import { M } from '../api/documents.ts';
import { gqlWrite } from '../api/graphql.ts';
import type { User } from '../api/types.ts';
import { shortDate } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { Empty, ErrorNote, Loading } from '../components/States.tsx';
import { ModeToggle, WriteResult } from '../components/WriteResult.tsx';
import { session } from '../state/session.ts';
import { useStore } from '../state/store.ts';
import { reloadUsers, useUsers } from '../state/users.ts';
import { recordWrite, type MyWrite } from '../state/writes.ts';

const PAGE = 25;

type Mode = 'EVENTUAL' | 'STRONG';

function CreateUser({ mode }: { mode: Mode }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ write: MyWrite | null; text: string } | null>(null);
  return (
    <form
      className="form-grid"
      aria-label="Create a user"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        setDone(null);
        try {
          const { data, traceId } = await gqlWrite(M.createUser, { input: { name, email, password }, consistency: mode }, { timeoutMs: 35_000 });
          const { user, consistency } = data.createUser;
          setDone({ write: recordWrite(`created user ${user.name} (#${user.id})`, consistency, traceId), text: `Created ${user.name} (#${user.id}) in PostgreSQL.` });
          setName('');
          setEmail('');
          setPassword('');
          void reloadUsers();
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="form-row">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} data-testid="new-user-name" />
        </label>
        <label>
          Email
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required data-testid="new-user-email" />
        </label>
        <label>
          Password
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={8} placeholder="at least 8 characters" autoComplete="new-password" data-testid="new-user-password" />
        </label>
        <button type="submit" className="btn primary" disabled={busy} data-testid="create-user">
          {busy ? (mode === 'STRONG' ? 'Waiting for every store…' : 'Creating…') : 'Create user'}
        </button>
      </div>
      {error !== null && <ErrorNote error={error} />}
      {done && <WriteResult {...done} />}
    </form>
  );
}

function UserRow({ user, mode, onResult }: { user: User; mode: Mode; onResult: (r: { write: MyWrite | null; text: string } | { error: unknown }) => void }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email ?? '');
  const [password, setPassword] = useState('');
  const [currentPassword, setCurrentPassword] = useState('');
  const signedIn = useStore(session) !== null;
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setBusy(true);
    try {
      // With AUTH_REQUIRED, a new email or password needs the current one.
      const input = { name, email, password: password || null, ...(currentPassword ? { currentPassword } : {}) };
      const { data, traceId } = await gqlWrite(M.updateUser, { id: user.id, input, consistency: mode }, { timeoutMs: 35_000 });
      onResult({ write: recordWrite(`updated user #${user.id}`, data.updateUser.consistency, traceId), text: `Saved ${data.updateUser.user.name} (#${user.id}).` });
      setEditing(false);
      setPassword('');
      setCurrentPassword('');
      void reloadUsers();
    } catch (error) {
      onResult({ error });
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      const { data, traceId } = await gqlWrite(M.deleteUser, { id: user.id, consistency: mode }, { timeoutMs: 35_000 });
      onResult({ write: recordWrite(`deleted user #${user.id}`, data.deleteUser.consistency, traceId), text: `Deleted ${user.name} (#${user.id}). The pipeline now removes their posts, follows and cached profile.` });
      void reloadUsers();
    } catch (error) {
      onResult({ error });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  if (editing) {
    return (
      <tr>
        <td className="num">{user.id}</td>
        <td>
          <input aria-label="Name" value={name} onChange={(e) => setName(e.target.value)} />
        </td>
        <td className="hide-narrow">
          <input aria-label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </td>
        <td className="hide-narrow">
          <input aria-label="New password (empty: unchanged)" type="password" placeholder="unchanged" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
          {signedIn && (
            <input
              aria-label="Current password (to change the email or password)"
              type="password"
              placeholder="current password"
              value={currentPassword}
              onChange={(e) => setCurrentPassword(e.target.value)}
              autoComplete="current-password"
            />
          )}
        </td>
        <td className="actions">
          <button type="button" className="btn small primary" onClick={save} disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>{' '}
          <button type="button" className="btn small ghost" onClick={() => setEditing(false)} disabled={busy}>
            Cancel
          </button>
        </td>
      </tr>
    );
  }
  return (
    <tr data-testid={`user-row-${user.id}`}>
      <td className="num">{user.id}</td>
      <td>{user.name}</td>
      <td className="hide-narrow">{user.email ?? <em title="with AUTH_REQUIRED, only the user sees their email">hidden</em>}</td>
      <td className="hide-narrow">{shortDate(user.created_at)}</td>
      <td className="actions">
        {confirming ? (
          <>
            <span className="note">Delete {user.name}?</span>{' '}
            <button type="button" className="btn small danger" onClick={remove} disabled={busy} data-testid={`confirm-delete-${user.id}`}>
              {busy ? 'Deleting…' : 'Delete'}
            </button>{' '}
            <button type="button" className="btn small ghost" onClick={() => setConfirming(false)} disabled={busy}>
              Keep
            </button>
          </>
        ) : (
          <>
            <Link to={`/graph/${user.id}`} className="btn small ghost" title="Their follows in Neo4j">
              graph
            </Link>
            <Link to={`/feed/${user.id}`} className="btn small ghost" title="Their feed">
              feed
            </Link>
            <button type="button" className="btn small" onClick={() => setEditing(true)}>
              Edit
            </button>{' '}
            <button type="button" className="btn small danger" onClick={() => setConfirming(true)} data-testid={`delete-user-${user.id}`}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

export function UsersPanel() {
  const { users, error, loading, reload } = useUsers();
  const [mode, setMode] = useState<Mode>('EVENTUAL');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const [result, setResult] = useState<{ write: MyWrite | null; text: string } | { error: unknown } | null>(null);
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!users) return [];
    return q ? users.filter((u) => String(u.id) === q || u.name.toLowerCase().includes(q) || (u.email ?? '').toLowerCase().includes(q)) : users;
  }, [users, query]);
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE));
  const current = Math.min(page, pages - 1);
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Users · PostgreSQL</h1>
          <p>The source of truth for users. A write commits here; Debezium reads it from the WAL into Kafka, and the projections carry it to Neo4j, Redis and TimescaleDB.</p>
        </div>
        <ModeToggle value={mode} onChange={setMode} />
      </div>
      <section className="card">
        <h2 className="card-title">New user</h2>
        <CreateUser mode={mode} />
      </section>
      <section className="card">
        <div className="card-head">
          <h2 className="card-title">
            All users <span className="card-sub">{users ? `${users.length.toLocaleString()} in PostgreSQL` : ''}</span>
          </h2>
          <input
            type="search"
            placeholder="Search name, email or id"
            aria-label="Search users"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setPage(0);
            }}
            data-testid="user-search"
          />
        </div>
        {result && ('error' in result ? <ErrorNote error={result.error} /> : <WriteResult {...result} />)}
        {!users && loading && <Loading what="users from PostgreSQL" />}
        {!users && !loading && error !== null && <ErrorNote error={error} what="the users" retry={() => void reload()} />}
        {users && error !== null && <p className="note warn">Showing the users as last loaded; refreshing failed.</p>}
        {users && filtered.length === 0 && <Empty>{users.length === 0 ? 'No users yet: create the first one above.' : `No user matches “${query}”.`}</Empty>}
        {users && filtered.length > 0 && (
          <>
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th className="num">id</th>
                    <th>name</th>
                    <th className="hide-narrow">email</th>
                    <th className="hide-narrow">created</th>
                    <th className="actions">
                      <span className="sr-only">actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {filtered.slice(current * PAGE, current * PAGE + PAGE).map((u) => (
                    <UserRow key={u.id} user={u} mode={mode} onResult={setResult} />
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <span>
                {filtered.length.toLocaleString()} users · page {current + 1} of {pages}
              </span>
              <span className="btn-row">
                <button type="button" className="btn small" disabled={current === 0} onClick={() => setPage(current - 1)}>
                  Newer
                </button>
                <button type="button" className="btn small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
                  Older
                </button>
              </span>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
