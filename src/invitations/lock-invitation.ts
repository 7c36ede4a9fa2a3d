import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import { Team } from '../../entities/team.entity';
import { heldColumnSql, membershipJoinsSql } from '../access/member-access-sql';
import { EntityRows } from '../db/entity-rows';
import type { Transaction } from '../db/transaction';
import type { MaybeRole } from '../teams/team-policy';
import { isUuid } from '../validation/ids';

/*
 * The reads of an invitation command, each sent when called (`Transaction.read`), so that a
 * command starts them together with its account lock and awaits them together (`allInOrder`):
 * one round trip, the locks still taken in the order of the calls (src/db/lock-order.ts). An
 * invitation names its team, which is locked before the invitation is read; the statements
 * here find the team through the invitation themselves, so nothing waits for an answer to
 * send the next.
 */

/** How a command names its invitation: by id, or by the hash of the token it was sent with. */
export type InvitationKey = { id: string } | { tokenHash: string };

/** The key's column and value; null when it cannot name any invitation (sends nothing). */
function keyOf(key: InvitationKey): { column: 'id' | 'token_hash'; value: string } | null {
  if ('id' in key) return isUuid(key.id) ? { column: 'id', value: key.id } : null;
  return { column: 'token_hash', value: key.tokenHash };
}

/** The invitation as found before its team's lock, and that team, locked. */
export interface InvitationTeam {
  /** Null when no invitation has the key. */
  found: Pick<Invitation, 'id' | 'email'> | null;
  /** Null when the invitation was not found or its team is gone (deleted while we waited). */
  team: Team | null;
}

/**
 * Finds the invitation and locks its team (FOR UPDATE, as `lockTeam`), in one statement: the
 * invitation as it was before the lock (its team never changes), the team as it is once locked.
 */
export async function lockTeamOfInvitation(
  tx: Transaction,
  key: InvitationKey,
): Promise<InvitationTeam> {
  const by = keyOf(key);
  if (!by) return { found: null, team: null };
  const teams = new EntityRows(tx.connection, Team);
  const [row] = await tx.read<{ k_id: string; k_email: string }>(
    `SELECT f.id AS k_id, f.email AS k_email, ${teams.select('t')}
       FROM invitations f
       LEFT JOIN LATERAL (SELECT * FROM teams WHERE teams.id = f.team_id FOR UPDATE) t ON true
      WHERE f.${by.column} = $1`,
    [by.value],
  );
  return {
    found: row ? { id: row.k_id, email: row.k_email } : null,
    team: (row && teams.map(row)) ?? null,
  };
}

/** The invitation read under its team's lock, with the actor's place in that team. */
export interface InvitationUnderLock {
  /** Null when no invitation has the key any more (a token replaced by a resend). */
  invitation: Invitation | null;
  /** The actor's role in the team whatever its two-factor requirement; null: not a member. */
  role: MaybeRole;
  /** The actor is a member held out by the team's two-factor requirement. */
  held: boolean;
  /** Someone with the invitation's address is a member of the team (only `withRivals`). */
  addressIsMember: boolean;
  /** Another open invitation to the address in the team (only `withRivals`). */
  otherOpenInvitation: boolean;
}

/**
 * The invitation, sent after `lockTeamOfInvitation` so that it is read under the team's lock,
 * with the actor's role in its team (a membership can only change under that lock too). The
 * invitation's row is locked FOR NO KEY UPDATE, the lock its own change takes anyway: what is
 * read here is what that change will find. `withRivals` also tells whether the address is
 * already a member or has another open invitation to the team.
 */
export async function invitationUnderLock(
  tx: Transaction,
  key: InvitationKey,
  actorId: string,
  { withRivals = false } = {},
): Promise<InvitationUnderLock> {
  const by = keyOf(key);
  if (!by) return { invitation: null, ...NOBODY };
  const invitations = new EntityRows(tx.connection, Invitation);
  const rivals = withRivals
    ? `, ${addressIsMemberSql('i.team_id', 'i.email')} AS k_member,
         ${openInvitationSql('i.team_id', 'i.email', 'i.id')} AS k_other_open`
    : '';
  const [row] = await tx.read<{
    k_role: MaybeRole;
    k_held: boolean;
    k_member?: boolean;
    k_other_open?: boolean;
  }>(
    `SELECT ${invitations.select('i')}, m.role AS k_role, ${heldColumnSql()} AS k_held${rivals}
       FROM invitations i JOIN teams t ON t.id = i.team_id
       ${membershipJoinsSql('i.team_id', '$2')}
      WHERE i.${by.column} = $1
        FOR NO KEY UPDATE OF i`,
    [by.value, actorId],
  );
  if (!row) return { invitation: null, ...NOBODY };
  return {
    invitation: invitations.map(row),
    role: row.k_role ?? null,
    held: row.k_held,
    addressIsMember: row.k_member ?? false,
    otherOpenInvitation: row.k_other_open ?? false,
  };
}

const NOBODY = { role: null, held: false, addressIsMember: false, otherOpenInvitation: false };

/** Whether a member of the team has the address (SQL expressions for both). */
export const addressIsMemberSql = (teamId: string, email: string): string => `EXISTS (
  SELECT 1 FROM memberships am JOIN users au ON au.id = am.user_id
   WHERE am.team_id = ${teamId} AND au.email = ${email})`;

/** Whether the address has an open invitation to the team, other than `exceptId` when given. */
export const openInvitationSql = (teamId: string, email: string, exceptId?: string): string =>
  `EXISTS (
  SELECT 1 FROM invitations oi
   WHERE oi.team_id = ${teamId} AND oi.email = ${email}
     AND oi.status = '${InvitationStatus.PENDING}' AND oi.expires_at > now()
     ${exceptId ? `AND oi.id <> ${exceptId}` : ''})`;

/**
 * Whether accepting the invitation proves the actor's address: it is the invitation's and not
 * yet verified. The account's row is locked FOR NO KEY UPDATE when it is, the lock the
 * verification's UPDATE takes (a verification committed meanwhile is seen after the wait), so
 * the answer is what that UPDATE would find. Sent after `lockTeamOfInvitation`.
 */
export async function acceptanceVerifiesAddress(
  tx: Transaction,
  key: InvitationKey,
  actorId: string,
): Promise<boolean> {
  const by = keyOf(key);
  if (!by) return false;
  const rows = await tx.read(
    `SELECT u.id FROM users u
      WHERE u.id = $2 AND u.email_verified_at IS NULL
        AND u.email = (SELECT email FROM invitations WHERE ${by.column} = $1)
        FOR NO KEY UPDATE`,
    [by.value, actorId],
  );
  return rows.length > 0;
}
