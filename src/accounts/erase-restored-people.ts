import type { EntityManager } from 'typeorm';
import { DELETED_USER_NAME } from './deleted-user';

/**
 * A team restored from a backup may bring back rows about people who deleted their account
 * after that backup was taken. Their names and addresses are no longer known to us, so they
 * are found by reference and erased again before the restore commits:
 * - their memberships (a deleted account belongs to no team);
 * - the address of every invitation they accepted or declined (linked by its activity);
 * - the summary of every activity that is about them, which becomes a neutral sentence. The
 *   chain seals a salted digest of each summary, so it stays intact once the salt is dropped.
 */
export async function eraseRestoredDeletedPeople(tx: EntityManager, teamId: string): Promise<void> {
  await tx.query(
    `DELETE FROM memberships m USING users u
      WHERE m.team_id = $1 AND u.id = m.user_id AND u.deleted_at IS NOT NULL`,
    [teamId],
  );
  await tx.query(
    `UPDATE invitations i SET email = u.email
       FROM activities a JOIN users u ON u.id = a.actor_id
      WHERE i.team_id = $1 AND a.team_id = $1 AND u.deleted_at IS NOT NULL
        AND a.details->>'invitationId' = i.id::text
        AND a.action IN ('MEMBER_JOINED', 'INVITATION_DECLINED')`,
    [teamId],
  );
  const rows: { id: string; action: string }[] = await tx.query(
    `SELECT a.id, a.action FROM activities a
      WHERE a.team_id = $1 AND a.summary_salt IS NOT NULL AND EXISTS (
        SELECT 1 FROM users u WHERE u.deleted_at IS NOT NULL
           AND (u.id = a.actor_id OR u.id = a.subject_id))`,
    [teamId],
  );
  for (const row of rows) {
    const summary = `${row.action.toLowerCase().replace(/_/g, ' ')} (involving ${DELETED_USER_NAME})`;
    await tx.query(`UPDATE activities SET summary = $2, summary_salt = NULL WHERE id = $1`, [
      row.id,
      summary,
    ]);
  }
}
