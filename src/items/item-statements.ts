import type { DataSource } from 'typeorm';
import { Item } from '../../entities/item.entity';
import { Team } from '../../entities/team.entity';
import { User } from '../../entities/user.entity';
import { heldColumnSql } from '../access/member-access-sql';
import type { ChangeStatement } from '../activity/record-activity';
import { EntityRows, SHOWN_USER_OMITS } from '../db/entity-rows';
import { prepared, query } from '../db/prepared';
import type { Transaction } from '../db/transaction';
import { SharedBatch } from '../loaders/shared-batch';
import type { MaybeRole } from '../teams/team-policy';
import { ownCopy } from '../util/own-copy';

/** Where a page starts: after this row (exclusive). */
export interface PageCursor {
  createdAt: string;
  id: string;
}

export interface ItemPage {
  rows: { item: Item; cursorAt: string }[];
  /** The creators and last editors of the rows, each once. */
  authors: User[];
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Whether the locked actor `a` is held out of the team by its two-factor requirement. */
const ACTOR_HELD = heldColumnSql('a.two_factor_enabled_at');

const pageKey = (teamId: string, limit: number, after: PageCursor | null): string =>
  JSON.stringify([teamId, limit, after?.createdAt ?? null, after?.id ?? null]);

function parsePageKey(key: string): { teamId: string; limit: number; after: PageCursor | null } {
  const [teamId, limit, createdAt, id] = JSON.parse(key) as [
    string,
    number,
    string | null,
    string | null,
  ];
  return { teamId, limit, after: createdAt !== null && id !== null ? { createdAt, id } : null };
}

/**
 * The item service's SQL, prepared once (built by the composition root). The locking reads follow the domain's
 * lock order (src/db/lock-order.ts): the actor's account first (FOR KEY SHARE OF a), then the
 * team row (FOR UPDATE OF t), then the item and the actor's membership. PostgreSQL locks in the
 * order of the locking clauses, and a row updated or deleted while we waited is re-read at its
 * committed version (or drops the row), so what comes back is current under the lock. Holding
 * the account before the team is what keeps a write from meeting its author's deletion in the
 * opposite order: the item's and activity's references to the account need that lock anyway.
 */
export class ItemStatements {
  private readonly items: EntityRows<Item>;
  private readonly teams: EntityRows<Team>;
  private readonly users: EntityRows<User>;
  private readonly statements;
  /** Pages asked for in the same turn, keyed by `pageKey`. */
  private readonly pages: SharedBatch<ItemPage>;

  constructor(private readonly dataSource: DataSource) {
    this.items = new EntityRows(dataSource, Item);
    this.teams = new EntityRows(dataSource, Team);
    // Users reached through loaders are shown, never authenticated: no credentials.
    this.users = new EntityRows(dataSource, User, SHOWN_USER_OMITS);
    const pageSelect = `SELECT ${this.items.select('i')},
        to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS k_cursor_at,
        ${this.users.select('c', 'c__')}, ${this.users.select('u', 'u__')}
      FROM items i
      LEFT JOIN users c ON c.id = i.created_by_id
      LEFT JOIN users u ON u.id = i.updated_by_id`;
    this.pages = new SharedBatch((keys) => this.readPages(keys));
    this.statements = {
      lockTeam: prepared(
        'lock_team_for_actor',
        `SELECT ${this.teams.select('t')}, m.role AS k_role, ${ACTOR_HELD} AS k_held
           FROM teams t JOIN memberships m ON m.team_id = t.id AND m.user_id = $2::uuid
           JOIN users a ON a.id = m.user_id
          WHERE t.id = $1::uuid
            FOR KEY SHARE OF a FOR UPDATE OF t FOR SHARE OF m`,
      ),
      lockItem: prepared(
        'lock_item_for_actor',
        `SELECT ${this.teams.select('t', 't__')}, ${this.items.select('i', 'i__')},
                m.role AS k_role, ${ACTOR_HELD} AS k_held
           FROM items i
           JOIN teams t ON t.id = i.team_id
           JOIN memberships m ON m.team_id = i.team_id AND m.user_id = $2::uuid
           JOIN users a ON a.id = m.user_id
          WHERE i.id = $1::uuid
            FOR KEY SHARE OF a FOR UPDATE OF t, i FOR SHARE OF m`,
      ),
      // Every page asked for in one turn, one statement: a LATERAL keyset read per page. A
      // missing cursor starts before the first row ((created_at, id) > (-infinity, nil)).
      pages: prepared(
        'items_pages',
        `SELECT k.n AS k_n, p.*
           FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::uuid[])
                WITH ORDINALITY AS k(team_id, size, after_at, after_id, n)
          CROSS JOIN LATERAL (
                ${pageSelect}
                 WHERE i.team_id = k.team_id
                   AND (i.created_at, i.id) > (coalesce(k.after_at, '-infinity'),
                                               coalesce(k.after_id, '${NIL_UUID}'))
                 ORDER BY i.created_at, i.id LIMIT k.size) p
          ORDER BY k.n, p.created_at, p.id`,
      ),
    };
  }

  /**
   * The team, locked, the actor's role in it and whether the team's two-factor requirement
   * holds them out; nulls when either is missing.
   */
  async lockTeamForActor(
    tx: Transaction,
    teamId: string,
    actorId: string,
  ): Promise<{ team: Team | null; role: MaybeRole; held: boolean }> {
    const [row] = await tx.read<{ k_role: MaybeRole; k_held: boolean }>(this.statements.lockTeam, [
      teamId,
      actorId,
    ]);
    return row
      ? { team: this.teams.map(row), role: row.k_role, held: row.k_held }
      : { team: null, role: null, held: false };
  }

  /**
   * The item's team (locked), the item (locked), the actor's role and whether the team's
   * two-factor requirement holds them out; null when not a member.
   */
  async lockItemForActor(
    tx: Transaction,
    itemId: string,
    actorId: string,
  ): Promise<{ team: Team; item: Item; role: MaybeRole; held: boolean } | null> {
    const [row] = await tx.read<{ k_role: MaybeRole; k_held: boolean }>(this.statements.lockItem, [
      itemId,
      actorId,
    ]);
    if (!row) return null;
    return {
      team: this.teams.map(row, 't__') as Team,
      item: this.items.map(row, 'i__') as Item,
      role: row.k_role,
      held: row.k_held,
    };
  }

  insert(
    id: string,
    teamId: string,
    title: string,
    content: Record<string, unknown>,
    actorId: string,
  ): ChangeStatement {
    return {
      text: `INSERT INTO items (id, team_id, title, content, version, created_by_id, updated_by_id)
             VALUES ($1::uuid, $2::uuid, $3::text, $4::jsonb, 1, $5::uuid, $5::uuid)
             RETURNING ${this.items.select('items')}`,
      values: [id, teamId, title, JSON.stringify(content), actorId],
    };
  }

  /** Applies the given fields if the item is still at `version`. */
  update(
    id: string,
    version: number,
    next: { title?: string; content?: Record<string, unknown> },
    actorId: string,
  ): ChangeStatement {
    return {
      text: `UPDATE items SET title = coalesce($3::text, title), content = coalesce($4::jsonb, content),
                    version = version + 1, updated_by_id = $5::uuid, updated_at = now()
              WHERE id = $1::uuid AND version = $2::int
             RETURNING ${this.items.select('items')}`,
      values: [
        id,
        version,
        next.title ?? null,
        next.content === undefined ? null : JSON.stringify(next.content),
        actorId,
      ],
    };
  }

  remove(id: string): ChangeStatement {
    return {
      text: `DELETE FROM items WHERE id = $1::uuid RETURNING items.id AS "id"`,
      values: [id],
    };
  }

  toItem(row: Record<string, unknown> | undefined): Item {
    const item = row && this.items.map(row);
    if (!item) throw new Error('the item statement returned no row');
    return item;
  }

  /** `limit` rows from `after` (exclusive), with the creator and last editor of each. */
  async page(teamId: string, limit: number, after: PageCursor | null): Promise<ItemPage> {
    const page = await this.pages.load(pageKey(teamId, limit, after));
    if (!page) throw new Error('the page statement answered no page');
    // Each caller gets its own entities: pages asked for together share one read.
    return {
      rows: page.rows.map(({ item, cursorAt }) => ({ item: ownCopy(item), cursorAt })),
      authors: page.authors.map(ownCopy),
    };
  }

  private async readPages(keys: string[]): Promise<Map<string, ItemPage>> {
    const asked = keys.map(parsePageKey);
    const rows = await query<{ k_n: string; k_cursor_at: string }>(
      this.dataSource,
      this.statements.pages,
      [
        asked.map((a) => a.teamId),
        asked.map((a) => a.limit),
        asked.map((a) => a.after?.createdAt ?? null),
        asked.map((a) => a.after?.id ?? null),
      ],
    );
    const pages = keys.map((): { page: ItemPage; authors: Map<string, User> } => ({
      page: { rows: [], authors: [] },
      authors: new Map(),
    }));
    for (const row of rows) {
      const { page, authors } = pages[Number(row.k_n) - 1];
      page.rows.push({ item: this.items.map(row) as Item, cursorAt: row.k_cursor_at });
      for (const prefix of ['c__', 'u__']) {
        const user = this.users.map(row, prefix);
        if (user && !authors.has(user.id)) authors.set(user.id, user);
      }
    }
    return new Map(
      pages.map(({ page, authors }, i) => [keys[i], { ...page, authors: [...authors.values()] }]),
    );
  }
}
