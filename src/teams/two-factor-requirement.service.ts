import { withConfirmedRole } from '../loaders/confirmed-role';
import type { DataSource } from 'typeorm';
import type { User } from '../../entities/user.entity';
import { ActivityAction } from '../../entities/activity-action.enum';
import { Team } from '../../entities/team.entity';
import { holdOut } from '../access/end-access';
import { MEMBERS_WITHOUT_TWO_FACTOR_SQL } from '../access/member-access-sql';
import { recordActivity } from '../activity/record-activity';
import { allInOrder } from '../db/all-in-order';
import { lockAccounts, lockTeam } from '../db/lock-order';
import { inTransaction } from '../db/transaction';
import { forbidden, heldForTwoFactor } from '../errors/errors';
import type { EventBus } from '../events/event-bus';
import { actingRoleIn } from './membership-queries';
import { isOwner } from './team-policy';
import { Role } from '../../entities/role.enum';

/**
 * The team policy "members need two-factor". Nobody is removed: while it is on, a member
 * without two-factor is held out of the team's data and feeds (see two-factor-hold.ts), and
 * their open feeds end with ACCESS_REVOKED when it turns on.
 */
export class TwoFactorRequirementService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
  ) {}

  set(actor: User, teamId: string, required: boolean): Promise<Team> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // The owner's row first: disabling two-factor locks it too, so the owner's factor read
      // after it cannot change before this commits. The members held out are read before the
      // change: it does not change who has two-factor.
      const [, team, actorRole, [owner], held] = await allInOrder([
        lockAccounts(tx, actor.id),
        lockTeam(tx, teamId),
        actingRoleIn(tx, teamId, actor.id),
        tx.read<{ display_name: string; two_factor: boolean }>(
          `SELECT display_name, two_factor_enabled_at IS NOT NULL AS two_factor
             FROM users WHERE id = $1`,
          [actor.id],
        ),
        tx.read<{ user_id: string }>(MEMBERS_WITHOUT_TWO_FACTOR_SQL, [teamId]),
      ]);
      if (!isOwner(actorRole)) throw forbidden();
      // The owner's own account must meet the rule first, or they would lock themself out.
      if (!owner?.two_factor) throw heldForTwoFactor();
      if (team.twoFactorRequired === required) return withConfirmedRole(team, teamId, Role.OWNER);
      tx.defer({
        text: `UPDATE teams SET two_factor_required = $2 WHERE id = $1`,
        values: [teamId, required],
      });
      team.twoFactorRequired = required;
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.TWO_FACTOR_REQUIREMENT_CHANGED,
        subjectId: teamId,
        details: { required, membersWithoutTwoFactor: held.length },
        names: { actor: owner.display_name },
      });
      const userIds = held.map((row) => row.user_id);
      if (required) holdOut(pending, teamId, userIds);
      else for (const userId of userIds) pending.add({ kind: 'access-granted', teamId, userId });
      return withConfirmedRole(team, teamId, Role.OWNER);
    });
  }
}
