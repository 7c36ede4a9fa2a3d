import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import type { MaybeRole } from '../teams/team-policy';
import { HELD_FOR_TWO_FACTOR_SQL } from '../teams/two-factor-hold';

/**
 * The reads every live item needs — the subscriber's role, the team, the actor — batched
 * across all feeds of this process. An event reaches every subscriber in the same turn of the
 * event loop, so N subscribers cost one query per kind instead of N. Nothing is cached
 * (`cache: false`): every check is a fresh read made after the event arrived.
 */
export class LiveEventChecks {
  readonly role: DataLoader<{ teamId: string; userId: string }, MaybeRole, string>;
  readonly team: DataLoader<string, Team | null>;
  readonly user: DataLoader<string, User | null>;

  constructor(dataSource: DataSource) {
    // Collect every load of this turn of the event loop into one batch.
    const options = {
      cache: false,
      maxBatchSize: 1_000,
      batchScheduleFn: (run: () => void) => setImmediate(run),
    } as const;
    this.role = new DataLoader(async (keys) => {
      const rows = await dataSource.query<{ team_id: string; user_id: string; role: MaybeRole }[]>(
        `SELECT m.team_id, m.user_id, m.role
           FROM memberships m
           JOIN unnest($1::uuid[], $2::uuid[]) AS k(team_id, user_id)
             ON m.team_id = k.team_id AND m.user_id = k.user_id
           JOIN teams t ON t.id = m.team_id
           JOIN users u ON u.id = m.user_id
          WHERE NOT ${HELD_FOR_TWO_FACTOR_SQL}`,
        [keys.map((k) => k.teamId), keys.map((k) => k.userId)],
      );
      const roles = new Map(rows.map((r) => [`${r.team_id}:${r.user_id}`, r.role]));
      return keys.map((k) => roles.get(`${k.teamId}:${k.userId}`) ?? null);
    }, options);
    this.team = new DataLoader(async (ids) => {
      const rows = await dataSource.getRepository(Team).findBy({ id: In([...new Set(ids)]) });
      const byId = new Map(rows.map((t) => [t.id, t]));
      return ids.map((id) => byId.get(id) ?? null);
    }, options);
    this.user = new DataLoader(async (ids) => {
      const rows = await dataSource.getRepository(User).findBy({ id: In([...new Set(ids)]) });
      const byId = new Map(rows.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }, options);
  }
}

const perDataSource = new WeakMap<DataSource, LiveEventChecks>();

/** The process's batcher for this database. */
export function liveEventChecks(dataSource: DataSource): LiveEventChecks {
  let checks = perDataSource.get(dataSource);
  if (!checks) {
    checks = new LiveEventChecks(dataSource);
    perDataSource.set(dataSource, checks);
  }
  return checks;
}
