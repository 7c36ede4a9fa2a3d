import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { Item } from '../../entities/item.entity';
import { Membership } from '../../entities/membership.entity';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { unreadCounts } from '../activity/read-state';
import type { Role } from '../../entities/role.enum';
import type { MaybeRole } from '../teams/team-policy';
import { HELD, HELD_FOR_TWO_FACTOR_SQL } from '../teams/two-factor-hold';
import { isUuid } from '../validation/ids';
import { SharedBatch } from './shared-batch';

interface SharedBatches {
  users: SharedBatch<User>;
  /** Keyed `${userId}:${teamId}`; HELD for a member held out by the two-factor rule. */
  roles: SharedBatch<MaybeRole | typeof HELD>;
  /** Keyed `${viewerId}:${userId}`; present (true) when they share a team. */
  teammates: SharedBatch<true>;
}
const sharedBatches = new WeakMap<DataSource, SharedBatches>();

/** The process-wide batches behind every request's user and role loaders (see SharedBatch). */
function batchesFor(dataSource: DataSource): SharedBatches {
  let batches = sharedBatches.get(dataSource);
  if (!batches) {
    batches = {
      users: new SharedBatch(async (ids) => {
        const rows = await dataSource.getRepository(User).findBy({ id: In(ids) });
        return new Map(rows.map((user) => [user.id, user]));
      }),
      roles: new SharedBatch<MaybeRole | typeof HELD>(async (keys) => {
        const pairs = keys.map((key) => key.split(':'));
        const rows: { user_id: string; team_id: string; role: Role; held: boolean }[] =
          await dataSource.query(
            `SELECT m.user_id, m.team_id, m.role, ${HELD_FOR_TWO_FACTOR_SQL} AS held
               FROM memberships m
               JOIN unnest($1::uuid[], $2::uuid[]) AS k(user_id, team_id)
                 ON m.user_id = k.user_id AND m.team_id = k.team_id
               JOIN teams t ON t.id = m.team_id
               JOIN users u ON u.id = m.user_id`,
            [pairs.map(([userId]) => userId), pairs.map(([, teamId]) => teamId)],
          );
        return new Map(
          rows.map((r) => [`${r.user_id}:${r.team_id}`, r.held ? HELD : r.role] as const),
        );
      }),
      teammates: new SharedBatch(async (keys) => {
        const pairs = keys.map((key) => key.split(':'));
        const rows: { viewer_id: string; user_id: string }[] = await dataSource.query(
          `SELECT DISTINCT k.viewer_id, k.user_id
             FROM unnest($1::uuid[], $2::uuid[]) AS k(viewer_id, user_id)
             JOIN memberships mine ON mine.user_id = k.viewer_id
             JOIN memberships other ON other.team_id = mine.team_id AND other.user_id = k.user_id`,
          [pairs.map(([viewerId]) => viewerId), pairs.map(([, userId]) => userId)],
        );
        return new Map(rows.map((r) => [`${r.viewer_id}:${r.user_id}`, true as const]));
      }),
    };
    sharedBatches.set(dataSource, batches);
  }
  return batches;
}

/** Each request gets its own copy of a shared row, so nothing one request changes leaks. */
const own = <T extends object>(row: T | null): T | null =>
  row && Object.assign(Object.create(Object.getPrototypeOf(row) as object) as T, row);

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
  const shared = batchesFor(dataSource);
  return {
    user: new DataLoader<string, User | null>((ids) =>
      Promise.all(ids.map((id) => (isUuid(id) ? shared.users.load(id).then(own) : null))),
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
    /**
     * The viewer's role in each team (null: not a member — or a member held out because the
     * team requires two-factor and the viewer has none; see `heldForTwoFactor`).
     */
    viewerRole: new DataLoader<string, MaybeRole>(async (teamIds) => {
      if (!viewerId) return teamIds.map(() => null);
      return Promise.all(
        teamIds.map(async (id) => {
          const role = isUuid(id) ? await shared.roles.load(`${viewerId}:${id}`) : null;
          return role === HELD ? null : role;
        }),
      );
    }),
    /** Whether the viewer is a member held out of each team by its two-factor rule. */
    heldForTwoFactor: new DataLoader<string, boolean>(async (teamIds) => {
      if (!viewerId) return teamIds.map(() => false);
      return Promise.all(
        teamIds.map(async (id) =>
          isUuid(id) ? (await shared.roles.load(`${viewerId}:${id}`)) === HELD : false,
        ),
      );
    }),
    members: new DataLoader<string, Membership[]>(async (teamIds) => {
      const rows = await dataSource
        .getRepository(Membership)
        .find({ where: { teamId: In(valid(teamIds)) }, order: { joinedAt: 'ASC' } });
      return teamIds.map((id) => rows.filter((m) => m.teamId === id));
    }),
    /**
     * Whether the viewer is each user or shares at least one team with them now. Batched across
     * requests and live events like roles: a feed event by a former member costs one query for
     * every subscriber together.
     */
    sharesTeamWith: new DataLoader<string, boolean>((userIds) =>
      Promise.all(
        userIds.map(async (id) => {
          if (!viewerId || !isUuid(id)) return false;
          if (id === viewerId) return true;
          return (await shared.teammates.load(`${viewerId}:${id}`)) === true;
        }),
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
