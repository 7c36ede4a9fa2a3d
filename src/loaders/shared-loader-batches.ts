import type { DataSource } from 'typeorm';
import { sharesTeamNowSql } from '../access/member-access-sql';
import type { Membership } from '../../entities/membership.entity';
import type { User } from '../../entities/user.entity';
import type { ItemWithRole, LoaderStatements, RoleAndTeam } from './loader-statements';
import { SharedBatch } from './shared-batch';

/** A team's membership with its user, as the members batch answers it. */
export type MemberRow = { membership: Membership; user: User };

/**
 * The process-wide batches behind every request's user and role loaders (see SharedBatch),
 * built once by the composition root: requests and live feeds asking in the same turn share
 * one statement.
 */
export class SharedLoaderBatches {
  readonly users: SharedBatch<User>;
  /** Keyed `${userId}:${teamId}`; `held`: a member held out by the two-factor rule. */
  readonly roles: SharedBatch<RoleAndTeam>;
  /** Keyed `${viewerId}:${userId}`; present (true) when they share a team now (sharesTeamNowSql). */
  readonly teammates: SharedBatch<true>;
  /** Keyed `${viewerId}:${itemId}` (empty viewer id: nobody). */
  readonly itemsWithRole: SharedBatch<ItemWithRole>;
  /** A team's memberships, oldest first, each with its user; keyed by team id. */
  readonly members: SharedBatch<MemberRow[]>;

  constructor(dataSource: DataSource, reads: LoaderStatements) {
    this.users = new SharedBatch(async (ids) => {
      const rows = await reads.usersById(ids);
      return new Map(rows.map((user) => [user.id, user]));
    });
    // One fetch at a time, as for sessions: every new subscription reads its role here.
    this.roles = new SharedBatch((keys) => reads.rolesAndTeams(keys), 1);
    this.itemsWithRole = new SharedBatch((keys) => reads.itemsWithRole(keys));
    this.teammates = new SharedBatch(async (keys) => {
      const pairs = keys.map((key) => key.split(':'));
      const rows: { viewer_id: string; user_id: string }[] = await dataSource.query(
        `SELECT k.viewer_id, k.user_id
           FROM unnest($1::uuid[], $2::uuid[]) AS k(viewer_id, user_id)
          WHERE ${sharesTeamNowSql('k.viewer_id', 'k.user_id')}`,
        [pairs.map(([viewerId]) => viewerId), pairs.map(([, userId]) => userId)],
      );
      return new Map(rows.map((r) => [`${r.viewer_id}:${r.user_id}`, true as const]));
    });
    // Many people looking at one team at once read its members once.
    this.members = new SharedBatch(async (teamIds) => {
      const byTeam = new Map(teamIds.map((id) => [id, [] as MemberRow[]]));
      for (const row of await reads.membersWithUsers(teamIds)) {
        byTeam.get(row.membership.teamId)?.push(row);
      }
      return byTeam;
    });
  }

  /**
   * The user's role in the team, with the team (null: no such team), through the one shared
   * batch: every loader and every team feed starting in the same turn costs one statement.
   */
  roleAndTeamOf(userId: string, teamId: string): Promise<RoleAndTeam | null> {
    return this.roles.load(`${userId}:${teamId}`);
  }
}
