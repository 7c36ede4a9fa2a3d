import { withConfirmedRole } from '../loaders/confirmed-role';
import { DataSource } from 'typeorm';
import { ActivityAction } from '../../entities/activity-action.enum';
import { Membership } from '../../entities/membership.entity';
import { Role } from '../../entities/role.enum';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { endAuthorityBeyondRole, endMembership, endTeam } from '../access/end-access';
import { recordActivity } from '../activity/record-activity';
import { accountDeleted, lockAccounts, lockTeam } from '../db/lock-order';
import { inTransaction } from '../db/transaction';
import { badInput, forbidden } from '../errors/errors';
import type { EventBus } from '../events/event-bus';
import type { RateLimits } from '../rate-limit/rate-limits';
import { sameId } from '../validation/ids';
import { requireText } from '../validation/validators';
import { actingRoleIn, roleIn } from './membership-queries';
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
 * the data and records one activity — in one transaction.
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
      const team = await tx.save(
        tx.create(Team, {
          name,
          lastSeq: 0,
          lastHash: '',
          treeFrontier: [],
          checkpointSize: 0,
          checkpointAt: null,
        }),
      );
      await tx.insert(Membership, {
        teamId: team.id,
        userId: actor.id,
        role: Role.OWNER,
        joinedAt: new Date(),
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
      await lockAccounts(tx, actor.id);
      const team = await lockTeam(tx, teamId);
      const actorRole = await actingRoleIn(tx, teamId, actor.id);
      if (!canManageTeam(actorRole)) throw forbidden();
      const oldName = team.name;
      team.name = name;
      await tx.update(Team, { id: teamId }, { name });
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
      await lockAccounts(tx, actor.id);
      const team = await lockTeam(tx, teamId);
      if (!isOwner(await actingRoleIn(tx, teamId, actor.id))) throw forbidden();
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.TEAM_DELETED,
        subjectId: teamId,
        details: { name: team.name },
        names: { actor: actor.displayName },
      });
      await tx.delete(Team, { id: teamId });
      endTeam(pending, team);
      return teamId;
    });
  }

  changeMemberRole(actor: User, teamId: string, userId: string, role: Role): Promise<Membership> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id, userId);
      const team = await lockTeam(tx, teamId);
      const actorRole = await actingRoleIn(tx, teamId, actor.id);
      if (!canManageTeam(actorRole)) throw forbidden();
      const membership = await tx.getRepository(Membership).findOneBy({ teamId, userId });
      if (!canChangeRole(actorRole, membership?.role ?? null, role) || !membership) {
        throw role === Role.OWNER
          ? badInput('role', 'Use transferOwnership to make someone the owner.')
          : forbidden();
      }
      const oldRole = membership.role;
      membership.role = role;
      await tx.update(Membership, { teamId, userId }, { role });
      const target = await tx.getRepository(User).findOneByOrFail({ id: userId });
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.MEMBER_ROLE_CHANGED,
        subjectId: userId,
        details: { changedFields: { role: { old: oldRole, new: role } } },
        names: { actor: actor.displayName, member: target.displayName },
      });
      await endAuthorityBeyondRole(tx, pending, team, userId, role, actor);
      return withConfirmedRole(membership, teamId, actorRole);
    });
  }

  removeMember(actor: User, teamId: string, userId: string): Promise<boolean> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id, userId);
      const team = await lockTeam(tx, teamId);
      const actorRole = await actingRoleIn(tx, teamId, actor.id);
      if (!canManageTeam(actorRole)) throw forbidden();
      const targetRole = await roleIn(tx, teamId, userId);
      if (!canRemoveMember(actorRole, targetRole, sameId(userId, actor.id))) throw forbidden();
      const target = await tx.getRepository(User).findOneByOrFail({ id: userId });
      await endMembership(tx, pending, team, {
        actor,
        userId,
        action: ActivityAction.MEMBER_REMOVED,
        details: { role: targetRole },
        names: { actor: actor.displayName, member: target.displayName },
      });
      return true;
    });
  }

  leaveTeam(actor: User, teamId: string): Promise<boolean> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      await lockAccounts(tx, actor.id);
      const team = await lockTeam(tx, teamId);
      // Whatever the two-factor requirement: a member held out may still leave.
      const role = await roleIn(tx, teamId, actor.id);
      if (!canLeave(role))
        throw forbidden(role ? 'The owner must transfer ownership before leaving.' : undefined);
      await endMembership(tx, pending, team, {
        actor,
        userId: actor.id,
        action: ActivityAction.MEMBER_LEFT,
        details: { role },
        names: { actor: actor.displayName },
      });
      return true;
    });
  }

  transferOwnership(actor: User, teamId: string, userId: string): Promise<Team> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const accounts = await lockAccounts(tx, actor.id, userId);
      const team = await lockTeam(tx, teamId);
      const actorRole = await actingRoleIn(tx, teamId, actor.id);
      if (!isOwner(actorRole)) throw forbidden();
      // Nobody can be made owner once their account's deletion has begun.
      if (accounts.isDeleted(userId)) throw accountDeleted();
      const targetRole = await roleIn(tx, teamId, userId);
      if (!canTransferOwnership(actorRole, targetRole, sameId(userId, actor.id))) {
        throw badInput('userId', 'The new owner must be another member of the team.');
      }
      // Demote first: the one-owner index allows a single OWNER row per team (and the
      // deferred has-an-owner trigger checks at commit that one is left).
      await tx.update(Membership, { teamId, userId: actor.id }, { role: Role.ADMIN });
      await tx.update(Membership, { teamId, userId }, { role: Role.OWNER });
      const target = await tx.getRepository(User).findOneByOrFail({ id: userId });
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.OWNERSHIP_TRANSFERRED,
        subjectId: userId,
        details: { previousOwnerId: actor.id, newOwnerId: userId },
        names: { actor: actor.displayName, member: target.displayName },
      });
      // Only the OWNER invites as ADMIN: the old owner's pending ADMIN invitations end here.
      await endAuthorityBeyondRole(tx, pending, team, actor.id, Role.ADMIN, actor);
      return withConfirmedRole(team, teamId, Role.ADMIN);
    });
  }
}
