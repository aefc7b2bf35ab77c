// What a write answered: its consistency token (a link to its timeline), its
// trace when the gateway recorded one, and, for a strong write, how long after
// its commit each store showed it.
import type { MyWrite } from '../state/writes.ts';
import { formatMs } from '../state/components.ts';
import { STORE_OF_PROJECTION } from './format.ts';
import { Link } from './Link.tsx';

export function WriteResult({ write, text }: { write: MyWrite | null; text: string }) {
  return (
    <div className="result" role="status">
      <div>{text}</div>
      {write && (
        <>
          <div className="note">
            {write.mode === 'STRONG' ? 'strong: answered once every store showed it' : 'eventual: answered at the commit'} ·{' '}
            <Link to={`/timeline/${encodeURIComponent(write.token)}`}>see its timeline</Link>
            {write.traceId && (
              <>
                {' '}
                · <Link to={`/trace/${write.traceId}`} testId="write-trace" title="every span of this write, from the gateway to each projection">its trace</Link>
              </>
            )}
          </div>
          <code className="token">{write.token}</code>
          {write.visibleAfterMs && (
            <div className="note">
              {Object.entries(write.visibleAfterMs)
                .map(([p, ms]) => `${STORE_OF_PROJECTION[p as keyof typeof STORE_OF_PROJECTION] ?? p} +${formatMs(ms)}`)
                .join(' · ')}
            </div>
          )}
        </>
      )}
    </div>
  );
}

export function ModeToggle({ value, onChange }: { value: 'EVENTUAL' | 'STRONG'; onChange: (mode: 'EVENTUAL' | 'STRONG') => void }) {
  return (
    <div className="segmented" role="group" aria-label="Consistency of the write">
      {(['EVENTUAL', 'STRONG'] as const).map((m) => (
        <button key={m} type="button" aria-pressed={value === m} onClick={() => onChange(m)} title={m === 'STRONG' ? 'answer once every store shows the change' : 'answer once the source committed'}>
          {m.toLowerCase()}
        </button>
      ))}
    </div>
  );
}
