import { DataSource } from 'typeorm';
import { accountEvent } from '../accounts/account-event';
import type { Viewer } from '../accounts/session.service';
import { allInOrder } from '../db/all-in-order';
import { inTransaction } from '../db/transaction';
import { badInput, forbidden } from '../errors/errors';
import { AccountEventType } from '../events/account-event-type';
import type { EventBus } from '../events/event-bus';

/**
 * Per-member read positions in a team's activity: one integer per membership
 * (memberships.last_read_seq), never a row per recipient.
 */
export class ReadState {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
  ) {}

  /**
   * Moves my read position forward to `upToSeq`, clamped to the team's last seq; never back.
   * Read state is mine, not team data: it records no activity (which would itself be unread
   * news for everyone else) and is pushed to my other sessions as an account event.
   */
  markRead(viewer: Viewer, teamId: string, upToSeq: number): Promise<number> {
    if (!Number.isInteger(upToSeq) || upToSeq < 0)
      throw badInput('upToSeq', 'upToSeq must be 0 or more.');
    return inTransaction(this.dataSource, this.bus, async (tx, pending) => {
      // The position, locked; then the team's last seq, read once that lock is held (the team
      // is not locked, as before: a seq committed after this read is not counted yet). The
      // position only moves forward, computed here; the UPDATE is deferred to COMMIT.
      const [[current], [team]] = await allInOrder([
        tx.read<{ last_read_seq: number }>(
          `SELECT last_read_seq FROM memberships WHERE team_id = $1 AND user_id = $2 FOR UPDATE`,
          [teamId, viewer.user.id],
        ),
        tx.read<{ last_seq: number }>(`SELECT last_seq FROM teams WHERE id = $1`, [teamId]),
      ]);
      // A membership's team is there as long as the membership (it goes with its team).
      if (!current || !team) throw forbidden();
      const position = Math.max(current.last_read_seq, Math.min(upToSeq, team.last_seq));
      if (position !== current.last_read_seq) {
        tx.defer({
          text: `UPDATE memberships SET last_read_seq = $3 WHERE team_id = $1 AND user_id = $2`,
          values: [teamId, viewer.user.id, position],
        });
        accountEvent(
          pending,
          viewer.user.id,
          viewer.session.id,
          AccountEventType.READ_STATE_CHANGED,
          {
            teamId,
            lastReadSeq: position,
          },
        );
      }
      return position;
    });
  }
}

/**
 * Activity after each of my read positions that others performed. Seqs are gapless, so it is
 * the distance to the last seq minus my own rows in that range (an index-only range scan on
 * activities_team_actor_seq_idx). Batched by the per-request `unreadCount` loader.
 */
export async function unreadCounts(
  dataSource: DataSource,
  userId: string,
  teamIds: string[],
): Promise<Map<string, number>> {
  const rows: { team_id: string; n: number }[] = await dataSource.query(
    `SELECT m.team_id,
            GREATEST(0, t.last_seq - m.last_read_seq
              - (SELECT count(*) FROM activities a
                  WHERE a.team_id = m.team_id AND a.actor_id = m.user_id AND a.seq > m.last_read_seq)::int) AS n
       FROM memberships m JOIN teams t ON t.id = m.team_id
      WHERE m.user_id = $1 AND m.team_id = ANY($2::uuid[])`,
    [userId, teamIds],
  );
  return new Map(rows.map((r) => [r.team_id, r.n]));
}
