import { useEffect, useState } from 'react';
import { navigate } from '../state/router.ts';

/** The form of a view that shows one thing by its id (a change's token, a trace id): it goes to `${path}/ID`. */
export function LookupForm({ label, path, current, placeholder, width, normalise = (v) => v }: { label: string; path: string; current: string | null; placeholder: string; width: number; normalise?: (value: string) => string }) {
  const [text, setText] = useState(current ?? '');
  useEffect(() => setText(current ?? ''), [current]);
  return (
    <form
      className="form-row"
      onSubmit={(e) => {
        e.preventDefault();
        const wanted = normalise(text.trim());
        if (wanted) navigate(`${path}/${encodeURIComponent(wanted)}`);
      }}
    >
      <label style={{ minWidth: width }}>
        {label}
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder={placeholder} className="mono" spellCheck={false} />
      </label>
      <button type="submit" className="btn">
        Show
      </button>
    </form>
  );
}
