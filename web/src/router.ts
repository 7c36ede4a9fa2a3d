import { useEffect, useState } from 'react';

/** The page routes itself with the History API; the server answers every path with index.html. */
export function navigate(path: string, options: { replace?: boolean; notice?: string } = {}): void {
  // A notice rides in the history entry, so the page it lands on can say what just happened.
  const state = options.notice ? { notice: options.notice } : null;
  if (options.replace) history.replaceState(state, '', path);
  else history.pushState(state, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The notice the current history entry carries (see `navigate`), if any. */
export function navigationNotice(): string | null {
  const state: unknown = history.state;
  if (state && typeof state === 'object' && 'notice' in state && typeof state.notice === 'string')
    return state.notice;
  return null;
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return path;
}
