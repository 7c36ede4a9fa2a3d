import { useCallback, useState } from 'react';
import type { AccountEvent } from '../../../client/src';
import { AccountOverviewDocument } from '../../../client/generated/graphql';
import { ChangeEmail } from '../components/change-email';
import { ChangePassword } from '../components/change-password';
import { DeleteAccount } from '../components/delete-account';
import { RecentAuthProvider } from '../components/recent-auth';
import { SecurityNotices } from '../components/security-notices';
import { SessionsList } from '../components/sessions-list';
import { TwoFactorSettings } from '../components/two-factor-settings';
import { useRequest } from '../use-request';

/** Events after which what the page shows of the account is read again. */
const CHANGES_ACCOUNT = new Set([
  'EMAIL_CHANGED',
  'EMAIL_VERIFIED',
  'TWO_FACTOR_ENABLED',
  'TWO_FACTOR_DISABLED',
]);
const CHANGES_SESSIONS = new Set(['NEW_SIGN_IN', 'SESSION_REVOKED', 'OTHER_SESSIONS_REVOKED']);

/** /account: password, e-mail, two-factor, sessions, security notices, deletion. */
export function AccountPage() {
  const overview = useRequest(AccountOverviewDocument, {});
  const [sessionsRevision, setSessionsRevision] = useState(0);
  const { reload } = overview;

  const onEvent = useCallback(
    (event: AccountEvent) => {
      if (CHANGES_ACCOUNT.has(event.type)) reload();
      if (CHANGES_SESSIONS.has(event.type)) setSessionsRevision((r) => r + 1);
    },
    [reload],
  );

  const me = overview.data?.me;
  if (!me)
    return (
      <section className="card">
        <h1>Your account</h1>
        {overview.error ? (
          <p className="error">{overview.error.message}</p>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>
    );

  const ownedTeams = me.teams.filter((m) => m.role === 'OWNER').map((m) => m.team);
  return (
    <RecentAuthProvider twoFactorEnabled={Boolean(me.twoFactorEnabled)}>
      <div className="account stack">
        <h1>Your account</h1>
        <p className="wrap">Signed in as {me.displayName}</p>
        <ChangeEmail email={me.email ?? ''} verified={Boolean(me.emailVerified)} />
        <ChangePassword />
        <TwoFactorSettings enabled={Boolean(me.twoFactorEnabled)} onChanged={reload} />
        <SessionsList revision={sessionsRevision} />
        <SecurityNotices onEvent={onEvent} />
        <DeleteAccount
          ownedTeams={ownedTeams}
          teamCount={me.teams.length}
          twoFactorEnabled={Boolean(me.twoFactorEnabled)}
          onBlocked={reload}
        />
      </div>
    </RecentAuthProvider>
  );
}
