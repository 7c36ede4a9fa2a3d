import { DataSource, EntityManager } from 'typeorm';
import { ActivityAction } from '../../entities/activity-action.enum';
import { Item } from '../../entities/item.entity';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { lockTeam, recordActivity } from '../activity/record-activity';
import { inTransaction } from '../db/unit-of-work';
import { badInput, conflict, forbidden } from '../errors/errors';
import type { EventBus } from '../events/event-bus';
import {
  cursorPart,
  encodeCursor,
  decodeCursor,
  pageSize,
  toPage,
  type Page,
} from '../pagination/connection-args';
import { roleIn } from '../teams/membership-queries';
import { canDeleteItem, isMember } from '../teams/team-policy';
import { isUuid } from '../validation/ids';
import { changedFields } from './changed-fields';
import { itemContent, itemTitle } from './item-input';

export interface ItemChanges {
  title?: string | null;
  content?: Record<string, unknown> | null;
}

/** An item with its opaque cursor: (created_at to the microsecond, id). */
type PagedItem = Item & { cursor: string };

const CURSOR_KIND = 'item';

/**
 * Items of a team. Every mutation locks the team row (which orders it with every other team
 * mutation and gives the activity its seq), re-reads the item under that lock, re-checks the
 * caller's role, changes the row and records one activity — all in one transaction.
 */
export class ItemService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
  ) {}

  createItem(
    actor: User,
    teamId: string,
    input: { title: string; content?: Record<string, unknown> | null },
  ): Promise<Item> {
    const title = itemTitle(input.title);
    const content = itemContent(input.content ?? {});
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const team = await lockTeam(tx, teamId);
      if (!isMember(await roleIn(tx, teamId, actor.id))) throw forbidden();
      const item = await tx.save(
        tx.create(Item, {
          teamId,
          title,
          content,
          version: 1,
          createdById: actor.id,
          updatedById: actor.id,
        }),
      );
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.ITEM_CREATED,
        subjectType: 'Item',
        subjectId: item.id,
        summary: `${actor.displayName} created "${title}"`,
        details: { title },
      });
      return item;
    });
  }

  /** `expectedVersion` null: apply to whatever version is current (still serialised). */
  updateItem(
    actor: User,
    id: string,
    changes: ItemChanges,
    expectedVersion: number | null,
  ): Promise<Item> {
    const next: Partial<Pick<Item, 'title' | 'content'>> = {};
    if (changes.title !== undefined && changes.title !== null)
      next.title = itemTitle(changes.title);
    if (changes.content !== undefined && changes.content !== null)
      next.content = itemContent(changes.content);
    if (!Object.keys(next).length) throw badInput('input', 'Give a title or content to change.');
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const { team, item } = await this.lockItem(tx, id);
      if (!isMember(await roleIn(tx, team.id, actor.id))) throw forbidden();
      checkVersion(item, expectedVersion);
      const before = { title: item.title, content: item.content };
      const result = await tx
        .createQueryBuilder()
        .update(Item)
        // Cast: TypeORM's deep-partial type rejects Record<string, unknown> for jsonb columns.
        .set({ ...next, updatedById: actor.id, version: () => 'version + 1' } as never)
        .where('id = :id AND version = :version', { id, version: item.version })
        .returning('*')
        .execute();
      // Unreachable while the team row is locked; kept so a lost update can never pass silently.
      if (result.affected !== 1) throw conflict('The item was changed by someone else; reload it.');
      const updated = tx.create(Item, {
        ...item,
        ...next,
        updatedById: actor.id,
        version: item.version + 1,
      });
      updated.updatedAt = new Date((result.raw as { updated_at: Date }[])[0].updated_at);
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.ITEM_UPDATED,
        subjectType: 'Item',
        subjectId: id,
        summary: `${actor.displayName} updated "${updated.title}"`,
        details: { version: updated.version, changedFields: changedFields(before, next) },
      });
      return updated;
    });
  }

  /** The creator, ADMINs and the OWNER delete (canDeleteItem), re-checked under the lock. */
  deleteItem(actor: User, id: string, expectedVersion: number | null): Promise<string> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const { team, item } = await this.lockItem(tx, id);
      if (!canDeleteItem(await roleIn(tx, team.id, actor.id), item.createdById === actor.id))
        throw forbidden();
      checkVersion(item, expectedVersion);
      await tx.delete(Item, { id });
      await recordActivity(tx, pending, team, {
        actorId: actor.id,
        action: ActivityAction.ITEM_DELETED,
        subjectType: 'Item',
        subjectId: id,
        summary: `${actor.displayName} deleted "${item.title}"`,
        details: { title: item.title, version: item.version },
      });
      return id;
    });
  }

  /** A page of the team's items, oldest first, keyset on (created_at, id). */
  async page(
    teamId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Page<PagedItem>> {
    const size = pageSize(first);
    const query = this.dataSource
      .getRepository(Item)
      .createQueryBuilder('item')
      // The cursor needs created_at to the microsecond; a JS Date would round it to milliseconds.
      .addSelect(
        `to_char(item.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'cursor_created_at',
      )
      .where('item.team_id = :teamId', { teamId })
      .orderBy('item.created_at', 'ASC')
      .addOrderBy('item.id', 'ASC')
      .limit(size + 1);
    if (after) {
      const [createdAt, id] = decodeCursor(CURSOR_KIND, after, [
        cursorPart.timestamp,
        cursorPart.uuid,
      ]);
      query.andWhere('(item.created_at, item.id) > (:createdAt::timestamptz, :id::uuid)', {
        createdAt,
        id,
      });
    }
    const { entities, raw } = await query.getRawAndEntities<{
      cursor_created_at: string;
      item_id: string;
    }>();
    const cursors = new Map(
      raw.map((r) => [r.item_id, encodeCursor(CURSOR_KIND, [r.cursor_created_at, r.item_id])]),
    );
    const rows = entities.map((item) =>
      Object.assign(item, { cursor: cursors.get(item.id) ?? '' }),
    );
    return toPage(rows, size);
  }

  count(teamId: string): Promise<number> {
    return this.dataSource.getRepository(Item).countBy({ teamId });
  }

  /** Locks the item's team, then the item; a missing item (or one that moved) is FORBIDDEN. */
  private async lockItem(tx: EntityManager, id: string): Promise<{ team: Team; item: Item }> {
    if (!isUuid(id)) throw forbidden();
    const found = await tx
      .getRepository(Item)
      .findOne({ where: { id }, select: { id: true, teamId: true } });
    if (!found) throw forbidden();
    const team = await lockTeam(tx, found.teamId);
    const item = await tx
      .getRepository(Item)
      .createQueryBuilder('item')
      .setLock('pessimistic_write')
      .where('item.id = :id AND item.team_id = :teamId', { id, teamId: team.id })
      .getOne();
    if (!item) throw forbidden();
    return { team, item };
  }
}

function checkVersion(item: Item, expectedVersion: number | null): void {
  if (expectedVersion !== null && expectedVersion !== item.version) {
    throw conflict(
      `The item is at version ${item.version}, not ${expectedVersion}; reload it and try again.`,
    );
  }
}
