import type { DataSource, EntityManager } from 'typeorm';
import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { endAccountInTeam, endSessions, type AccountInTeam } from '../access/end-access';
import { allInOrder } from '../db/all-in-order';
import { EntityRows } from '../db/entity-rows';
import { inTransaction, PendingEvents, type Transaction } from '../db/transaction';
import { conflict, forbidden, twoFactorRequired } from '../errors/errors';
import type { DomainEvent } from '../events/domain-events';
import type { EventBus } from '../events/event-bus';
import { accountDeletedNotice } from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
import type { MaybeRole } from '../teams/team-policy';
import { requireSignInUnchanged, type SecretChecks } from './secret-checks';
import { DELETED_USER_NAME } from './deleted-user';
import type { Viewer } from './session.service';

/** The address a deleted account keeps: unique, and reaching nobody (RFC 2606 `.invalid`). */
const tombstoneEmail = (userId: string) => `deleted-${userId}@deleted.invalid`;

/**
 * Deleting an account. The users row stays as a tombstone (id only, no name, no address), so
 * items, invitations and activity that reference it keep resolving — to "a deleted user".
 * Everything that named the person is erased in the same transaction; see docs/api.md "Deleting
 * an account" for how the hash chain stays intact.
 */
export class AccountDeletionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly secrets: SecretChecks,
    private readonly mail: AccountMail,
  ) {}

  async delete(
    viewer: Viewer,
    password: string,
    code: string | null | undefined,
  ): Promise<boolean> {
    // Refused before any secret is checked, so a refusal spends no code (re-checked below).
    // Both on the pool at once: one round trip.
    const [user] = await allInOrder([
      this.dataSource.getRepository(User).findOneByOrFail({ id: viewer.user.id }),
      refuseWhileOwner(this.dataSource.manager, viewer.user.id),
    ]);
    await this.secrets.requirePassword(user, password, 'password');
    if (user.twoFactorEnabledAt) {
      if (!code) throw twoFactorRequired('Deleting the account needs a two-factor code too.');
      await this.secrets.requireCode(user, code, 'code');
    }
    await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const users = new EntityRows(tx.connection, User, [
        'twoFactorSecret',
        'twoFactorPendingSecret',
      ]);
      // Its sessions' revocation is queued after the rest, as it always came last.
      const sessionsEnded = new PendingEvents<DomainEvent>();
      // Round trip 1, with BEGIN. The lock order's first step, taken FOR UPDATE: it waits for
      // every command holding the account and keeps out those that come later, which then see
      // it deleted. What follows is sent behind it, so it reads under the lock: the teams it
      // owns and touches, how it signs in (TypeORM's statements go out after the reads sent
      // before them), and its sessions' end, whose ids the revocation names.
      const [[lockedRow], owned, touched] = await allInOrder([
        tx.read(`SELECT ${users.select('u')} FROM users u WHERE u.id = $1 FOR UPDATE`, [user.id]),
        tx.read<OwnedTeam>(OWNED_TEAMS, [user.id]),
        tx.read<{ team_id: string }>(TEAMS_TOUCHED, [user.id]),
        requireSignInUnchanged(tx, user),
        endSessions(tx, sessionsEnded, user.id, { allExcept: null }),
      ]);
      // requireSignInUnchanged found the row: it is there.
      const locked = users.map(lockedRow) as User;
      refuseOwner(owned);
      const teamIds = touched.map((row) => row.team_id);
      // Round trip 2, when it touches teams: all of them locked in id order in one statement,
      // then what ends in each, read under those locks in one statement.
      const [teams, found] = teamIds.length
        ? await allInOrder([lockTeams(tx, teamIds), readAccountInTeams(tx, teamIds, locked)])
        : [new Map<string, Team>(), new Map<string, AccountInTeam>()];
      // The rest are writes, deferred: they go out with COMMIT.
      for (const teamId of teamIds) {
        const team = teams.get(teamId);
        // A touched team deleted while the lock was awaited: refused as lockTeam refuses it.
        if (!team) throw forbidden();
        await endAccountInTeam(tx, pending, team, locked, found.get(teamId) ?? NOTHING_IN_TEAM);
      }
      // Every invitation to the address that was pending is now declined (above). One still
      // pending was sent after the teams were read: to an address nobody holds any more, as
      // if it had been sent after the deletion, so it keeps the address it was sent to.
      tx.defer({
        text: `UPDATE invitations SET email = $2 WHERE email = $1 AND status <> 'PENDING'`,
        values: [locked.email, tombstoneEmail(locked.id)],
      });
      eraseNameFromActivity(tx, locked);
      pending.add(...sessionsEnded.events);
      for (const table of ['sessions', 'account_tokens', 'recovery_codes']) {
        tx.defer({ text: `DELETE FROM ${table} WHERE user_id = $1`, values: [locked.id] });
      }
      tx.defer({
        text: `UPDATE users SET email = $2, display_name = $3, former_display_names = '{}',
                      password_hash = '!', email_verified_at = NULL, two_factor_secret = NULL,
                      two_factor_pending_secret = NULL, two_factor_enabled_at = NULL,
                      two_factor_last_step = NULL, deleted_at = $4
                WHERE id = $1`,
        values: [locked.id, tombstoneEmail(locked.id), DELETED_USER_NAME, new Date()],
      });
    });
    this.mail.send(accountDeletedNotice(user.email));
    return true;
  }
}

interface OwnedTeam {
  id: string;
  name: string;
}

/** The teams the account owns: it cannot be deleted while it owns any. */
const OWNED_TEAMS = `SELECT t.id, t.name FROM teams t JOIN memberships m ON m.team_id = t.id
                      WHERE m.user_id = $1 AND m.role = 'OWNER' ORDER BY t.name`;

/**
 * Teams where the user is a member or has pending invitations to or from them, in id order
 * (its address read in the statement: sent behind the account's lock, the address as locked).
 */
const TEAMS_TOUCHED = `SELECT team_id FROM memberships WHERE user_id = $1
                        UNION
                       SELECT team_id FROM invitations
                        WHERE status = 'PENDING'
                          AND (invited_by_id = $1 OR email = (SELECT email FROM users WHERE id = $1))
                       ORDER BY team_id`;

/** What ends in a team where the account is neither a member nor has a pending invitation. */
const NOTHING_IN_TEAM: AccountInTeam = { invitations: [], role: null };

async function refuseWhileOwner(tx: EntityManager, userId: string): Promise<void> {
  refuseOwner(await tx.query(OWNED_TEAMS, [userId]));
}

function refuseOwner(owned: OwnedTeam[]): void {
  if (owned.length) {
    throw conflict(
      `You own ${owned.map((t) => `"${t.name}"`).join(', ')}: transfer ownership or delete ${owned.length === 1 ? 'that team' : 'those teams'} first.`,
      { teams: owned },
    );
  }
}

/**
 * Locks the teams FOR UPDATE in one statement, in id order (the rows are sorted before they
 * are locked), as `lockTeam` would one after another; sent when called.
 */
async function lockTeams(tx: Transaction, teamIds: string[]): Promise<Map<string, Team>> {
  const teams = new EntityRows(tx.connection, Team);
  const rows = await tx.read(
    `SELECT ${teams.select('t')} FROM teams t WHERE t.id = ANY($1::uuid[]) ORDER BY t.id FOR UPDATE`,
    [teamIds],
  );
  return new Map(rows.flatMap((row) => teams.map(row) ?? []).map((team) => [team.id, team]));
}

/**
 * What `endAccountInTeam` ends in each of the teams (as `readAccountInTeam` reads it for one),
 * in one statement sent when called: sent after the teams' lock, it reads under it.
 */
async function readAccountInTeams(
  tx: Transaction,
  teamIds: string[],
  user: Pick<User, 'id' | 'email'>,
): Promise<Map<string, AccountInTeam>> {
  const invitations = new EntityRows(tx.connection, Invitation);
  const rows = await tx.read<{ k_team: string; k_role: MaybeRole }>(
    `SELECT ${invitations.select('i')}, tt.id AS k_team, m.role AS k_role
       FROM unnest($1::uuid[]) AS tt(id)
       LEFT JOIN memberships m ON m.team_id = tt.id AND m.user_id = $2
       LEFT JOIN invitations i ON i.team_id = tt.id AND i.status = $4
                              AND (i.invited_by_id = $2 OR i.email = $3)
      ORDER BY tt.id, i.created_at, i.id`,
    [teamIds, user.id, user.email, InvitationStatus.PENDING],
  );
  const found = new Map<string, AccountInTeam>();
  for (const row of rows) {
    let inTeam = found.get(row.k_team);
    if (!inTeam) {
      inTeam = { invitations: [], role: row.k_role ?? null };
      found.set(row.k_team, inTeam);
    }
    const invitation = invitations.map(row);
    if (invitation) inTeam.invitations.push(invitation);
  }
  return found;
}

/**
 * Replaces every name the user went by in the summaries of activity about them, and drops
 * those rows' summary salts: the chain seals each summary by a salted digest, so it stays
 * intact, and without the salt the erased text can no longer be confirmed by guessing. One
 * deferred statement, sent behind the deletion's own activity rows so it sees them too; the
 * rows are locked in id order; the longest names are replaced first, each everywhere it occurs.
 */
function eraseNameFromActivity(tx: Transaction, user: User): void {
  const names = [...new Set([user.displayName, ...user.formerDisplayNames])]
    .filter((name) => name.length > 0)
    .sort((a, b) => b.length - a.length);
  if (!names.length) return;
  const erased = (column: string) =>
    names.reduce((text, _, i) => `replace(${text}, ($2::text[])[${i + 1}], $3)`, column);
  tx.defer({
    text: `WITH named AS (
             SELECT id FROM activities
              WHERE (actor_id = $1 OR subject_id = $1 OR details::text LIKE '%' || $1::text || '%')
                AND ${erased('summary')} <> summary
              ORDER BY id FOR UPDATE)
           UPDATE activities a SET summary = ${erased('a.summary')}, summary_salt = NULL
             FROM named WHERE a.id = named.id`,
    values: [user.id, names, DELETED_USER_NAME],
  });
}
