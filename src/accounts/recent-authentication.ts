import type { Session } from '../../entities/session.entity';

/**
 * Whether the session proved its owner (log-in, or `confirmIdentity`) within `windowMs`:
 * operations that change how one signs in need it, so a stolen session alone cannot enrol
 * its own authenticator or sign the owner out everywhere (API.md "Recent authentication").
 */
export function isRecentlyAuthenticated(
  session: Pick<Session, 'authenticatedAt'>,
  windowMs: number,
  now = Date.now(),
): boolean {
  return now - new Date(session.authenticatedAt).getTime() < windowMs;
}
