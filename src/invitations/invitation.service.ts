import { randomUUID } from 'node:crypto';
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
import { allInOrder } from '../db/all-in-order';
import { lockAccounts, lockTeam } from '../db/lock-order';
import { generateToken, hashToken } from '../auth/token';
import { inTransaction, type Transaction } from '../db/transaction';
import { badInput, conflict, forbidden, heldForTwoFactor } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../logging/logger';
import type { RecipientBudgetMailer } from '../mail/mail-budget';
import type { MailPermit } from '../mail/mailer';
import type { RateLimits } from '../rate-limit/rate-limits';
import { actingRoleIn } from '../teams/membership-queries';
import { canInviteAs, canManageTeam, type MaybeRole } from '../teams/team-policy';
import { isUuid } from '../validation/ids';
import { canonicalEmail } from '../validation/canonical-email';
import { closeInvitation } from './close-invitation';
import { invitationEmail } from './invitation-email';
import { invitationLink } from './invitation-link';
import {
  acceptanceVerifiesAddress,
  addressIsMemberSql,
  invitationUnderLock,
  lockTeamOfInvitation,
  openInvitationSql,
  type InvitationTeam,
  type InvitationUnderLock,
} from './lock-invitation';
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
      const [, team, actorRole, address] = await allInOrder([
        lockAccounts(tx, actor.id),
        lockTeam(tx, teamId),
        // Not sent for an id that names no team: lockTeam refuses it first.
        isUuid(teamId) ? actingRoleIn(tx, teamId, actor.id) : Promise.resolve(null),
        invitedAddress(tx, teamId, email),
      ]);
      if (!canInviteAs(actorRole, role)) throw forbidden();
      // Counted only for callers allowed to invite, so outsiders cannot spend a team's budget.
      await this.rateLimits.consume('invitePerTeam', teamId);
      if (address.isMember) throw conflict('This person is already a member of the team.');
      if (address.hasOpenInvitation) {
        throw conflict(
          'This e-mail address already has a pending invitation to the team; resend it instead.',
        );
      }
      // Last of the checks: RATE_LIMITED here rolls everything back and sends nothing.
      const permit = await this.mailer.reserve(email);
      const invitation = tx.create(Invitation, {
        id: randomUUID(),
        teamId,
        email,
        role,
        status: InvitationStatus.PENDING,
        tokenHash: hashToken(token),
        invitedById: actor.id,
        // The column's default, now(): the transaction's start, as read with the checks.
        createdAt: address.now,
        expiresAt: this.newExpiry(),
        respondedAt: null,
      });
      tx.defer({
        text: `INSERT INTO invitations
                 (id, team_id, email, role, status, token_hash, invited_by_id, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        values: [
          invitation.id,
          teamId,
          email,
          role,
          invitation.status,
          invitation.tokenHash,
          actor.id,
          invitation.expiresAt,
        ],
      });
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
    const key = { id: invitationId };
    const result = await inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, locked, found] = await allInOrder([
        lockAccounts(tx, actor.id),
        lockTeamOfInvitation(tx, key),
        invitationUnderLock(tx, key, actor.id, { withRivals: true }),
      ]);
      const { team, invitation } = lockedInvitation(locked, found);
      const actorRole = actingRole(found);
      if (!canInviteAs(actorRole, invitation.role)) throw forbidden();
      await this.rateLimits.consume('invitePerTeam', team.id);
      if (invitation.status !== InvitationStatus.PENDING) {
        throw conflict(`This invitation was already ${invitation.status.toLowerCase()}.`);
      }
      if (found.addressIsMember) {
        throw conflict('This person is already a member of the team.');
      }
      if (found.otherOpenInvitation) {
        throw conflict('This e-mail address has a newer pending invitation to the team.');
      }
      const permit = await this.mailer.reserve(invitation.email);
      // A new hash replaces the old one, so the old token stops matching at once.
      invitation.tokenHash = hashToken(token);
      invitation.expiresAt = this.newExpiry();
      tx.defer({
        text: `UPDATE invitations SET token_hash = $2, expires_at = $3 WHERE id = $1`,
        values: [invitation.id, invitation.tokenHash, invitation.expiresAt],
      });
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
    const key = { id: invitationId };
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, locked, found] = await allInOrder([
        lockAccounts(tx, actor.id),
        lockTeamOfInvitation(tx, key),
        invitationUnderLock(tx, key, actor.id),
      ]);
      const { team, invitation } = lockedInvitation(locked, found);
      // Revoking only takes access away, so any manager may revoke any invitation of the team.
      const actorRole = actingRole(found);
      if (!canManageTeam(actorRole)) throw forbidden();
      if (invitation.status !== InvitationStatus.PENDING) {
        throw conflict(`This invitation was already ${invitation.status.toLowerCase()}.`);
      }
      await closeInvitation(tx, pending, team, invitation, actor, InvitationStatus.REVOKED);
      return withConfirmedRole(invitation, team.id, actorRole);
    });
  }

  accept(actor: User, token: string, ip: string): Promise<Membership> {
    return this.join(actor, ip, { key: tokenKey(token), byToken: true });
  }

  /**
   * Accepts one of `myInvitations` by its id: the signed-in invitee's verified address stands in
   * for the e-mailed token (the same rule that lets them list it).
   */
  acceptMine(actor: User, invitationId: string, ip: string): Promise<Membership> {
    return this.join(actor, ip, { key: { id: invitationId }, byToken: false });
  }

  /** Joins the team of the invitation `answered` names, open for the actor, consuming it. */
  private async join(actor: User, ip: string, answered: Answered): Promise<Membership> {
    await this.countAttempt(actor, ip);
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const { key } = answered;
      const [, open, verifies] = await allInOrder([
        lockAccounts(tx, actor.id),
        this.lockOpenInvitation(tx, actor, answered),
        key ? acceptanceVerifiesAddress(tx, key, actor.id) : Promise.resolve(false),
      ]);
      const { team, invitation, actorRole } = open;
      if (actorRole) throw conflict('You are already a member of this team.');
      const now = new Date();
      // Read PENDING under the team's lock and with the row's own lock (stillOpen): the UPDATE
      // finds it so, and a token is consumed exactly once. Still conditional, as it always was.
      tx.defer({
        text: `UPDATE invitations SET status = $2, responded_at = $3 WHERE id = $1 AND status = $4`,
        values: [invitation.id, InvitationStatus.ACCEPTED, now, InvitationStatus.PENDING],
      });
      const membership = tx.create(Membership, {
        teamId: team.id,
        userId: actor.id,
        role: invitation.role,
        joinedAt: now,
        lastReadSeq: 0,
      });
      tx.defer({
        text: `INSERT INTO memberships (team_id, user_id, role, joined_at, last_read_seq)
               VALUES ($1, $2, $3, $4, $5)`,
        values: [team.id, actor.id, membership.role, now, membership.lastReadSeq],
      });
      // The token reached this address by e-mail: that proves the address, like a verify link.
      // Only a change is news: it refreshes the user's cached profile and their other sessions.
      if (verifies) {
        tx.defer({
          text: `UPDATE users SET email_verified_at = now() WHERE id = $1 AND email_verified_at IS NULL`,
          values: [actor.id],
        });
        accountEvent(pending, actor.id, null, AccountEventType.EMAIL_VERIFIED);
      }
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
    return this.refuse(actor, ip, { key: tokenKey(token), byToken: true });
  }

  /** Declines one of `myInvitations` by its id (see `acceptMine`). */
  declineMine(actor: User, invitationId: string, ip: string): Promise<boolean> {
    return this.refuse(actor, ip, { key: { id: invitationId }, byToken: false });
  }

  private async refuse(actor: User, ip: string, answered: Answered): Promise<boolean> {
    await this.countAttempt(actor, ip);
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, { team, invitation }] = await allInOrder([
        lockAccounts(tx, actor.id),
        this.lockOpenInvitation(tx, actor, answered),
      ]);
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
    const key = tokenKey(token);
    if (!key) return Promise.resolve(null);
    return tx.getRepository(Invitation).findOneBy({ tokenHash: key.tokenHash });
  }

  /**
   * The invitation `answered` names, open and addressed to the actor, with its team locked and
   * the actor's role in it (whatever the team's two-factor requirement); FORBIDDEN saying why
   * otherwise. Its statements are sent when called, behind the caller's account lock:
   * - by token: the invitation as found before the team's lock must be addressed to the actor's
   *   e-mail; under the lock the token must still be its own (a resend replaces it);
   * - by id: the actor's account is read first, under the account lock the caller holds, and
   *   its address must be the invitation's and proven; anything amiss is FORBIDDEN alike, so an
   *   id reveals nothing.
   */
  private async lockOpenInvitation(
    tx: Transaction,
    actor: User,
    answered: Answered,
  ): Promise<{ team: Team; invitation: Invitation; actorRole: MaybeRole }> {
    if (answered.byToken) {
      const { key } = answered;
      if (!key) throw forbidden(NOT_VALID);
      const [locked, found] = await allInOrder([
        lockTeamOfInvitation(tx, key),
        invitationUnderLock(tx, key, actor.id),
      ]);
      if (!locked.found) throw forbidden(NOT_VALID);
      if (locked.found.email !== actor.email)
        throw forbidden('This invitation was sent to a different e-mail address.');
      if (!locked.team) throw forbidden();
      // Not found by its token under the lock: a resend replaced the token meanwhile.
      if (!found.invitation) throw forbidden(NOT_VALID);
      return { team: locked.team, invitation: stillOpen(found.invitation), actorRole: found.role };
    }
    const { key } = answered;
    const [[account], locked, found] = await allInOrder([
      tx.read<{ email: string; verified: boolean }>(
        `SELECT email, email_verified_at IS NOT NULL AS verified FROM users WHERE id = $1`,
        [actor.id],
      ),
      lockTeamOfInvitation(tx, key),
      invitationUnderLock(tx, key, actor.id),
    ]);
    const { team, invitation } = lockedInvitation(locked, found);
    if (!account?.verified || invitation.email !== account.email) throw forbidden(NOT_VALID);
    return { team, invitation: stillOpen(invitation), actorRole: found.role };
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

/**
 * The invitation an invitee answers: by the e-mailed token (null: input no invitation's token
 * can be), or by its id.
 */
type Answered =
  { byToken: true; key: { tokenHash: string } | null } | { byToken: false; key: { id: string } };

/** What the hash of a token can name; null for input that is no token. */
function tokenKey(token: string): { tokenHash: string } | null {
  return token && token.length <= TOKEN_MAX ? { tokenHash: hashToken(token) } : null;
}

/** The invitation with its team locked; FORBIDDEN when either is not there. */
function lockedInvitation(
  locked: InvitationTeam,
  found: InvitationUnderLock,
): { team: Team; invitation: Invitation } {
  if (!locked.found || !locked.team || !found.invitation) throw forbidden();
  return { team: locked.team, invitation: found.invitation };
}

/**
 * The role the actor acts with in the invitation's team, read under its lock; a member held out
 * by the team's two-factor requirement is refused, as `actingRoleIn` refuses them.
 */
function actingRole(found: InvitationUnderLock): MaybeRole {
  if (found.held) throw heldForTwoFactor();
  return found.role;
}

/** Whom an address is in a team, and the time the transaction began. */
interface InvitedAddress {
  isMember: boolean;
  hasOpenInvitation: boolean;
  /** now(): the transaction's start, which column defaults take. */
  now: Date;
}

/**
 * Whether the address is a member of the team or has an open invitation to it, in one
 * statement sent when called (src/db/lock-order.ts): sent after the team's lock, it reads under
 * it. An id that names no team sends nothing (the team's lock refuses it).
 */
async function invitedAddress(
  tx: Transaction,
  teamId: string,
  email: string,
): Promise<InvitedAddress> {
  if (!isUuid(teamId)) return { isMember: false, hasOpenInvitation: false, now: new Date() };
  const [row] = await tx.read<{ member: boolean; open: boolean; now: Date }>(
    `SELECT ${addressIsMemberSql('$1::uuid', '$2')} AS member,
            ${openInvitationSql('$1::uuid', '$2')} AS open, now() AS now`,
    [teamId, email],
  );
  return { isMember: row.member, hasOpenInvitation: row.open, now: row.now };
}

/** The invitation when it can still be answered; FORBIDDEN saying why otherwise. */
function stillOpen(invitation: Invitation): Invitation {
  const status = effectiveStatus(invitation);
  if (status === InvitationStatus.EXPIRED)
    throw forbidden('This invitation has expired; ask for a new one.');
  if (status !== InvitationStatus.PENDING) throw forbidden(NOT_VALID);
  return invitation;
}
