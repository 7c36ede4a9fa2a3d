import DataLoader from 'dataloader';
import { In, type DataSource, type EntityTarget, type FindOptionsWhere } from 'typeorm';
import { Activity } from '../../entities/activity.entity';
import { Invitation } from '../../entities/invitation.entity';
import type { Item } from '../../entities/item.entity';
import type { Membership } from '../../entities/membership.entity';
import { Session } from '../../entities/session.entity';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { unreadCounts } from '../activity/read-state';
import { ownCopy } from '../util/own-copy';
import { isUuid } from '../validation/ids';
import type { LoaderStatements, RoleAndTeam } from './loader-statements';
import { RoleLoader } from './role-loader';
import type { SharedLoaderBatches } from './shared-loader-batches';

/** What every request's loaders read through, built once by the composition root. */
export interface LoaderSources {
  dataSource: DataSource;
  statements: LoaderStatements;
  batches: SharedLoaderBatches;
}

/** Each request gets its own copy of a shared row, so nothing one request changes leaks. */
const copyForRequest = <T extends object>(row: T | null): T | null => row && ownCopy(row);

/**
 * Per-request batching, so lists resolve their relations in one query per relation. Created
 * afresh for every request and every live event: nothing here may outlive a membership change.
 * Reads that return more than was asked for prime the other loaders with it (the role brings
 * its team, an item the viewer's role, members their users), so one request never reads the
 * same row twice.
 */
export function createLoaders(sources: LoaderSources, viewerId: string | null) {
  const { dataSource, statements: reads, batches: shared } = sources;
  const byId = <T extends { id: string }>(rows: T[], ids: readonly string[]) => {
    const map = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => map.get(id) ?? null);
  };
  // Ids come from clients: anything that is not a UUID matches nothing (and never reaches SQL).
  const valid = (ids: readonly string[]) => ids.filter(isUuid);
  /** Rows of one entity by id, one statement per batch (reached by `node(id)`). */
  const rowsById = <T extends { id: string }>(target: EntityTarget<T>) =>
    new DataLoader<string, T | null>(async (ids) => {
      const usable = valid(ids);
      if (!usable.length) return ids.map(() => null);
      const repository = dataSource.getRepository(target);
      return byId(await repository.findBy({ id: In(usable) } as FindOptionsWhere<T>), ids);
    });
  const user = new DataLoader<string, User | null>((ids) =>
    Promise.all(ids.map((id) => (isUuid(id) ? shared.users.load(id).then(copyForRequest) : null))),
  );
  const team = new DataLoader<string, Team | null>(async (ids) => {
    const usable = valid(ids);
    return byId(usable.length ? await reads.teamsById(usable) : [], ids);
  });
  // One read per team and request for both the role and the two-factor hold.
  const roleAndTeam = new DataLoader<string, RoleAndTeam | null>((teamIds) =>
    Promise.all(
      teamIds.map(async (id) => {
        if (!viewerId || !isUuid(id)) return null;
        const found = await shared.roleAndTeamOf(viewerId, id);
        if (found) team.prime(id, copyForRequest(found.team));
        return found;
      }),
    ),
  );
  const viewerRole = new RoleLoader((teamIds) =>
    Promise.all(
      teamIds.map(async (id) => {
        const found = await roleAndTeam.load(id);
        return found && !found.held ? found.role : null;
      }),
    ),
  );
  const item = new DataLoader<string, Item | null>((ids) =>
    Promise.all(
      ids.map(async (id) => {
        if (!isUuid(id)) return null;
        const found = await shared.itemsWithRole.load(`${viewerId ?? ''}:${id}`);
        if (!found) return null;
        if (viewerId) viewerRole.prime(found.item.teamId, found.held ? null : found.role);
        return copyForRequest(found.item);
      }),
    ),
  );
  return {
    user,
    team,
    item,
    activity: rowsById(Activity),
    invitation: rowsById(Invitation),
    session: rowsById(Session),
    /** The viewer's unread activity count in each team (0 when not a member). */
    unreadCount: new DataLoader<string, number>(async (teamIds) => {
      const usable = valid(teamIds);
      if (!viewerId || !usable.length) return teamIds.map(() => 0);
      const counts = await unreadCounts(dataSource, viewerId, usable);
      return teamIds.map((id) => counts.get(id) ?? 0);
    }),
    /**
     * The viewer's role in each team (null: not a member — or a member held out because the
     * team requires two-factor and the viewer has none; see `heldForTwoFactor`).
     */
    viewerRole,
    /** Whether the viewer is a member held out of each team by its two-factor rule. */
    heldForTwoFactor: new DataLoader<string, boolean>((teamIds) =>
      Promise.all(teamIds.map(async (id) => (await roleAndTeam.load(id))?.held === true)),
    ),
    members: new DataLoader<string, Membership[]>((teamIds) =>
      Promise.all(
        teamIds.map(async (id) => {
          const rows = isUuid(id) ? ((await shared.members.load(id)) ?? []) : [];
          return rows.map((row) => {
            const member = copyForRequest(row.user) as User;
            user.prime(member.id, member);
            return copyForRequest(row.membership) as Membership;
          });
        }),
      ),
    ),
    /**
     * Whether the viewer is each user or shares at least one team with them now (a membership
     * not held out by the team's two-factor requirement: sharesTeamNowSql). Batched across
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
