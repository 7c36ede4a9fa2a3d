import { ActivityAction } from '../../entities/activity-action.enum';
import type { Activity } from '../../entities/activity.entity';
import { sameId } from '../validation/ids';

/** The fields of a row that tell whether it ended someone's access. */
export type EndingFields = Pick<Activity, 'seq' | 'action' | 'subjectId'>;

/**
 * Access is judged at each row's commit. A feed starts following a team once it has read a
 * membership that stood at seq `since`; from there, every row of the team is owed to the
 * subscriber, in seq order, up to and including the row that ends the membership — its
 * removal, its leaving (also by account deletion) or the team's deletion — and nothing after
 * it. The log itself says where that is, so delivery needs nothing a later deletion removes.
 * Rows at or before `since` are history (an earlier membership's end among them is not this
 * one's).
 */
export function endsAccess(row: EndingFields, viewerId: string, since: number): boolean {
  if (row.seq <= since) return false;
  if (row.action === ActivityAction.TEAM_DELETED) return true;
  return (
    (row.action === ActivityAction.MEMBER_REMOVED || row.action === ActivityAction.MEMBER_LEFT) &&
    sameId(row.subjectId, viewerId)
  );
}
