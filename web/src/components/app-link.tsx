import type { ReactNode } from 'react';
import { navigate } from '../router';

/** A link within the page: a real <a> (keyboard, new tab), routed without a reload. */
export function AppLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <a
      href={to}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
