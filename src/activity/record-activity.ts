import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Activity } from '../../entities/activity.entity';
import type { ActivityAction } from '../../entities/activity-action.enum';
import { Team } from '../../entities/team.entity';
import type { PendingEvents } from '../db/unit-of-work';
import { forbidden } from '../errors/errors';
import { computeActivityHash, summaryDigest } from './activity-hash';
import { toActivityEvent } from './activity-event';

export interface ActivityInput {
  actorId: string | null;
  action: ActivityAction;
  subjectType: string;
  subjectId: string;
  summary: string;
  details?: Record<string, unknown>;
}

/**
 * Takes the next seq of a team locked with `lockTeam`, chains the hash and inserts the
 * activity inside the caller's transaction, so the change and its record commit (or roll
 * back) together and seqs are gapless in commit order. The event is queued for after commit.
 */
export async function recordActivity(
  tx: EntityManager,
  pending: PendingEvents,
  lockedTeam: Team,
  input: ActivityInput,
): Promise<Activity> {
  const seq = lockedTeam.lastSeq + 1;
  // Millisecond precision, so the stored timestamp hashes the same when read back.
  const createdAt = new Date();
  const details = input.details ?? {};
  // The chain seals a salted digest of the summary, so a deleted user's name can be erased.
  const summarySalt = randomBytes(16).toString('hex');
  const row = {
    ...input,
    teamId: lockedTeam.id,
    details,
    seq,
    createdAt,
    summarySalt,
    summaryDigest: summaryDigest(summarySalt, input.summary),
  };
  const hash = computeActivityHash(lockedTeam.lastHash, row);
  const activity = tx.create(Activity, { id: randomUUID(), ...row, hash });
  // Cast: TypeORM's deep-partial type rejects Record<string, unknown> for jsonb columns.
  await tx.insert(Activity, activity as never);
  await tx.update(Team, { id: lockedTeam.id }, { lastSeq: seq, lastHash: hash });
  lockedTeam.lastSeq = seq;
  lockedTeam.lastHash = hash;
  pending.add(toActivityEvent(activity, lockedTeam));
  return activity;
}

/**
 * SELECT … FOR UPDATE on the team row: serialises the team's mutations so role checks and
 * seqs see committed state. A missing team is FORBIDDEN, so existence never leaks.
 */
export async function lockTeam(tx: EntityManager, teamId: string): Promise<Team> {
  const team = await tx
    .getRepository(Team)
    .createQueryBuilder('team')
    .setLock('pessimistic_write')
    .where('team.id = :teamId', { teamId })
    .getOne();
  if (!team) throw forbidden();
  return team;
}
