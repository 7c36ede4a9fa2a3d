import type { NewActivity } from '../../entities/activity-actions';
import { ActivityAction } from '../../entities/activity-action.enum';
import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { DELETED_USER_NAME } from '../accounts/deleted-user';
import { recordActivity } from '../activity/record-activity';
import { EntityRows } from '../db/entity-rows';
import type { PendingEvents, Transaction } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';
import {
  NO_OPEN_INVITATIONS,
  revokeInvitationsBeyondRole,
  type OpenInvitationsFrom,
} from '../invitations/revoke-invitations-beyond-role';
import type { MaybeRole } from '../teams/team-policy';

/**
 * Where access ends, whatever the cause: leaving, removal by a manager, account deletion, team
 * deletion, sign-out and session revocation, and a team's two-factor requirement holding a
 * member out. Each cause is one function here, and these are the only callers of the session
 * revocation, the invitation clean-up and the live-feed cut-off, so no command can end access
 * and forget a part of it. Everything runs in the caller's transaction (the team locked where
 * a team is named); the events go out after commit, where the live feeds, the sockets and the
 * session caches of every instance act on them.
 */

/** Who ends a membership, as the team's activity names them. */
export type Actor = Pick<User, 'id' | 'displayName'>;

/** How a membership ends, as the team's activity tells it (its subject is the member). */
export type MembershipEnd = AboutMember<
  ActivityAction.MEMBER_LEFT | ActivityAction.MEMBER_REMOVED
> & {
  actor: Actor;
  userId: string;
  /** The member's open invitations, read under the team's lock (`openInvitationsFrom`). */
  invitations: OpenInvitationsFrom;
};

/** The activity without its subject and actor id, each action kept apart. */
type AboutMember<A extends ActivityAction> = A extends ActivityAction
  ? Omit<NewActivity<A>, 'subjectId' | 'actorId'>
  : never;

/**
 * Ends a membership of the locked team (leaving, or removal by a manager): the row goes, with
 * its activity; the member's open invitations (`invitations`, read under the lock with
 * `openInvitationsFrom`) end, as nobody else may send them; their feeds of the team stop after
 * the row that ended it. Writes only, deferred: no round trip of its own.
 */
export async function endMembership(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  { actor, userId, invitations, ...activity }: MembershipEnd,
): Promise<void> {
  tx.defer({
    text: `DELETE FROM memberships WHERE team_id = $1 AND user_id = $2`,
    values: [lockedTeam.id, userId],
  });
  await recordActivity(tx, pending, lockedTeam, {
    ...activity,
    actorId: actor.id,
    subjectId: userId,
  });
  const endedAt = lockedTeam.lastSeq;
  await revokeInvitationsBeyondRole(tx, pending, lockedTeam, invitations, null, actor);
  pending.add({ kind: 'access-revoked', teamId: lockedTeam.id, userId, seq: endedAt });
}

/**
 * A member's role narrowed (a role change, or handing ownership on): those of their open
 * invitations (`invitations`, read under the lock) the new role could not send end, recorded
 * as revoked by `actor`.
 */
export async function endAuthorityBeyondRole(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  invitations: OpenInvitationsFrom,
  newRole: MaybeRole,
  actor: Actor,
): Promise<void> {
  await revokeInvitationsBeyondRole(tx, pending, lockedTeam, invitations, newRole, actor);
}

/** What an account's deletion ends in one team, read under the team's lock. */
export interface AccountInTeam {
  /** Pending invitations the account sent or that were sent to its address, oldest first. */
  invitations: Invitation[];
  /** Its role, null when it is not a member. */
  role: MaybeRole;
}

/**
 * What `endAccountInTeam` will end, in one statement sent when called (src/db/lock-order.ts):
 * sent after the team's lock, it reads under it.
 */
export async function readAccountInTeam(
  tx: Transaction,
  teamId: string,
  user: Pick<User, 'id' | 'email'>,
): Promise<AccountInTeam> {
  const invitations = new EntityRows(tx.connection, Invitation);
  const rows = await tx.read<{ k_role: MaybeRole }>(
    `SELECT ${invitations.select('i')}, m.role AS k_role
       FROM (SELECT 1) one
       LEFT JOIN memberships m ON m.team_id = $1 AND m.user_id = $2
       LEFT JOIN invitations i ON i.team_id = $1 AND i.status = $4
                              AND (i.invited_by_id = $2 OR i.email = $3)
      ORDER BY i.created_at, i.id`,
    [teamId, user.id, user.email, InvitationStatus.PENDING],
  );
  return {
    invitations: rows.flatMap((row) => invitations.map(row) ?? []),
    role: rows[0]?.k_role ?? null,
  };
}

/**
 * An account's deletion, in one of its teams (locked; `found` read under the lock with
 * `readAccountInTeam`): the invitations it sent are revoked and those sent to its address
 * declined, then its membership, if any, ends as a leave. Writes only, deferred.
 */
export async function endAccountInTeam(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  user: User,
  found: AccountInTeam,
): Promise<void> {
  for (const invitation of found.invitations) {
    const sentByUser = invitation.invitedById === user.id;
    const status = sentByUser ? InvitationStatus.REVOKED : InvitationStatus.DECLINED;
    tx.defer({
      text: `UPDATE invitations SET status = $2, responded_at = $3 WHERE id = $1`,
      values: [invitation.id, status, new Date()],
    });
    const ended = {
      actorId: user.id,
      subjectId: invitation.id,
      details: {
        invitationId: invitation.id,
        role: invitation.role,
        accountDeleted: true as const,
      },
      names: { actor: DELETED_USER_NAME },
    };
    await recordActivity(
      tx,
      pending,
      lockedTeam,
      sentByUser
        ? { action: ActivityAction.INVITATION_REVOKED, ...ended }
        : { action: ActivityAction.INVITATION_DECLINED, ...ended },
    );
  }
  if (!found.role) return;
  await endMembership(tx, pending, lockedTeam, {
    actor: { id: user.id, displayName: DELETED_USER_NAME },
    userId: user.id,
    // Every pending invitation it sent has just been revoked.
    invitations: NO_OPEN_INVITATIONS,
    action: ActivityAction.MEMBER_LEFT,
    details: { role: found.role, accountDeleted: true },
    names: { actor: DELETED_USER_NAME },
  });
}

/**
 * The locked team is being deleted (its TEAM_DELETED row just recorded): every member's feeds
 * stop after that row.
 */
export function endTeam(pending: PendingEvents<DomainEvent>, lockedTeam: Team): void {
  pending.add({
    kind: 'access-revoked',
    teamId: lockedTeam.id,
    userId: null,
    seq: lockedTeam.lastSeq,
  });
}

/**
 * The team's two-factor requirement holds these members out (it turned on, or they turned
 * two-factor off): their feeds of the team end at once, as no row ends them. The membership
 * stays.
 */
export function holdOut(
  pending: PendingEvents<DomainEvent>,
  teamId: string,
  userIds: string[],
): void {
  for (const userId of userIds) pending.add({ kind: 'access-revoked', teamId, userId });
}

/**
 * Ends the given live sessions of one user (sign-out, revoking a session), or all but
 * `allExcept` (a credential change, account deletion), and queues the revocation: their
 * sockets close and every instance stops serving them from its cache. One statement: of two
 * requests ending the same session at once, the second finds it already revoked (PostgreSQL
 * re-checks the condition once the first commits), so a session is ended once. Returns the
 * ids it ended.
 */
export async function endSessions(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  userId: string,
  which: { ids: string[] } | { allExcept: string | null },
): Promise<string[]> {
  // Sent when called (src/db/lock-order.ts): under the account's lock when sent after it.
  const updated = await tx.read<{ id: string }>(
    'ids' in which
      ? `UPDATE sessions SET revoked_at = now()
          WHERE user_id = $1 AND revoked_at IS NULL AND id = ANY($2::uuid[]) RETURNING id`
      : `UPDATE sessions SET revoked_at = now()
          WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2::uuid)
          RETURNING id`,
    [userId, 'ids' in which ? which.ids : which.allExcept],
  );
  const ids = updated.map((row) => row.id);
  if (ids.length) pending.add({ kind: 'sessions-revoked', userId, sessionIds: ids });
  return ids;
}

/** The live sessions a command will end (`readSessionsToEnd`), to end with `endSessionsRead`. */
export interface SessionsToEnd {
  userId: string;
  ids: string[];
}

/**
 * `endSessions` in two halves, for a command that holds the account's row FOR UPDATE
 * (lockAccountRow): the sessions it will end, read when called, with the command's other
 * reads. Every other command that ends or starts a session of the account waits for that lock
 * (ending one takes it FOR UPDATE, a log-in FOR KEY SHARE), so what is read here is what the
 * one-statement UPDATE of `endSessions` would end.
 */
export async function readSessionsToEnd(
  tx: Transaction,
  userId: string,
  which: { allExcept: string | null },
): Promise<SessionsToEnd> {
  const rows = await tx.read<{ id: string }>(
    `SELECT id FROM sessions
      WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2::uuid)`,
    [userId, which.allExcept],
  );
  return { userId, ids: rows.map((row) => row.id) };
}

/**
 * Ends the sessions `readSessionsToEnd` read (a deferred write: no round trip of its own) and
 * queues their revocation, as `endSessions` does. Returns the ids it ended.
 */
export function endSessionsRead(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  { userId, ids }: SessionsToEnd,
): string[] {
  if (!ids.length) return ids;
  tx.defer({
    text: `UPDATE sessions SET revoked_at = now()
            WHERE user_id = $1 AND revoked_at IS NULL AND id = ANY($2::uuid[])`,
    values: [userId, ids],
  });
  pending.add({ kind: 'sessions-revoked', userId, sessionIds: ids });
  return ids;
}
