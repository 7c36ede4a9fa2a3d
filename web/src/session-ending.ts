import type { FeedEnd } from '../../client/src';

/** What the log-in page says after the server ended the session (elsewhere, or it expired). */
export const SESSION_ENDED = 'Your session was ended. Log in again.';

/** A live feed that ended because the session is gone (closed 4401/4403, or refused as such). */
export const endsSession = (end: FeedEnd): boolean =>
  end.closeCode === 4401 || end.closeCode === 4403 || end.code === 'UNAUTHENTICATED';
