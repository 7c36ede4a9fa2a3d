import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { Item } from '../../entities/item.entity';
import { Membership } from '../../entities/membership.entity';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { unreadCounts } from '../activity/read-state';
import type { MaybeRole } from '../teams/team-policy';
import { isUuid } from '../validation/validators';

/**
 * Per-request batching, so lists resolve their relations in one query per relation. Created
 * afresh for every request and every live event: nothing here may outlive a membership change.
 */
export function createLoaders(dataSource: DataSource, viewerId: string | null) {
  const byId = <T extends { id: string }>(rows: T[], ids: readonly string[]) => {
    const map = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => map.get(id) ?? null);
  };
  // Ids come from clients: anything that is not a UUID matches nothing (and never reaches SQL).
  const valid = (ids: readonly string[]) => {
    const uuids = ids.filter(isUuid);
    // A never-matching UUID keeps `IN (...)` valid SQL when no id is usable.
    return uuids.length ? uuids : ['00000000-0000-0000-0000-000000000000'];
  };
  return {
    user: new DataLoader<string, User | null>(async (ids) =>
      byId(await dataSource.getRepository(User).findBy({ id: In(valid(ids)) }), ids),
    ),
    team: new DataLoader<string, Team | null>(async (ids) =>
      byId(await dataSource.getRepository(Team).findBy({ id: In(valid(ids)) }), ids),
    ),
    item: new DataLoader<string, Item | null>(async (ids) =>
      byId(await dataSource.getRepository(Item).findBy({ id: In(valid(ids)) }), ids),
    ),
    /** The viewer's unread activity count in each team (0 when not a member). */
    unreadCount: new DataLoader<string, number>(async (teamIds) => {
      if (!viewerId) return teamIds.map(() => 0);
      const counts = await unreadCounts(dataSource, viewerId, valid(teamIds));
      return teamIds.map((id) => counts.get(id) ?? 0);
    }),
    /** The viewer's role in each team (null: not a member). */
    viewerRole: new DataLoader<string, MaybeRole>(async (teamIds) => {
      if (!viewerId) return teamIds.map(() => null);
      const rows = await dataSource
        .getRepository(Membership)
        .find({
          where: { userId: viewerId, teamId: In(valid(teamIds)) },
          select: { teamId: true, role: true },
        });
      const roles = new Map(rows.map((m) => [m.teamId, m.role]));
      return teamIds.map((id) => roles.get(id) ?? null);
    }),
    members: new DataLoader<string, Membership[]>(async (teamIds) => {
      const rows = await dataSource
        .getRepository(Membership)
        .find({ where: { teamId: In(valid(teamIds)) }, order: { joinedAt: 'ASC' } });
      return teamIds.map((id) => rows.filter((m) => m.teamId === id));
    }),
    /** Whether the viewer shares at least one team with each user. */
    sharesTeamWith: new DataLoader<string, boolean>(async (userIds) => {
      if (!viewerId) return userIds.map(() => false);
      const rows: { user_id: string }[] = await dataSource.query(
        `SELECT DISTINCT other.user_id FROM memberships mine
           JOIN memberships other ON other.team_id = mine.team_id
          WHERE mine.user_id = $1 AND other.user_id = ANY($2::uuid[])`,
        [viewerId, valid(userIds)],
      );
      const shared = new Set(rows.map((r) => r.user_id));
      return userIds.map((id) => id === viewerId || shared.has(id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
