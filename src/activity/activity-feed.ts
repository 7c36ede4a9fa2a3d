import { DataSource } from 'typeorm';
import { Activity } from '../../entities/activity.entity';
import type { ActivityAction } from '../../entities/activity-action.enum';
import { EntityRows } from '../db/entity-rows';
import { badInput } from '../errors/errors';
import {
  cursorPart,
  decodeCursor,
  encodeCursor,
  pageSize,
  toPage,
  type Page,
} from '../pagination/connection-args';
import { isUuid } from '../validation/ids';

export interface ActivityFilterArgs {
  actions?: ActivityAction[] | null;
  actorId?: string | null;
  subjectId?: string | null;
}

const CURSOR_KIND = 'activity';

export const activityCursor = (seq: number): string => encodeCursor(CURSOR_KIND, [seq]);

/**
 * The activity feed, newest first, keyset-paginated on seq — never OFFSET, so page 10 000
 * costs what page 1 costs. Every filter has a (team_id, column, seq) index
 * (see the add-activity-feed-indexes migration); several actions are read as one index range
 * per action, merged, so a rare action stays fast in a team with millions of rows.
 */
export class ActivityFeed {
  private rows: EntityRows<Activity> | undefined;

  constructor(private readonly dataSource: DataSource) {}

  /** The feed queries are hand-written SQL; their rows become entities by the entity's columns. */
  private get activities(): EntityRows<Activity> {
    // Built on first use: the DataSource's entity metadata exists once it is initialised.
    this.rows ??= new EntityRows(this.dataSource, Activity);
    return this.rows;
  }

  async page(
    teamId: string,
    first: number | null | undefined,
    after: string | null | undefined,
    filter: ActivityFilterArgs | null | undefined,
  ): Promise<Page<Activity>> {
    const size = pageSize(first);
    const beforeSeq = after ? seqOfCursor(after) : null;
    const { conditions, params } = filterConditions(teamId, filter);
    if (beforeSeq !== null) {
      params.push(beforeSeq);
      conditions.push(`seq < $${params.length}`);
    }
    params.push(size + 1);
    const limit = `$${params.length}`;
    const actions = filter?.actions ? [...new Set(filter.actions)] : null;
    let sql: string;
    if (actions?.length) {
      // One ordered, limited index range per action, then merged: no sort of the whole team.
      params.push(actions);
      const actionsParam = `$${params.length}`;
      sql = `SELECT a.* FROM unnest(${actionsParam}::text[]) AS wanted(action)
               CROSS JOIN LATERAL (
                 SELECT * FROM activities
                  WHERE ${conditions.join(' AND ')} AND action = wanted.action
                  ORDER BY seq DESC LIMIT ${limit}) a
              ORDER BY a.seq DESC LIMIT ${limit}`;
    } else {
      sql = `SELECT * FROM activities WHERE ${conditions.join(' AND ')} ORDER BY seq DESC LIMIT ${limit}`;
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(sql, params);
    return toPage(
      rows.map((row) => this.activities.map(row) as Activity),
      size,
    );
  }

  /** Matching rows in the whole log; without a filter it is the team's last seq (seqs are gapless). */
  async count(teamId: string, filter: ActivityFilterArgs | null | undefined): Promise<number> {
    const { conditions, params } = filterConditions(teamId, filter);
    if (filter?.actions?.length) {
      params.push(filter.actions);
      conditions.push(`action = ANY($${params.length}::text[])`);
    }
    if (conditions.length === 1) {
      const [team] = await this.dataSource.query(`SELECT last_seq FROM teams WHERE id = $1`, [
        teamId,
      ]);
      return team?.last_seq ?? 0;
    }
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM activities WHERE ${conditions.join(' AND ')}`,
      params,
    );
    return row.n;
  }
}

function seqOfCursor(cursor: string): number {
  return decodeCursor(CURSOR_KIND, cursor, [cursorPart.seq])[0];
}

function filterConditions(teamId: string, filter: ActivityFilterArgs | null | undefined) {
  const params: unknown[] = [teamId];
  const conditions = ['team_id = $1'];
  for (const [field, column] of [
    ['actorId', 'actor_id'],
    ['subjectId', 'subject_id'],
  ] as const) {
    const value = filter?.[field];
    if (value === null || value === undefined) continue;
    if (!isUuid(value)) throw badInput(`filter.${field}`, `${field} must be an ID.`);
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  }
  return { conditions, params };
}
