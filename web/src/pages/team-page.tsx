import { useCallback, useEffect, useState } from 'react';
import type { Activity, TeamgraphError } from '../../../client/src';
import { MyTeamsDocument, TeamPageDocument } from '../../../client/generated/graphql';
import { ActivityFeed } from '../components/activity-feed';
import { Items } from '../components/items';
import { LogVerification } from '../components/log-verification';
import { Members } from '../components/members';
import { TeamSettings } from '../components/team-settings';
import { useReadState } from '../use-read-state';
import { useRequest } from '../use-request';
import { useTeamLive } from '../use-team-live';

type Tab = 'activity' | 'members' | 'items' | 'settings';

const MAX_INT = 2 ** 31 - 1;

/** Live actions that change what the settings tab or the invitations list show. */
const SETTINGS_ACTIONS = new Set(['OWNERSHIP_TRANSFERRED', 'TWO_FACTOR_REQUIREMENT_CHANGED']);
const INVITATION_ACTIONS = new Set([
  'MEMBER_INVITED',
  'INVITATION_RESENT',
  'INVITATION_REVOKED',
  'INVITATION_DECLINED',
  'MEMBER_JOINED',
]);

/** A FORBIDDEN that says the team requires two-factor and this account has none. */
const heldOutByTwoFactor = (error: TeamgraphError | undefined) =>
  error?.code === 'FORBIDDEN' && error.errors[0]?.extensions?.reason === 'TWO_FACTOR_REQUIRED';

const TWO_FACTOR_HELD_OUT =
  'This team requires two-factor authentication, and your account does not have it on. Turn it on in your account to see the team again; you are still a member.';

/** A team's "Notifications and Team Activity" page, with its members and items. */
export function TeamPage({ teamId }: { teamId: string }) {
  const team = useRequest(TeamPageDocument, { teamId });
  const me = useRequest(MyTeamsDocument, {});
  const myId = me.data?.me?.id;
  const [tab, setTab] = useState<Tab>('activity');
  const [itemsRevision, setItemsRevision] = useState(0);
  const [settingsRevision, setSettingsRevision] = useState(0);
  const [invitationsRevision, setInvitationsRevision] = useState(0);
  /** Who deleted the team, once its TEAM_DELETED arrived live. */
  const [deletedBy, setDeletedBy] = useState<string | null>(null);
  const allowed = !team.error;

  const readState = useReadState(teamId, allowed);
  const { reload: reloadTeam } = team;
  const { refresh: refreshReadState } = readState;

  const onActivity = useCallback(
    (activity: Activity) => {
      refreshReadState();
      if (activity.subjectType === 'Item') setItemsRevision((r) => r + 1);
      if (activity.action.startsWith('MEMBER_') || activity.action === 'TEAM_RENAMED') reloadTeam();
      if (SETTINGS_ACTIONS.has(activity.action)) {
        reloadTeam();
        setSettingsRevision((r) => r + 1);
      }
      if (INVITATION_ACTIONS.has(activity.action)) setInvitationsRevision((r) => r + 1);
      if (activity.action === 'TEAM_DELETED')
        setDeletedBy(activity.actor?.displayName ?? 'someone');
    },
    [refreshReadState, reloadTeam],
  );
  const live = useTeamLive(teamId, onActivity);
  // When the feed ends, the team is read again: its answer says why (removed, two-factor, gone).
  const feedEnded = Boolean(live.ended);
  useEffect(() => {
    if (feedEnded) reloadTeam();
  }, [feedEnded, reloadTeam]);

  if (team.error && !team.data)
    return (
      <section className="card">
        <p className="error" role="alert" data-testid="team-error">
          {heldOutByTwoFactor(team.error)
            ? TWO_FACTOR_HELD_OUT
            : team.error.code === 'FORBIDDEN'
              ? 'You are not a member of this team (or it does not exist).'
              : team.error.message}
        </p>
      </section>
    );
  const data = team.data?.team;
  if (!data) return <p className="muted">Loading…</p>;

  // A refused reload (FORBIDDEN) after the page loaded means the same as ACCESS_REVOKED.
  const ended =
    live.ended ??
    (team.error?.code === 'FORBIDDEN'
      ? { code: 'ACCESS_REVOKED', message: team.error.message }
      : null);
  const members = data.members.map((m) => ({ id: m.user.id, displayName: m.user.displayName }));

  return (
    <section className="team">
      <h1>
        {data.name} <span className="role">{data.myRole.toLowerCase()}</span>
      </h1>
      {ended && (
        <p className="notice" role="alert" data-testid="access-ended">
          {deletedBy
            ? `${deletedBy} deleted this team: its activity, items and members are gone. This page no longer updates.`
            : heldOutByTwoFactor(team.error)
              ? `${TWO_FACTOR_HELD_OUT} This page no longer updates.`
              : ended.code === 'ACCESS_REVOKED'
                ? 'Your access to this team has ended: you were removed, left, or the team was deleted. This page no longer updates.'
                : `This page stopped updating: ${ended.message}`}
        </p>
      )}
      {live.tampered && (
        <p className="warning" role="alert" data-testid="tampered">
          The activity log failed verification at #{live.tampered.seq}: its history was altered on
          the server.
        </p>
      )}
      <nav className="tabs">
        <button className={tab === 'activity' ? 'active' : ''} onClick={() => setTab('activity')}>
          Notifications and Team Activity{' '}
          {readState.unreadCount > 0 && (
            <span className="badge" data-testid="unread-badge">
              {readState.unreadCount}
            </span>
          )}
        </button>
        <button className={tab === 'members' ? 'active' : ''} onClick={() => setTab('members')}>
          Members ({data.members.length})
        </button>
        <button className={tab === 'items' ? 'active' : ''} onClick={() => setTab('items')}>
          Items
        </button>
        <button className={tab === 'settings' ? 'active' : ''} onClick={() => setTab('settings')}>
          Team settings
        </button>
      </nav>
      {tab === 'activity' && (
        <>
          <div className="actions">
            <button
              data-testid="mark-all-read"
              disabled={readState.unreadCount === 0 || Boolean(ended)}
              // The server stops at the team's newest seq: this reads everything up to now.
              onClick={() => void readState.markAllRead(MAX_INT)}
            >
              Mark all read
            </button>
          </div>
          <LogVerification log={live.log} />
          <ActivityFeed
            teamId={teamId}
            members={members}
            live={live.live}
            lastReadSeq={readState.lastReadSeq}
            myId={myId}
          />
        </>
      )}
      {tab === 'members' && (
        <Members
          teamId={teamId}
          myRole={data.myRole}
          myId={myId}
          members={data.members}
          disabled={Boolean(ended)}
          onChanged={reloadTeam}
          invitationsRevision={invitationsRevision}
        />
      )}
      {tab === 'items' && (
        <Items
          teamId={teamId}
          myRole={data.myRole}
          myId={myId}
          revision={itemsRevision}
          disabled={Boolean(ended)}
        />
      )}
      {tab === 'settings' && (
        <TeamSettings
          teamId={teamId}
          teamName={data.name}
          myRole={data.myRole}
          myId={myId}
          members={members}
          revision={settingsRevision}
          disabled={Boolean(ended)}
          onChanged={reloadTeam}
        />
      )}
    </section>
  );
}
