import { useEffect, useState } from 'react';

/**
 * The token of an e-mailed link (`#token=…`): read once, then dropped from the address bar and
 * the history entry, so it is not left on screen or bookmarked. The fragment never reaches the
 * server; the token travels only in the operation's body.
 */
export function useLinkToken(): string {
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, []);
  return token;
}
