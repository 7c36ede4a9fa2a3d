import { Activity } from '../../entities/activity.entity';
import type { ActivityAction } from '../../entities/activity-action.enum';
import type { ActivitySubjectType } from '../../entities/activity-subject-type.enum';
import { computeActivityHash } from '../../src/db/activity-hash';
import { EntityRows } from '../../src/db/entity-rows';
import type { ActivityEvent, DomainEvent } from '../../src/events/domain-events';
import type { TestApp } from './test-app';

/** What a mutation must have recorded. Omitted fields are not checked. */
export interface ExpectedActivity {
  action: ActivityAction | `${ActivityAction}`;
  actorId?: string | null;
  subjectId?: string;
  subjectType?: ActivitySubjectType | `${ActivitySubjectType}`;
  /** Checked with `toMatchObject`, so only the keys given must match. */
  details?: Record<string, unknown>;
  /**
   * The team's last seq before the mutation (from `lastActivitySeq`). When given, the newest
   * row must be exactly the next seq: the mutation wrote one row, not two.
   */
  afterSeq?: number;
}

/** The team's newest seq (0 when it has no activity yet). */
export async function lastActivitySeq(app: TestApp, teamId: string): Promise<number> {
  const [row] = await app.sql<{ seq: number | null }>(
    `SELECT max(seq) AS seq FROM activities WHERE team_id = $1`,
    [teamId],
  );
  return row?.seq ?? 0;
}

/**
 * Asserts the team's newest activity row is the expected one, chained to the row before it and
 * recorded as the team's head, and returns it. Every team
 * mutation's test calls this with a literal `action:` — test/activity-coverage.test.ts scans
 * the test files for those calls and fails for any team mutation whose action is never asserted.
 */
export async function expectActivity(
  app: TestApp,
  teamId: string,
  expected: ExpectedActivity,
): Promise<Activity> {
  const [row] = await app.sql(
    `SELECT * FROM activities WHERE team_id = $1 ORDER BY seq DESC LIMIT 1`,
    [teamId],
  );
  expect(row).toBeDefined();
  const activity = new EntityRows(app.app.services.dataSource, Activity).map(row) as Activity;
  checkActivity(activity, expected);
  await expectChainedToPrevious(app, activity);
  return activity;
}

/**
 * The row is the team's head and links to the row before it: written through recordActivity
 * (seq and hash taken under the team's lock), not inserted some other way.
 */
async function expectChainedToPrevious(app: TestApp, activity: Activity): Promise<void> {
  const [previous] = await app.sql<{ hash: string }>(
    `SELECT hash FROM activities WHERE team_id = $1 AND seq = $2`,
    [activity.teamId, activity.seq - 1],
  );
  if (activity.seq > 1) expect(previous).toBeDefined();
  const recomputed = computeActivityHash(previous?.hash ?? '', activity);
  expect(activity.hash).toBe(recomputed);
  const [team] = await app.sql<{ last_seq: number; last_hash: string }>(
    `SELECT last_seq, last_hash FROM teams WHERE id = $1`,
    [activity.teamId],
  );
  expect(team).toEqual({ last_seq: activity.seq, last_hash: activity.hash });
}

/**
 * The same check for an activity seen on the event bus — for TEAM_DELETED, whose row is
 * deleted with the team in the same transaction. `events` are what a subscriber to the team
 * channel received; the newest activity event is checked and returned.
 */
export function expectActivityEvent(
  events: DomainEvent[],
  expected: ExpectedActivity,
): ActivityEvent['activity'] {
  const activities = events.filter((e): e is ActivityEvent => e.kind === 'activity');
  expect(activities.length).toBeGreaterThan(0);
  const { activity } = activities[activities.length - 1];
  checkActivity(activity, expected);
  return activity;
}

/** Asserts nothing was recorded for the team since `afterSeq` (a failed or denied mutation). */
export async function expectNoActivitySince(
  app: TestApp,
  teamId: string,
  afterSeq: number,
): Promise<void> {
  const rows = await app.sql<{ seq: number; action: string }>(
    `SELECT seq, action FROM activities WHERE team_id = $1 AND seq > $2 ORDER BY seq`,
    [teamId, afterSeq],
  );
  expect(rows).toEqual([]);
  const [team] = await app.sql<{ last_seq: number }>(`SELECT last_seq FROM teams WHERE id = $1`, [
    teamId,
  ]);
  if (team) expect(team.last_seq).toBe(afterSeq);
}

/** What a stored row and an event both say. */
type ComparableActivity = Pick<
  Activity,
  'action' | 'actorId' | 'subjectId' | 'subjectType' | 'summary' | 'details' | 'seq'
>;

function checkActivity(actual: ComparableActivity, expected: ExpectedActivity): void {
  expect(actual.action).toBe(expected.action);
  if (expected.actorId !== undefined) expect(actual.actorId).toBe(expected.actorId);
  if (expected.subjectId !== undefined) expect(actual.subjectId).toBe(expected.subjectId);
  if (expected.subjectType !== undefined) expect(actual.subjectType).toBe(expected.subjectType);
  if (expected.details !== undefined) expect(actual.details).toMatchObject(expected.details);
  if (expected.afterSeq !== undefined) expect(actual.seq).toBe(expected.afterSeq + 1);
  // Every row is meant for people: a summary is always present.
  expect(actual.summary.length).toBeGreaterThan(0);
}
