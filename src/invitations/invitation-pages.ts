import type { DataSource } from 'typeorm';
import type { Invitation } from '../../entities/invitation.entity';
import type { InvitationStatus } from '../../entities/invitation-status.enum';
import {
  cursorPart,
  decodeCursor,
  encodeCursor,
  pageSize,
  toPage,
  type Page,
} from '../pagination/connection-args';
import { isUuid } from '../validation/ids';
import { teamInvitationsQuery } from './team-invitations-query';

const CURSOR_KIND = 'invitation';

export type PagedInvitation = Invitation & { cursor: string };

/** A team's invitations, newest first, paged by keyset (created_at DESC, id ASC). */
export class InvitationPages {
  constructor(private readonly dataSource: DataSource) {}

  async page(
    teamId: string,
    status: InvitationStatus | null,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Page<PagedInvitation>> {
    const size = pageSize(first);
    const position = after
      ? decodeCursor(CURSOR_KIND, after, [cursorPart.timestamp, cursorPart.uuid])
      : null;
    if (!isUuid(teamId)) return { nodes: [], hasNextPage: false };
    const query = teamInvitationsQuery(this.dataSource, teamId, status)
      .addSelect(
        `to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'k_cursor_at',
      )
      .limit(size + 1);
    if (position) {
      query.andWhere('(i.created_at < :at OR (i.created_at = :at AND i.id > :id))', {
        at: position[0],
        id: position[1],
      });
    }
    const { entities, raw } = await query.getRawAndEntities<{ k_cursor_at: string }>();
    const paged = entities.map((invitation, i) =>
      Object.assign(invitation, {
        cursor: encodeCursor(CURSOR_KIND, [raw[i].k_cursor_at, invitation.id]),
      }),
    );
    return toPage(paged, size);
  }

  count(teamId: string, status: InvitationStatus | null): Promise<number> {
    return teamInvitationsQuery(this.dataSource, teamId, status).getCount();
  }
}
