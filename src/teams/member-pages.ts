import type { DataSource } from 'typeorm';
import { Membership } from '../../entities/membership.entity';
import { User } from '../../entities/user.entity';
import { EntityRows, SHOWN_USER_OMITS } from '../db/entity-rows';
import {
  cursorPart,
  decodeCursor,
  encodeCursor,
  pageSize,
  toPage,
  type Page,
} from '../pagination/connection-args';
import { isUuid } from '../validation/ids';

const CURSOR_KIND = 'member';

export type PagedMembership = Membership & { cursor: string };

/** A page of members with the users it names, read in the same statement. */
export interface MemberPage extends Page<PagedMembership> {
  users: User[];
}

/** A team's members, oldest membership first (joined_at, user_id), paged by keyset. */
export class MemberPages {
  private readonly memberships: EntityRows<Membership>;
  private readonly users: EntityRows<User>;

  constructor(private readonly dataSource: DataSource) {
    this.memberships = new EntityRows(dataSource, Membership);
    this.users = new EntityRows(dataSource, User, SHOWN_USER_OMITS);
  }

  async page(
    teamId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<MemberPage> {
    const size = pageSize(first);
    const [joinedAt, userId] = after
      ? decodeCursor(CURSOR_KIND, after, [cursorPart.timestamp, cursorPart.uuid])
      : [null, null];
    if (!isUuid(teamId)) return { nodes: [], hasNextPage: false, users: [] };
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.memberships.select('m')}, ${this.users.select('u', 'u__')},
              to_char(m.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS k_cursor_at
         FROM memberships m
         JOIN users u ON u.id = m.user_id
        WHERE m.team_id = $1
          AND ($2::timestamptz IS NULL OR (m.joined_at, m.user_id) > ($2::timestamptz, $3::uuid))
        ORDER BY m.joined_at, m.user_id
        LIMIT $4`,
      [teamId, joinedAt, userId, size + 1],
    );
    const page = toPage(rows, size);
    return {
      hasNextPage: page.hasNextPage,
      nodes: page.nodes.map((row) =>
        Object.assign(this.memberships.map(row) as Membership, {
          cursor: encodeCursor(CURSOR_KIND, [row.k_cursor_at as string, row.user_id as string]),
        }),
      ),
      users: page.nodes.map((row) => this.users.map(row, 'u__') as User),
    };
  }

  count(teamId: string): Promise<number> {
    return this.dataSource.getRepository(Membership).countBy({ teamId });
  }
}
