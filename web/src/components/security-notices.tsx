import { useEffect, useState } from 'react';
import type { AccountEvent } from '../../../client/src';
import type { AccountEventType } from '../../../client/generated/graphql';
import { useSession } from '../session';

/** How each account event reads; null for those that are not about security. */
const NOTICE: Record<AccountEventType, string | null> = {
  NEW_SIGN_IN: 'New sign-in',
  PASSWORD_CHANGED: 'Password changed',
  EMAIL_CHANGE_REQUESTED: 'E-mail change requested',
  EMAIL_CHANGED: 'E-mail address changed',
  EMAIL_CHANGE_REVERTED: 'E-mail change undone',
  EMAIL_VERIFIED: 'E-mail address verified',
  IDENTITY_CONFIRMED: 'Identity confirmed',
  OTHER_SESSIONS_REVOKED: 'Other sessions ended',
  SESSION_REVOKED: 'A session was ended',
  TWO_FACTOR_ENABLED: 'Two-factor sign-in turned on',
  TWO_FACTOR_DISABLED: 'Two-factor sign-in turned off',
  RECOVERY_CODES_REGENERATED: 'New recovery codes',
  PROFILE_UPDATED: null,
  READ_STATE_CHANGED: null,
};

/** The one detail worth a line: which device signed in, how many sessions ended. */
function detailOf(event: AccountEvent): string | null {
  const { userAgent, count, reset } = event.details;
  if (typeof userAgent === 'string') return userAgent;
  if (typeof count === 'number') return `${count} session${count === 1 ? '' : 's'}`;
  if (reset === true) return 'through a reset link';
  return null;
}

/**
 * Security notices as they happen (the accountEvents feed, live while the page is open; each
 * is also e-mailed). `onEvent` runs for every event, so the page can read its state again.
 */
export function SecurityNotices({ onEvent }: { onEvent(event: AccountEvent): void }) {
  const { client } = useSession();
  const [notices, setNotices] = useState<AccountEvent[]>([]);

  useEffect(() => {
    const follow = client.followAccountEvents({
      onEvent: (event) => {
        if (NOTICE[event.type]) setNotices((shown) => [event, ...shown].slice(0, 50));
        onEvent(event);
      },
    });
    return () => follow.stop();
  }, [client, onEvent]);

  return (
    <section className="card stack" aria-labelledby="notices">
      <h2 id="notices">Security notices</h2>
      <p className="muted">
        Changes to how your account signs in appear here as they happen, and are e-mailed to you.
      </p>
      <ol className="notices" aria-live="polite" aria-label="Security notices">
        {notices.map((event, index) => (
          <li key={`${event.createdAt}-${index}`}>
            <strong>{NOTICE[event.type]}</strong>
            {detailOf(event) && <span className="wrap"> · {detailOf(event)}</span>}{' '}
            <time className="muted" dateTime={event.createdAt}>
              {new Date(event.createdAt).toLocaleString()}
            </time>
          </li>
        ))}
        {notices.length === 0 && <li className="muted">Nothing since you opened this page.</li>}
      </ol>
    </section>
  );
}
