import type { ReactNode } from 'react';
import { navigate } from '../state/router.ts';

/** An ordinary link (open in a new tab works), navigating in place on a plain click. */
export function Link({ to, children, className, ariaCurrent, title, testId }: { to: string; children: ReactNode; className?: string; ariaCurrent?: boolean; title?: string; testId?: string }) {
  return (
    <a
      href={to}
      className={className}
      title={title}
      data-testid={testId}
      aria-current={ariaCurrent ? 'page' : undefined}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
