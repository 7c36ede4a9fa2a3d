import type { DataSource } from 'typeorm';
import { Item } from '../../entities/item.entity';
import { Membership } from '../../entities/membership.entity';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { heldColumnSql, membershipJoinsSql } from '../access/member-access-sql';
import { EntityRows, SHOWN_USER_OMITS } from '../db/entity-rows';
import { prepared, query, type Prepared } from '../db/prepared';
import type { MaybeRole } from '../teams/team-policy';

/** An item with its viewer's role in the item's team. */
export interface ItemWithRole {
  item: Item;
  role: MaybeRole;
  /** A member held out by the team's two-factor rule. */
  held: boolean;
}

/** A viewer's role in a team, read together with the team (null team: no such team). */
export interface RoleAndTeam {
  role: MaybeRole;
  /** A member held out by the team's two-factor rule (see src/access/member-access-sql.ts). */
  held: boolean;
  team: Team;
}

/**
 * The statements behind every request's loaders (users, teams, roles with their teams, items
 * with the viewer's role, members with their users), prepared once and built by the
 * composition root. Each answers what the permission rules and the resolvers of one request
 * both need, so a rule never loads what the resolver loads again: the role comes with its
 * team, an item with the viewer's role in its team, members and items with their users.
 */
export class LoaderStatements {
  readonly users: EntityRows<User>;
  readonly teams: EntityRows<Team>;
  readonly items: EntityRows<Item>;
  readonly memberships: EntityRows<Membership>;
  private readonly statements: Record<
    'users' | 'teams' | 'rolesAndTeams' | 'itemsWithRole' | 'membersWithUsers',
    Prepared
  >;

  constructor(private readonly dataSource: DataSource) {
    // Users reached through loaders are shown, never authenticated: no credentials.
    this.users = new EntityRows(dataSource, User, SHOWN_USER_OMITS);
    this.teams = new EntityRows(dataSource, Team);
    this.items = new EntityRows(dataSource, Item);
    this.memberships = new EntityRows(dataSource, Membership);
    this.statements = {
      users: prepared(
        'users_by_id',
        `SELECT ${this.users.select('u')} FROM users u WHERE u.id = ANY($1::uuid[])`,
      ),
      teams: prepared(
        'teams_by_id',
        `SELECT ${this.teams.select('t')} FROM teams t WHERE t.id = ANY($1::uuid[])`,
      ),
      rolesAndTeams: prepared(
        'roles_and_teams',
        `SELECT k.user_id AS k_user_id, m.role AS k_role,
                ${heldColumnSql()} AS k_held, ${this.teams.select('t')}
           FROM unnest($1::uuid[], $2::uuid[]) AS k(user_id, team_id)
           JOIN teams t ON t.id = k.team_id
           ${membershipJoinsSql('k.team_id', 'k.user_id')}`,
      ),
      itemsWithRole: prepared(
        'items_with_role',
        `SELECT k.viewer_id AS k_viewer_id, m.role AS k_role,
                ${heldColumnSql()} AS k_held, ${this.items.select('i')}
           FROM unnest($1::uuid[], $2::uuid[]) AS k(item_id, viewer_id)
           JOIN items i ON i.id = k.item_id
           JOIN teams t ON t.id = i.team_id
           ${membershipJoinsSql('i.team_id', 'k.viewer_id')}`,
      ),
      membersWithUsers: prepared(
        'members_with_users',
        `SELECT ${this.memberships.select('m')}, ${this.users.select('u', 'u__')}
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.team_id = ANY($1::uuid[])
          ORDER BY m.joined_at, m.user_id`,
      ),
    };
  }

  async usersById(ids: string[]): Promise<User[]> {
    const rows = await query(this.dataSource, this.statements.users, [ids]);
    return rows.map((r) => this.users.map(r) as User);
  }

  async teamsById(ids: string[]): Promise<Team[]> {
    const rows = await query(this.dataSource, this.statements.teams, [ids]);
    return rows.map((r) => this.teams.map(r) as Team);
  }

  /** Keyed `${userId}:${teamId}`; keys of teams that do not exist are absent. */
  async rolesAndTeams(keys: string[]): Promise<Map<string, RoleAndTeam>> {
    const pairs = keys.map((key) => key.split(':'));
    const rows = await query<{ k_user_id: string; k_role: MaybeRole; k_held: boolean; id: string }>(
      this.dataSource,
      this.statements.rolesAndTeams,
      [pairs.map(([userId]) => userId), pairs.map(([, teamId]) => teamId)],
    );
    return new Map(
      rows.map((r) => [
        `${r.k_user_id}:${r.id}`,
        { role: r.k_role, held: r.k_held, team: this.teams.map(r) as Team },
      ]),
    );
  }

  /**
   * Items by id, each with its viewer's role in the item's team. Keyed `${viewerId}:${itemId}`
   * (an empty viewer id: nobody, no role); items that do not exist are absent.
   */
  async itemsWithRole(keys: string[]): Promise<Map<string, ItemWithRole>> {
    const pairs = keys.map((key) => key.split(':'));
    const rows = await query<{ k_viewer_id: string | null; k_role: MaybeRole; k_held: boolean }>(
      this.dataSource,
      this.statements.itemsWithRole,
      [pairs.map(([, itemId]) => itemId), pairs.map(([viewerId]) => viewerId || null)],
    );
    return new Map(
      rows.map((r) => {
        const item = this.items.map(r) as Item;
        return [`${r.k_viewer_id ?? ''}:${item.id}`, { item, role: r.k_role, held: r.k_held }];
      }),
    );
  }

  /** Memberships of the teams, oldest first, each with its user. */
  async membersWithUsers(teamIds: string[]): Promise<{ membership: Membership; user: User }[]> {
    const rows = await query(this.dataSource, this.statements.membersWithUsers, [teamIds]);
    return rows.map((r) => ({
      membership: this.memberships.map(r) as Membership,
      user: this.users.map(r, 'u__') as User,
    }));
  }
}
