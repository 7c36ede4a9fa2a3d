import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { DataSource } from 'typeorm';
import type { NewActivity } from '../../entities/activity-actions';
import { ActivityAction } from '../../entities/activity-action.enum';
import { Item } from '../../entities/item.entity';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { recordActivity, type ChangeStatement } from '../activity/record-activity';
import { inTransaction, type PendingEvents, type Transaction } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';
import { accountDeleted } from '../db/lock-order';
import { withConfirmedRole } from '../loaders/confirmed-role';
import { badInput, conflict, forbidden, heldForTwoFactor } from '../errors/errors';
import type { EventBus } from '../events/event-bus';
import {
  cursorPart,
  encodeCursor,
  decodeCursor,
  pageSize,
  toPage,
  type Page,
} from '../pagination/connection-args';
import { canDeleteItem, isMember, type MaybeRole } from '../teams/team-policy';
import { isUuid } from '../validation/ids';
import { changedFields } from './changed-fields';
import { itemContent, itemTitle } from './item-input';
import type { ItemStatements } from './item-statements';

export interface ItemChanges {
  title?: string | null;
  content?: Record<string, unknown> | null;
}

/** An item with its opaque cursor: (created_at to the microsecond, id). */
type PagedItem = Item & { cursor: string };

/** A page of items and the users who created and last updated them (read in the same statement). */
export type ItemPage = Page<PagedItem> & { authors: User[] };

const CURSOR_KIND = 'item';

/**
 * Items of a team. Every mutation locks the team row (which orders it with every other team
 * mutation and gives the activity its seq), re-reads the item and the caller's role under
 * that lock, re-checks the policy, then changes the row and records one activity — all in one
 * transaction of two round trips (`open`, then `close`): BEGIN with the lock and its re-read,
 * then the change with its activity row and the team's new head, with COMMIT.
 */
export class ItemService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly sql: ItemStatements,
  ) {}

  createItem(
    actor: User,
    teamId: string,
    input: { title: string; content?: Record<string, unknown> | null },
  ): Promise<Item> {
    const title = itemTitle(input.title);
    const content = itemContent(input.content ?? {});
    if (!isUuid(teamId)) throw forbidden();
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const { team, role, held } = await this.sql.lockTeamForActor(tx, teamId, actor.id);
      if (!team || !isMember(role)) throw await refusal(tx, actor.id);
      if (held) throw heldForTwoFactor();
      const id = randomUUID();
      const [row] = await this.record(
        tx,
        pending,
        team,
        {
          actorId: actor.id,
          action: ActivityAction.ITEM_CREATED,
          subjectId: id,
          details: { title },
          names: { actor: actor.displayName },
        },
        this.sql.insert(id, teamId, title, content, actor.id),
      );
      return withConfirmedRole(this.sql.toItem(row), teamId, role);
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
      const { team, item, role } = await this.lockItem(tx, id, actor.id);
      if (!isMember(role)) throw forbidden();
      checkVersion(item, expectedVersion);
      const before = { title: item.title, content: item.content };
      const version = item.version + 1;
      const [row] = await this.record(
        tx,
        pending,
        team,
        {
          actorId: actor.id,
          action: ActivityAction.ITEM_UPDATED,
          subjectId: id,
          details: { version, changedFields: changedFields(before, next) },
          names: { actor: actor.displayName, title: next.title ?? item.title },
        },
        this.sql.update(id, item.version, next, actor.id),
      );
      // Unreachable while the team row is locked; kept so a lost update can never pass silently.
      if (!row) throw conflict('The item was changed by someone else; reload it.');
      return withConfirmedRole(this.sql.toItem(row), team.id, role);
    });
  }

  /** The creator, ADMINs and the OWNER delete (canDeleteItem), re-checked under the lock. */
  deleteItem(actor: User, id: string, expectedVersion: number | null): Promise<string> {
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      const { team, item, role } = await this.lockItem(tx, id, actor.id);
      if (!canDeleteItem(role, item.createdById === actor.id)) throw forbidden();
      checkVersion(item, expectedVersion);
      const rows = await this.record(
        tx,
        pending,
        team,
        {
          actorId: actor.id,
          action: ActivityAction.ITEM_DELETED,
          subjectId: id,
          details: { title: item.title, version: item.version },
          names: { actor: actor.displayName },
        },
        this.sql.remove(id),
      );
      if (!rows.length) throw conflict('The item was changed by someone else; reload it.');
      return id;
    });
  }

  /** A page of the team's items, oldest first, keyset on (created_at, id), with their authors. */
  async page(
    teamId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<ItemPage> {
    const size = pageSize(first);
    let position: { createdAt: string; id: string } | null = null;
    if (after) {
      const [createdAt, id] = decodeCursor(CURSOR_KIND, after, [
        cursorPart.timestamp,
        cursorPart.uuid,
      ]);
      position = { createdAt, id };
    }
    if (!isUuid(teamId)) return { nodes: [], hasNextPage: false, authors: [] };
    const { rows, authors } = await this.sql.page(teamId, size + 1, position);
    const paged = rows.map(({ item, cursorAt }) =>
      Object.assign(item, { cursor: encodeCursor(CURSOR_KIND, [cursorAt, item.id]) }),
    );
    return { ...toPage(paged, size), authors };
  }

  count(teamId: string): Promise<number> {
    return this.dataSource.getRepository(Item).countBy({ teamId });
  }

  /** The change with its activity row and the team's new head, sent with the COMMIT. */
  private async record(
    tx: Transaction,
    pending: PendingEvents<DomainEvent>,
    team: Team,
    activity: NewActivity,
    change: ChangeStatement,
  ): Promise<Record<string, unknown>[]> {
    return recordActivity((statement) => tx.close(statement), pending, team, activity, change);
  }

  /**
   * Locks the item's team and re-reads the item and the actor's role under that lock, in one
   * statement. A missing item, or an actor who is not a member, is refused (`refusal`); a
   * member held out by the team's two-factor requirement is refused with that reason.
   */
  private async lockItem(
    tx: Transaction,
    id: string,
    actorId: string,
  ): Promise<{ team: Team; item: Item; role: MaybeRole }> {
    if (!isUuid(id)) throw forbidden();
    const locked = await this.sql.lockItemForActor(tx, id, actorId);
    if (!locked) throw await refusal(tx, actorId);
    if (locked.held) throw heldForTwoFactor();
    return locked;
  }
}

/**
 * Why a locking read found no row for the actor: their account's deletion (which ended the
 * membership while we waited) is CONFLICT, anything else FORBIDDEN. Read only when refusing,
 * so a write that goes through costs nothing more; on the transaction's own connection, so a
 * refusal never waits for a second one from a pool its transaction may be holding the last of.
 */
async function refusal(tx: Transaction, actorId: string): Promise<GraphQLError> {
  const [actor] = await tx.read<{ deleted: boolean }>(
    `SELECT deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1`,
    [actorId],
  );
  return actor?.deleted ? accountDeleted() : forbidden();
}

function checkVersion(item: Item, expectedVersion: number | null): void {
  if (expectedVersion !== null && expectedVersion !== item.version) {
    throw conflict(
      `The item is at version ${item.version}, not ${expectedVersion}; reload it and try again.`,
    );
  }
}
