import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { User } from '../../entities/user.entity';
import {
  hashPassword,
  passwordNeedsRehash,
  timingDummyHash,
  verifyPassword,
} from '../auth/password-hasher';
import { endSessions } from '../access/end-access';
import { PASSWORD_MAX_LENGTH, passwordWeakness } from '../auth/password-policy';
import { allInOrder } from '../db/all-in-order';
import { EntityRows } from '../db/entity-rows';
import { inTransaction } from '../db/transaction';
import { lockAccountRows, lockAccounts } from '../db/lock-order';
import { isUniqueViolation } from '../db/unique-violation';
import { badInput, conflict, notFound, twoFactorRequired, unauthenticated } from '../errors/errors';
import { passwordChangedNotice } from '../mail/account-emails';
import type { AccountMail } from '../mail/account-mail';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';
import type { RateLimits } from '../rate-limit/rate-limits';
import { isUuid } from '../validation/ids';
import { canonicalEmail } from '../validation/canonical-email';
import { requireText } from '../validation/validators';
import { accountEvent } from './account-event';
import { readAccountSecrets } from './account-security';
import { lockAccountOfSession } from './lock-account';
import type { EmailVerificationService } from './email-verification.service';
import { requireSignInUnchanged, type SecretChecks } from './secret-checks';
import type { SessionService, Viewer } from './session.service';
import { Session } from '../../entities/session.entity';
import type { CpuPool } from '../workers/cpu-pool';

export interface AuthResult {
  token: string;
  session: Session;
  user: User;
}

export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}

const DISPLAY_NAME_MAX = 100;

/** The sealed two-factor secrets stay out of the user a profile change answers with. */
const PROFILE_OMITS: (keyof User)[] = ['twoFactorSecret', 'twoFactorPendingSecret'];

/** The user in `row`; an account row never goes away (a deleted one stays as a tombstone). */
function requireRow(users: EntityRows<User>, row: Record<string, unknown> | undefined): User {
  const user = row && users.map(row);
  if (!user) throw new Error('the account row is missing');
  return user;
}
const INVALID_CREDENTIALS = 'Invalid e-mail or password.';

/** Sign-up, log-in and everything a user does to their own account. */
export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly sessions: SessionService,
    private readonly rateLimits: RateLimits,
    private readonly cpu: CpuPool,
    private readonly secrets: SecretChecks,
    private readonly verification: EmailVerificationService,
    private readonly mail: AccountMail,
  ) {}

  async signUp(
    input: { email: string; password: string; displayName: string },
    origin: RequestOrigin,
  ): Promise<AuthResult> {
    await this.rateLimits.consume('signUpPerIp', origin.ip);
    const email = canonicalEmail('email', input.email);
    const displayName = requireText('displayName', input.displayName, 1, DISPLAY_NAME_MAX);
    const weakness = await passwordWeakness(this.cpu, input.password, { email, displayName });
    if (weakness) throw badInput('password', weakness);
    const passwordHash = await hashPassword(input.password);
    try {
      const { result, verification } = await inTransaction(
        this.dataSource,
        this.bus,
        async (tx) => {
          // The row as it will be stored, made here: the insert is deferred (an address
          // already taken fails it, and the transaction with it, at the latest at COMMIT).
          const user = Object.assign(new User(), {
            id: randomUUID(),
            email,
            displayName,
            passwordHash,
            createdAt: new Date(),
            emailVerifiedAt: null,
            formerDisplayNames: [],
            twoFactorSecret: null,
            twoFactorPendingSecret: null,
            twoFactorEnabledAt: null,
            twoFactorLastStep: null,
            deletedAt: null,
          });
          tx.defer({
            text: `INSERT INTO users (id, email, display_name, password_hash, created_at)
                   VALUES ($1, $2, $3, $4, $5)`,
            values: [user.id, email, displayName, passwordHash, user.createdAt],
          });
          const { token, session } = await this.sessions.create(tx, user.id, origin.userAgent);
          return {
            result: { token, session, user },
            verification: await this.verification.issue(tx, user),
          };
        },
      );
      this.verification.send(verification);
      return result;
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('An account with this e-mail already exists.');
      throw error;
    }
  }

  async logIn(
    emailRaw: string,
    password: string,
    code: string | null | undefined,
    origin: RequestOrigin,
  ): Promise<AuthResult> {
    const email = canonicalEmail('email', emailRaw);
    // Every attempt counts per IP; failures count per account, and a locked account is refused
    // before the password is checked, so guessing stops even with the right password.
    await this.rateLimits.consume('logInPerIp', origin.ip);
    await this.rateLimits.check('logInPerAccount', email);
    const user = await this.dataSource.getRepository(User).findOneBy({ email });
    // Verify against a dummy hash for unknown e-mails: same work, same timing, same error.
    const valid = await this.passwordMatches(
      user?.passwordHash ?? (await timingDummyHash()),
      password,
    );
    if (!user || !valid || user.deletedAt) {
      await this.rateLimits.penalize('logInPerAccount', email);
      throw unauthenticated(INVALID_CREDENTIALS);
    }
    const rehash = passwordNeedsRehash(user.passwordHash) ? await hashPassword(password) : null;
    if (user.twoFactorEnabledAt && !code) throw twoFactorRequired();
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // A deletion that began after the check above ends this log-in as it would have before.
      if ((await lockAccountRows(tx, [user.id])).isDeleted(user.id)) {
        throw unauthenticated(INVALID_CREDENTIALS);
      }
      // A wrong or reused code is the same failure as a wrong password, under the same budget.
      if (code && user.twoFactorEnabledAt && !(await this.secrets.spendCode(tx, user, code))) {
        await this.rateLimits.penalize('logInPerAccount', email);
        throw unauthenticated(INVALID_CREDENTIALS);
      }
      if (rehash) {
        tx.defer({
          text: `UPDATE users SET password_hash = $2 WHERE id = $1`,
          values: [user.id, rehash],
        });
      }
      const { token, session } = await this.sessions.create(tx, user.id, origin.userAgent);
      accountEvent(pending, user.id, session.id, AccountEventType.NEW_SIGN_IN, {
        userAgent: session.userAgent,
      });
      return { token, session, user };
    });
  }

  logOut(viewer: Viewer): Promise<boolean> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // Two requests ending this session at once: the second finds it ended (UNAUTHENTICATED).
      await allInOrder([
        lockAccountOfSession(tx, viewer.user.id, viewer.session.id),
        endSessions(tx, pending, viewer.user.id, { ids: [viewer.session.id] }),
      ]);
      return true;
    });
  }

  revokeSession(viewer: Viewer, sessionId: string): Promise<boolean> {
    if (!isUuid(sessionId)) throw notFound('No such active session.');
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, revoked] = await allInOrder([
        lockAccountOfSession(tx, viewer.user.id, viewer.session.id),
        endSessions(tx, pending, viewer.user.id, { ids: [sessionId] }),
      ]);
      if (!revoked.length) throw notFound('No such active session.');
      accountEvent(pending, viewer.user.id, viewer.session.id, AccountEventType.SESSION_REVOKED, {
        sessionId,
      });
      return true;
    });
  }

  revokeOtherSessions(viewer: Viewer): Promise<number> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, revoked] = await allInOrder([
        lockAccountOfSession(tx, viewer.user.id, viewer.session.id),
        endSessions(tx, pending, viewer.user.id, { allExcept: viewer.session.id }),
      ]);
      accountEvent(
        pending,
        viewer.user.id,
        viewer.session.id,
        AccountEventType.OTHER_SESSIONS_REVOKED,
        {
          count: revoked.length,
        },
      );
      return revoked.length;
    });
  }

  async changePassword(
    viewer: Viewer,
    currentPassword: string,
    newPassword: string,
    origin: RequestOrigin,
  ): Promise<boolean> {
    const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: viewer.user.id });
    // The same budget and lock as log-in: a stolen session is not an unlimited password oracle.
    await this.rateLimits.consume('logInPerIp', origin.ip);
    await this.secrets.requirePassword(user, currentPassword, 'currentPassword');
    const weakness = await passwordWeakness(this.cpu, newPassword, user);
    if (weakness) throw badInput('newPassword', weakness);
    const passwordHash = await hashPassword(newPassword);
    const email = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // Read under the lock: the address the notice goes to (nothing below changes it).
      const [, locked, secrets] = await allInOrder([
        lockAccountOfSession(tx, user.id, viewer.session.id),
        requireSignInUnchanged(tx, user),
        readAccountSecrets(tx, user.id, viewer.session.id),
      ]);
      secrets.end(pending);
      // Goes out with COMMIT.
      tx.defer({
        text: `UPDATE users SET password_hash = $2 WHERE id = $1`,
        values: [user.id, passwordHash],
      });
      accountEvent(pending, user.id, viewer.session.id, AccountEventType.PASSWORD_CHANGED);
      return locked.email;
    });
    this.mail.send(passwordChangedNotice(email));
    return true;
  }

  /**
   * The session proves its owner again (password, and a code when two-factor is on), which
   * opens the recent-authentication window for it. The same budget as log-in.
   */
  async confirmIdentity(
    viewer: Viewer,
    password: string,
    code: string | null | undefined,
    origin: RequestOrigin,
  ): Promise<boolean> {
    const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: viewer.user.id });
    await this.rateLimits.consume('logInPerIp', origin.ip);
    await this.secrets.requirePassword(user, password, 'password');
    if (user.twoFactorEnabledAt) {
      if (!code) throw twoFactorRequired();
      await this.secrets.requireCode(user, code, 'code');
    }
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await allInOrder([
        lockAccountOfSession(tx, user.id, viewer.session.id),
        requireSignInUnchanged(tx, user),
      ]);
      // The conditional update decides the answer: sent with COMMIT, its rows read after. When
      // it touched nothing, nothing was written, so the committed transaction changed nothing.
      const confirmed = await tx.close({
        text: `UPDATE sessions SET authenticated_at = now()
                WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
        values: [viewer.session.id],
      });
      if (confirmed.length !== 1)
        throw unauthenticated('Your session is invalid, revoked or expired.');
      // The event also drops the cached session everywhere, so the new time is read at once.
      accountEvent(pending, user.id, viewer.session.id, AccountEventType.IDENTITY_CONFIRMED);
      return true;
    });
  }

  updateProfile(viewer: Viewer, input: { displayName?: string | null }): Promise<User> {
    const changes: Partial<User> = {};
    if (input.displayName != null) {
      changes.displayName = requireText('displayName', input.displayName, 1, DISPLAY_NAME_MAX);
    }
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // An account whose deletion has begun is renamed no more: its erased name stays erased.
      await lockAccounts(tx, viewer.user.id);
      const users = new EntityRows(tx.connection, User, PROFILE_OMITS);
      accountEvent(pending, viewer.user.id, viewer.session.id, AccountEventType.PROFILE_UPDATED, {
        ...changes,
      });
      if (changes.displayName === undefined) {
        const [row] = await tx.close({
          text: `SELECT ${users.select('u')} FROM users u WHERE u.id = $1`,
          values: [viewer.user.id],
        });
        return requireRow(users, row);
      }
      // The old name is kept (privately) so that deleting the account erases it too.
      tx.defer({
        text: `UPDATE users SET former_display_names = array_append(former_display_names, display_name)
                WHERE id = $1 AND display_name <> $2 AND NOT display_name = ANY(former_display_names)`,
        values: [viewer.user.id, changes.displayName],
      });
      // The row as it is once changed, sent with COMMIT.
      const [row] = await tx.close({
        text: `UPDATE users u SET display_name = $2 WHERE u.id = $1 RETURNING ${users.select('u')}`,
        values: [viewer.user.id, changes.displayName],
      });
      return requireRow(users, row);
    });
  }

  /** A password longer than sign-up allows can never match: refused without hashing it. */
  private async passwordMatches(passwordHash: string, password: string): Promise<boolean> {
    if (password.length > PASSWORD_MAX_LENGTH) return false;
    return verifyPassword(passwordHash, password);
  }
}
