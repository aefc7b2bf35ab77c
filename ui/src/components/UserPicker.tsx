// Picks a user by name, email or id: a combobox over the users of PostgreSQL
// (the newest first), operable with the keyboard alone.
import { useId, useMemo, useState } from 'react';
import type { User } from '../api/types.ts';
import { useUsers } from '../state/users.ts';

export function UserPicker({ label, value, onChange, exclude, placeholder, testId }: { label: string; value: number | null; onChange: (id: number | null) => void; exclude?: number | null; placeholder?: string; testId?: string }) {
  const { users, byId, loading, error } = useUsers();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const selected = value !== null ? byId.get(value) : undefined;
  const matches = useMemo(() => {
    if (!users) return [];
    const q = text.trim().toLowerCase();
    const out: User[] = [];
    for (const u of users) {
      if (u.id === exclude) continue;
      if (!q || String(u.id) === q || u.name.toLowerCase().includes(q) || (u.email ?? '').toLowerCase().includes(q)) out.push(u);
      if (out.length >= 8) break;
    }
    return out;
  }, [users, text, exclude]);
  const choose = (u: User) => {
    onChange(u.id);
    setText('');
    setOpen(false);
  };
  const shown = open ? text : selected ? `${selected.name} (#${selected.id})` : value !== null ? `#${value}` : text;
  return (
    <label className="picker">
      {label}
      <div className="picker-box">
        <input
          role="combobox"
          aria-expanded={open && matches.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && matches[active] ? `${listId}-${matches[active]!.id}` : undefined}
          data-testid={testId}
          value={shown}
          placeholder={loading && !users ? 'loading users…' : error ? 'users could not be loaded' : (placeholder ?? 'name, email or id')}
          onFocus={() => {
            setOpen(true);
            setText('');
            setActive(0);
          }}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(matches.length - 1, a + 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(0, a - 1));
            } else if (e.key === 'Enter' && open && matches[active]) {
              e.preventDefault();
              choose(matches[active]!);
            } else if (e.key === 'Escape') {
              setOpen(false);
            }
          }}
        />
        {open && matches.length > 0 && (
          <ul className="picker-list" role="listbox" id={listId}>
            {matches.map((u, i) => (
              <li
                key={u.id}
                id={`${listId}-${u.id}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(u);
                }}
              >
                <span>{u.name}</span> <span className="picker-sub">#{u.id}{u.email ? ` · ${u.email}` : ''}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </label>
  );
}
