import { withConfirmedRole } from '../loaders/confirmed-role';
import { accountEvent } from '../accounts/account-event';
import { DataSource, type EntityManager } from 'typeorm';
import { ActivityAction } from '../../entities/activity-action.enum';
import { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';
import { Membership } from '../../entities/membership.entity';
import { Role } from '../../entities/role.enum';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { recordActivity } from '../activity/record-activity';
import { lockAccounts, lockTeam } from '../db/lock-order';
import { generateToken, hashToken } from '../auth/token';
import { inTransaction, type Transaction } from '../db/transaction';
import { badInput, conflict, forbidden } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../logging/logger';
import type { RecipientBudgetMailer } from '../mail/mail-budget';
import type { MailPermit } from '../mail/mailer';
import type { RateLimits } from '../rate-limit/rate-limits';
import { actingRoleIn, roleIn } from '../teams/membership-queries';
import { canInviteAs, canManageTeam } from '../teams/team-policy';
import { isUuid } from '../validation/ids';
import { canonicalEmail } from '../validation/canonical-email';
import { closeInvitation } from './close-invitation';
import { invitationEmail } from './invitation-email';
import { invitationLink } from './invitation-link';
import { teamInvitationsQuery } from './team-invitations-query';
import { effectiveStatus, isOpen } from './invitation-status';

export interface InvitationWithToken {
  invitation: Invitation;
  /** Shown once to the inviter; only its hash is stored. */
  token: string;
}

export interface InvitationPreviewData {
  teamName: string;
  inviterName: string;
  role: Role;
  expiresAt: Date;
}

export interface InvitationServiceOptions {
  /** How long an invitation stays valid, in milliseconds. */
  ttlMs: number;
  /** Base of the accept link in e-mails. */
  publicUrl: string;
}

/** Tokens are at most this long (generated ones are 43 characters); longer input is not a token. */
const TOKEN_MAX = 200;

const NOT_VALID = 'This invitation is not valid.';

/**
 * Invitations: the only way into a team. Every mutation locks the team row, re-checks the
 * caller's role and the invitation's state against committed data, changes it and records one
 * activity in the same transaction; e-mail goes out only after commit.
 */
export class InvitationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly rateLimits: RateLimits,
    private readonly mailer: RecipientBudgetMailer,
    private readonly logger: Logger,
    private readonly options: InvitationServiceOptions,
  ) {}

  async invite(
    actor: User,
    teamId: string,
    emailRaw: string,
    role: Role,
  ): Promise<InvitationWithToken> {
    const email = canonicalEmail('email', emailRaw);
    if (role === Role.OWNER) {
      throw badInput(
        'role',
        'Nobody can be invited as OWNER; invite as ADMIN or MEMBER, then transfer ownership.',
      );
    }
    const token = generateToken();
    const result = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id);
      const team = await lockTeam(tx, teamId);
      const actorRole = await actingRoleIn(tx, teamId, actor.id);
      if (!canInviteAs(actorRole, role)) throw forbidden();
      // Counted only for callers allowed to invite, so outsiders cannot spend a team's budget.
      await this.rateLimits.consume('invitePerTeam', teamId);
      if (await this.isMemberByEmail(tx, teamId, email))
        throw conflict('This person is already a member of the team.');
      if (await this.hasOpenInvitation(tx, teamId, email)) {
        throw conflict(
          'This e-mail address already has a pending invitation to the team; resend it instead.',
        );
      }
      // Last of the checks: RATE_LIMITED here rolls everything back and sends nothing.
      const permit = await this.mailer.reserve(email);
      const invitation = await tx.save(
        tx.create(Invitation, {
          teamId,
          email,
          role,
          status: InvitationStatus.PENDING,
          tokenHash: hashToken(token),
          invitedById: actor.id,
          expiresAt: this.newExpiry(),
          respondedAt: null,
        }),
      );
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.MEMBER_INVITED,
        subjectId: invitation.id,
        details: { invitationId: invitation.id, role },
        names: { actor: actor.displayName },
      });
      return { invitation, team, permit, actorRole };
    });
    this.sendInvitationEmail(result.invitation, result.team, actor, token, result.permit);
    return withConfirmedRole({ invitation: result.invitation, token }, teamId, result.actorRole);
  }

  async resend(actor: User, invitationId: string): Promise<InvitationWithToken> {
    const token = generateToken();
    const result = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id);
      const { team, invitation } = await this.lockInvitation(tx, invitationId);
      const actorRole = await actingRoleIn(tx, team.id, actor.id);
      if (!canInviteAs(actorRole, invitation.role)) throw forbidden();
      await this.rateLimits.consume('invitePerTeam', team.id);
      if (invitation.status !== InvitationStatus.PENDING) {
        throw conflict(`This invitation was already ${invitation.status.toLowerCase()}.`);
      }
      if (await this.isMemberByEmail(tx, team.id, invitation.email)) {
        throw conflict('This person is already a member of the team.');
      }
      if (await this.hasOpenInvitation(tx, team.id, invitation.email, invitation.id)) {
        throw conflict('This e-mail address has a newer pending invitation to the team.');
      }
      const permit = await this.mailer.reserve(invitation.email);
      // A new hash replaces the old one, so the old token stops matching at once.
      invitation.tokenHash = hashToken(token);
      invitation.expiresAt = this.newExpiry();
      await tx.update(
        Invitation,
        { id: invitation.id },
        { tokenHash: invitation.tokenHash, expiresAt: invitation.expiresAt },
      );
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.INVITATION_RESENT,
        subjectId: invitation.id,
        names: { actor: actor.displayName },
        details: {
          invitationId: invitation.id,
          role: invitation.role,
          expiresAt: invitation.expiresAt.toISOString(),
        },
      });
      return { invitation, team, permit, actorRole };
    });
    this.sendInvitationEmail(result.invitation, result.team, actor, token, result.permit);
    return withConfirmedRole(
      { invitation: result.invitation, token },
      result.team.id,
      result.actorRole,
    );
  }

  revoke(actor: User, invitationId: string): Promise<Invitation> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id);
      const { team, invitation } = await this.lockInvitation(tx, invitationId);
      // Revoking only takes access away, so any manager may revoke any invitation of the team.
      const actorRole = await actingRoleIn(tx, team.id, actor.id);
      if (!canManageTeam(actorRole)) throw forbidden();
      if (invitation.status !== InvitationStatus.PENDING) {
        throw conflict(`This invitation was already ${invitation.status.toLowerCase()}.`);
      }
      await closeInvitation(tx, pending, team, invitation, actor, InvitationStatus.REVOKED);
      return withConfirmedRole(invitation, team.id, actorRole);
    });
  }

  accept(actor: User, token: string, ip: string): Promise<Membership> {
    return this.join(actor, ip, (tx) => this.lockOpenInvitationFor(tx, actor, token));
  }

  /**
   * Accepts one of `myInvitations` by its id: the signed-in invitee's verified address stands in
   * for the e-mailed token (the same rule that lets them list it).
   */
  acceptMine(actor: User, invitationId: string, ip: string): Promise<Membership> {
    return this.join(actor, ip, (tx) => this.lockOpenInvitationById(tx, actor, invitationId));
  }

  /** Joins the team of the invitation `lockOpen` finds open for the actor, consuming it. */
  private async join(
    actor: User,
    ip: string,
    lockOpen: (tx: Transaction) => Promise<{ team: Team; invitation: Invitation }>,
  ): Promise<Membership> {
    await this.countAttempt(actor, ip);
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id);
      const { team, invitation } = await lockOpen(tx);
      if (await roleIn(tx, team.id, actor.id))
        throw conflict('You are already a member of this team.');
      const now = new Date();
      // Conditional on PENDING as well as the team lock: a token can be consumed exactly once.
      const consumed = await tx
        .createQueryBuilder()
        .update(Invitation)
        .set({ status: InvitationStatus.ACCEPTED, respondedAt: now })
        .where('id = :id AND status = :pending', {
          id: invitation.id,
          pending: InvitationStatus.PENDING,
        })
        .execute();
      if (consumed.affected !== 1) throw forbidden(NOT_VALID);
      const membership = tx.create(Membership, {
        teamId: team.id,
        userId: actor.id,
        role: invitation.role,
        joinedAt: now,
        lastReadSeq: 0,
      });
      await tx.insert(Membership, membership);
      // The token reached this address by e-mail: that proves the address, like a verify link.
      // Only a change is news: it refreshes the user's cached profile and their other sessions.
      const verified = await tx
        .createQueryBuilder()
        .update(User)
        .set({ emailVerifiedAt: () => 'now()' })
        .where('id = :id AND email = :email AND email_verified_at IS NULL', {
          id: actor.id,
          email: invitation.email,
        })
        .execute();
      if (verified.affected) accountEvent(pending, actor.id, null, AccountEventType.EMAIL_VERIFIED);
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.MEMBER_JOINED,
        subjectId: actor.id,
        names: { actor: actor.displayName },
        details: {
          invitationId: invitation.id,
          role: invitation.role,
          invitedById: invitation.invitedById,
        },
      });
      pending.add({ kind: 'access-granted', teamId: team.id, userId: actor.id });
      return withConfirmedRole(membership, team.id, invitation.role);
    });
  }

  decline(actor: User, token: string, ip: string): Promise<boolean> {
    return this.refuse(actor, ip, (tx) => this.lockOpenInvitationFor(tx, actor, token));
  }

  /** Declines one of `myInvitations` by its id (see `acceptMine`). */
  declineMine(actor: User, invitationId: string, ip: string): Promise<boolean> {
    return this.refuse(actor, ip, (tx) => this.lockOpenInvitationById(tx, actor, invitationId));
  }

  private async refuse(
    actor: User,
    ip: string,
    lockOpen: (tx: Transaction) => Promise<{ team: Team; invitation: Invitation }>,
  ): Promise<boolean> {
    await this.countAttempt(actor, ip);
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id);
      const { team, invitation } = await lockOpen(tx);
      await closeInvitation(tx, pending, team, invitation, actor, InvitationStatus.DECLINED);
      return true;
    });
  }

  /** What the holder of a link may see before signing in; null unless the invitation is open. */
  async preview(token: string, ip: string): Promise<InvitationPreviewData | null> {
    await this.rateLimits.consume('invitationPreviewPerIp', ip);
    const invitation = await this.findByToken(this.dataSource.manager, token);
    if (!invitation || !isOpen(invitation)) return null;
    const [team, inviter] = await Promise.all([
      this.dataSource.getRepository(Team).findOneBy({ id: invitation.teamId }),
      this.dataSource.getRepository(User).findOneBy({ id: invitation.invitedById }),
    ]);
    if (!team || !inviter) return null;
    return {
      teamName: team.name,
      inviterName: inviter.displayName,
      role: invitation.role,
      expiresAt: invitation.expiresAt,
    };
  }

  /**
   * Open invitations addressed to the user's e-mail, newest first — once that address is
   * verified (read fresh): anyone may sign up with an invitee's address, and must not learn
   * which teams invited it.
   */
  listForUser(user: User): Promise<Invitation[]> {
    return this.dataSource
      .getRepository(Invitation)
      .createQueryBuilder('i')
      .innerJoin(
        User,
        'u',
        'u.id = :userId AND u.email = i.email AND u.email_verified_at IS NOT NULL',
        { userId: user.id },
      )
      .where('i.status = :pending AND i.expires_at > now()', {
        pending: InvitationStatus.PENDING,
      })
      .orderBy('i.created_at', 'DESC')
      .getMany();
  }

  /** A team's invitations, newest first, optionally by (derived) status. */
  listForTeam(teamId: string, status: InvitationStatus | null): Promise<Invitation[]> {
    return teamInvitationsQuery(this.dataSource, teamId, status).getMany();
  }

  /** The team an invitation belongs to (for the permission map); null when there is none. */
  async teamIdOf(invitationId: string): Promise<string | null> {
    if (!isUuid(invitationId)) return null;
    const row = await this.dataSource
      .getRepository(Invitation)
      .findOne({ where: { id: invitationId }, select: { teamId: true } });
    return row?.teamId ?? null;
  }

  private async countAttempt(actor: User, ip: string): Promise<void> {
    await this.rateLimits.consume('acceptInvitationPerIp', ip);
    await this.rateLimits.consume('acceptInvitationPerUser', actor.id);
  }

  private findByToken(tx: EntityManager, token: string): Promise<Invitation | null> {
    if (!token || token.length > TOKEN_MAX) return Promise.resolve(null);
    return tx.getRepository(Invitation).findOneBy({ tokenHash: hashToken(token) });
  }

  /**
   * Finds the token's invitation, locks its team, then re-reads the invitation so its state is
   * the committed one; refuses unless it is open and addressed to the actor's e-mail.
   */
  private async lockOpenInvitationFor(tx: Transaction, actor: User, token: string) {
    const found = await this.findByToken(tx, token);
    if (!found) throw forbidden(NOT_VALID);
    if (found.email !== actor.email)
      throw forbidden('This invitation was sent to a different e-mail address.');
    const { team, invitation } = await this.lockInvitation(tx, found.id);
    if (invitation.tokenHash !== found.tokenHash) throw forbidden(NOT_VALID);
    return { team, invitation: stillOpen(invitation) };
  }

  /**
   * The invitation with this id, locked like `lockOpenInvitationFor`, for an actor whose address
   * it was sent to and who has proven that address (read under the account lock the caller
   * holds). Anything else is FORBIDDEN alike, so an id reveals nothing.
   */
  private async lockOpenInvitationById(tx: Transaction, actor: User, invitationId: string) {
    const account = await tx.getRepository(User).findOne({
      where: { id: actor.id },
      select: { id: true, email: true, emailVerifiedAt: true },
    });
    const { team, invitation } = await this.lockInvitation(tx, invitationId);
    if (!account?.emailVerifiedAt || invitation.email !== account.email) throw forbidden(NOT_VALID);
    return { team, invitation: stillOpen(invitation) };
  }

  /** Locks the invitation's team and reads the invitation under that lock. Missing: FORBIDDEN. */
  private async lockInvitation(tx: Transaction, invitationId: string) {
    if (!isUuid(invitationId)) throw forbidden();
    const before = await tx
      .getRepository(Invitation)
      .findOne({ where: { id: invitationId }, select: { teamId: true } });
    if (!before) throw forbidden();
    const team = await lockTeam(tx, before.teamId);
    const invitation = await tx.getRepository(Invitation).findOneBy({ id: invitationId });
    if (!invitation) throw forbidden();
    return { team, invitation };
  }

  private isMemberByEmail(tx: Transaction, teamId: string, email: string): Promise<boolean> {
    return tx
      .getRepository(Membership)
      .createQueryBuilder('m')
      .innerJoin(User, 'u', 'u.id = m.user_id')
      .where('m.team_id = :teamId AND u.email = :email', { teamId, email })
      .getExists();
  }

  private hasOpenInvitation(
    tx: Transaction,
    teamId: string,
    email: string,
    exceptId?: string,
  ): Promise<boolean> {
    const query = tx
      .getRepository(Invitation)
      .createQueryBuilder('i')
      .where(
        'i.team_id = :teamId AND i.email = :email AND i.status = :pending AND i.expires_at > now()',
        {
          teamId,
          email,
          pending: InvitationStatus.PENDING,
        },
      );
    if (exceptId) query.andWhere('i.id <> :exceptId', { exceptId });
    return query.getExists();
  }

  private newExpiry(): Date {
    return new Date(Date.now() + this.options.ttlMs);
  }

  /** After commit, and never awaited by the mutation: a slow mail server must not hold it up. */
  private sendInvitationEmail(
    invitation: Invitation,
    team: Team,
    inviter: User,
    token: string,
    permit: MailPermit,
  ): void {
    const message = invitationEmail({
      to: invitation.email,
      teamName: team.name,
      inviterName: inviter.displayName,
      role: invitation.role,
      link: invitationLink(this.options.publicUrl, token),
      expiresAt: invitation.expiresAt,
    });
    this.mailer.send({ ...message, permit }).catch((error: unknown) => {
      this.logger.error({ err: error, invitationId: invitation.id }, 'invitation e-mail failed');
    });
  }
}

/** The invitation when it can still be answered; FORBIDDEN saying why otherwise. */
function stillOpen(invitation: Invitation): Invitation {
  const status = effectiveStatus(invitation);
  if (status === InvitationStatus.EXPIRED)
    throw forbidden('This invitation has expired; ask for a new one.');
  if (status !== InvitationStatus.PENDING) throw forbidden(NOT_VALID);
  return invitation;
}
