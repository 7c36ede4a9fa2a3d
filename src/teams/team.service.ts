import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ActivityAction } from '../../entities/activity-action.enum';
import type { Membership } from '../../entities/membership.entity';
import { Role } from '../../entities/role.enum';
import { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { endAuthorityBeyondRole, endMembership, endTeam } from '../access/end-access';
import { recordActivity } from '../activity/record-activity';
import { allInOrder } from '../db/all-in-order';
import { accountDeleted, lockAccounts, lockTeam } from '../db/lock-order';
import { inTransaction, type Transaction } from '../db/transaction';
import { openInvitationsFrom } from '../invitations/revoke-invitations-beyond-role';
import { withConfirmedRole } from '../loaders/confirmed-role';
import { badInput, forbidden } from '../errors/errors';
import type { EventBus } from '../events/event-bus';
import type { RateLimits } from '../rate-limit/rate-limits';
import { sameId } from '../validation/ids';
import { requireText } from '../validation/validators';
import { actingRoleIn, memberActedOn } from './membership-queries';
import {
  canChangeRole,
  canLeave,
  canManageTeam,
  canRemoveMember,
  canTransferOwnership,
  isOwner,
} from './team-policy';

const TEAM_NAME_MAX = 100;

/**
 * Team lifecycle and membership. Every method locks the accounts it acts for and on, then the
 * team row (src/db/lock-order.ts), re-checks the caller's role against committed state, changes
 * the data and records one activity — in one transaction of two round trips: BEGIN with the
 * locks and every read under them, sent together; then the writes, deferred, with COMMIT.
 */
export class TeamService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly rateLimits: RateLimits,
  ) {}

  async createTeam(actor: User, nameRaw: string): Promise<Team> {
    const name = requireText('name', nameRaw, 1, TEAM_NAME_MAX);
    // After validation, so a refused name costs nothing; TEAM_BUDGET_PER_ACCOUNT.
    await this.rateLimits.consume('teamsPerAccount', actor.id);
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id);
      // Millisecond precision, as the activity's own timestamp: it reads back as sent.
      const team = Object.assign(new Team(), {
        id: randomUUID(),
        name,
        createdAt: new Date(),
        twoFactorRequired: false,
        lastSeq: 0,
        lastHash: '',
        treeFrontier: [],
        checkpointSize: 0,
        checkpointAt: null,
      });
      tx.defer({
        text: `INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)`,
        values: [team.id, name, team.createdAt],
      });
      tx.defer({
        text: `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)`,
        values: [team.id, actor.id, Role.OWNER, team.createdAt],
      });
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.TEAM_CREATED,
        subjectId: team.id,
        details: { name },
        names: { actor: actor.displayName },
      });
      pending.add({ kind: 'access-granted', teamId: team.id, userId: actor.id });
      return withConfirmedRole(team, team.id, Role.OWNER);
    });
  }

  renameTeam(actor: User, teamId: string, nameRaw: string): Promise<Team> {
    const name = requireText('name', nameRaw, 1, TEAM_NAME_MAX);
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, team, actorRole] = await allInOrder([
        lockAccounts(tx, actor.id),
        lockTeam(tx, teamId),
        actingRoleIn(tx, teamId, actor.id),
      ]);
      if (!canManageTeam(actorRole)) throw forbidden();
      const oldName = team.name;
      team.name = name;
      tx.defer({ text: `UPDATE teams SET name = $2 WHERE id = $1`, values: [teamId, name] });
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.TEAM_RENAMED,
        subjectId: teamId,
        details: { changedFields: { name: { old: oldName, new: name } } },
        names: { actor: actor.displayName },
      });
      return withConfirmedRole(team, teamId, actorRole);
    });
  }

  /** TEAM_DELETED is published to members, then every row of the team goes (ON DELETE CASCADE). */
  deleteTeam(actor: User, teamId: string): Promise<string> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, team, actorRole] = await allInOrder([
        lockAccounts(tx, actor.id),
        lockTeam(tx, teamId),
        actingRoleIn(tx, teamId, actor.id),
      ]);
      if (!isOwner(actorRole)) throw forbidden();
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.TEAM_DELETED,
        subjectId: teamId,
        details: { name: team.name },
        names: { actor: actor.displayName },
      });
      tx.defer({ text: `DELETE FROM teams WHERE id = $1`, values: [teamId] });
      endTeam(pending, team);
      return teamId;
    });
  }

  changeMemberRole(actor: User, teamId: string, userId: string, role: Role): Promise<Membership> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, team, actorRole, target, invitations] = await lockForCommandOn(
        tx,
        actor.id,
        teamId,
        userId,
      );
      if (!canManageTeam(actorRole)) throw forbidden();
      const { membership } = target;
      if (!canChangeRole(actorRole, membership?.role ?? null, role) || !membership) {
        throw role === Role.OWNER
          ? badInput('role', 'Use transferOwnership to make someone the owner.')
          : forbidden();
      }
      const oldRole = membership.role;
      membership.role = role;
      tx.defer({
        text: `UPDATE memberships SET role = $3 WHERE team_id = $1 AND user_id = $2`,
        values: [teamId, userId, role],
      });
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.MEMBER_ROLE_CHANGED,
        subjectId: userId,
        details: { changedFields: { role: { old: oldRole, new: role } } },
        names: { actor: actor.displayName, member: target.displayName ?? '' },
      });
      await endAuthorityBeyondRole(tx, pending, team, invitations, role, actor);
      return withConfirmedRole(membership, teamId, actorRole);
    });
  }

  removeMember(actor: User, teamId: string, userId: string): Promise<boolean> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [, team, actorRole, target, invitations] = await lockForCommandOn(
        tx,
        actor.id,
        teamId,
        userId,
      );
      if (!canManageTeam(actorRole)) throw forbidden();
      const targetRole = target.membership?.role ?? null;
      if (!canRemoveMember(actorRole, targetRole, sameId(userId, actor.id))) throw forbidden();
      await endMembership(tx, pending, team, {
        actor,
        userId,
        invitations,
        action: ActivityAction.MEMBER_REMOVED,
        details: { role: targetRole },
        names: { actor: actor.displayName, member: target.displayName ?? '' },
      });
      return true;
    });
  }

  leaveTeam(actor: User, teamId: string): Promise<boolean> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // Whatever the two-factor requirement: a member held out may still leave.
      const [, team, self, invitations] = await allInOrder([
        lockAccounts(tx, actor.id),
        lockTeam(tx, teamId),
        memberActedOn(tx, teamId, actor.id),
        openInvitationsFrom(tx, teamId, actor.id),
      ]);
      const role = self.membership?.role ?? null;
      if (!canLeave(role))
        throw forbidden(role ? 'The owner must transfer ownership before leaving.' : undefined);
      await endMembership(tx, pending, team, {
        actor,
        userId: actor.id,
        invitations,
        action: ActivityAction.MEMBER_LEFT,
        details: { role },
        names: { actor: actor.displayName },
      });
      return true;
    });
  }

  transferOwnership(actor: User, teamId: string, userId: string): Promise<Team> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const [accounts, team, actorRole, target, invitations] = await allInOrder([
        lockAccounts(tx, actor.id, userId),
        lockTeam(tx, teamId),
        actingRoleIn(tx, teamId, actor.id),
        memberActedOn(tx, teamId, userId),
        openInvitationsFrom(tx, teamId, actor.id),
      ]);
      if (!isOwner(actorRole)) throw forbidden();
      // Nobody can be made owner once their account's deletion has begun.
      if (accounts.isDeleted(userId)) throw accountDeleted();
      const targetRole = target.membership?.role ?? null;
      if (!canTransferOwnership(actorRole, targetRole, sameId(userId, actor.id))) {
        throw badInput('userId', 'The new owner must be another member of the team.');
      }
      // Demote first: the one-owner index allows a single OWNER row per team (and the
      // deferred has-an-owner trigger checks at commit that one is left).
      const setRole = `UPDATE memberships SET role = $3 WHERE team_id = $1 AND user_id = $2`;
      tx.defer({ text: setRole, values: [teamId, actor.id, Role.ADMIN] });
      tx.defer({ text: setRole, values: [teamId, userId, Role.OWNER] });
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.OWNERSHIP_TRANSFERRED,
        subjectId: userId,
        details: { previousOwnerId: actor.id, newOwnerId: userId },
        names: { actor: actor.displayName, member: target.displayName ?? '' },
      });
      // Only the OWNER invites as ADMIN: the old owner's pending ADMIN invitations end here.
      await endAuthorityBeyondRole(tx, pending, team, invitations, Role.ADMIN, actor);
      return withConfirmedRole(team, teamId, Role.ADMIN);
    });
  }
}

/**
 * The locks and reads of a manager's command on a member (`userId`), sent together in one
 * round trip: both accounts, the team, the actor's role, the member and their open invitations.
 */
function lockForCommandOn(tx: Transaction, actorId: string, teamId: string, userId: string) {
  return allInOrder([
    lockAccounts(tx, actorId, userId),
    lockTeam(tx, teamId),
    actingRoleIn(tx, teamId, actorId),
    memberActedOn(tx, teamId, userId),
    openInvitationsFrom(tx, teamId, userId),
  ]);
}
