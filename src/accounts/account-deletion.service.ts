import type { DataSource, EntityManager } from 'typeorm';
import { AccountToken } from '../../entities/account-token.entity';
import { RecoveryCode } from '../../entities/recovery-code.entity';
import { Session } from '../../entities/session.entity';
import { User } from '../../entities/user.entity';
import { endAccountInTeam, readAccountInTeam, endSessions } from '../access/end-access';
import { allInOrder } from '../db/all-in-order';
import { lockTeam } from '../db/lock-order';
import { inTransaction } from '../db/transaction';
import { conflict, twoFactorRequired } from '../errors/errors';
import type { EventBus } from '../events/event-bus';
import { accountDeletedNotice } from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
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
    const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: viewer.user.id });
    // Refused before any secret is checked, so a refusal spends no code (re-checked below).
    await refuseWhileOwner(this.dataSource.manager, user.id);
    await this.secrets.requirePassword(user, password, 'password');
    if (user.twoFactorEnabledAt) {
      if (!code) throw twoFactorRequired('Deleting the account needs a two-factor code too.');
      await this.secrets.requireCode(user, code, 'code');
    }
    await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // The lock order's first step, taken FOR UPDATE: it waits for every command holding the
      // account and keeps out those that come later, which then see it deleted.
      const locked = await tx
        .getRepository(User)
        .createQueryBuilder('u')
        .setLock('pessimistic_write')
        .where('u.id = :id', { id: user.id })
        .getOneOrFail();
      await requireSignInUnchanged(tx, user);
      await refuseWhileOwner(tx, locked.id);
      for (const teamId of await this.teamsTouched(tx, locked)) {
        const [team, found] = await allInOrder([
          lockTeam(tx, teamId),
          readAccountInTeam(tx, teamId, locked),
        ]);
        await endAccountInTeam(tx, pending, team, locked, found);
      }
      // Every invitation to the address that was pending is now declined (above). One still
      // pending was sent after the teams were read: to an address nobody holds any more, as
      // if it had been sent after the deletion, so it keeps the address it was sent to.
      await tx.query(`UPDATE invitations SET email = $2 WHERE email = $1 AND status <> 'PENDING'`, [
        locked.email,
        tombstoneEmail(locked.id),
      ]);
      await eraseNameFromActivity(tx, locked);
      await endSessions(tx, pending, locked.id, { allExcept: null });
      await tx.delete(Session, { userId: locked.id });
      await tx.delete(AccountToken, { userId: locked.id });
      await tx.delete(RecoveryCode, { userId: locked.id });
      await tx.update(
        User,
        { id: locked.id },
        {
          email: tombstoneEmail(locked.id),
          displayName: DELETED_USER_NAME,
          formerDisplayNames: [],
          passwordHash: '!',
          emailVerifiedAt: null,
          twoFactorSecret: null,
          twoFactorPendingSecret: null,
          twoFactorEnabledAt: null,
          twoFactorLastStep: null,
          deletedAt: new Date(),
        },
      );
    });
    this.mail.send(accountDeletedNotice(user.email));
    return true;
  }

  /** Teams where the user is a member or has pending invitations to or from them, in id order. */
  private async teamsTouched(tx: EntityManager, user: User): Promise<string[]> {
    const rows: { team_id: string }[] = await tx.query(
      `SELECT team_id FROM memberships WHERE user_id = $1
       UNION
       SELECT team_id FROM invitations
        WHERE status = 'PENDING' AND (invited_by_id = $1 OR email = $2)
       ORDER BY team_id`,
      [user.id, user.email],
    );
    return rows.map((r) => r.team_id);
  }
}

async function refuseWhileOwner(tx: EntityManager, userId: string): Promise<void> {
  const owned: { id: string; name: string }[] = await tx.query(
    `SELECT t.id, t.name FROM teams t JOIN memberships m ON m.team_id = t.id
      WHERE m.user_id = $1 AND m.role = 'OWNER' ORDER BY t.name`,
    [userId],
  );
  if (owned.length) {
    throw conflict(
      `You own ${owned.map((t) => `"${t.name}"`).join(', ')}: transfer ownership or delete ${owned.length === 1 ? 'that team' : 'those teams'} first.`,
      { teams: owned },
    );
  }
}

/**
 * Replaces every name the user went by in the summaries of activity about them, and drops
 * those rows' summary salts: the chain seals each summary by a salted digest, so it stays
 * intact, and without the salt the erased text can no longer be confirmed by guessing.
 */
async function eraseNameFromActivity(tx: EntityManager, user: User): Promise<void> {
  const names = [...new Set([user.displayName, ...user.formerDisplayNames])]
    .filter((name) => name.length > 0)
    .sort((a, b) => b.length - a.length);
  const rows: { id: string; summary: string }[] = await tx.query(
    `SELECT id, summary FROM activities
      WHERE actor_id = $1 OR subject_id = $1 OR details::text LIKE '%' || $1::text || '%'
      ORDER BY id`,
    [user.id],
  );
  for (const row of rows) {
    const erased = names.reduce(
      (text, name) => text.split(name).join(DELETED_USER_NAME),
      row.summary,
    );
    if (erased === row.summary) continue;
    await tx.query(`UPDATE activities SET summary = $2, summary_salt = NULL WHERE id = $1`, [
      row.id,
      erased,
    ]);
  }
}
