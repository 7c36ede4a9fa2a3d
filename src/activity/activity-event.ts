import { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import { Activity } from '../../entities/activity.entity';
import type { Team } from '../../entities/team.entity';
import type { ActivityEvent } from '../events/domain-events';

/**
 * An activity as a live feed hands it out: one rebuilt from an event carries its team as it
 * was, which the `team` field falls back to once the team is deleted, and the checkpoint its
 * write signed, if any.
 */
export type DeliveredActivity = Activity & {
  teamSnapshot?: Team;
  checkpoint?: ActivityCheckpoint;
};

/** Entity → event: the row as JSON (without the summary's salt) and its team's snapshot. */
export function toActivityEvent(
  activity: Activity,
  team: Team,
  checkpoint?: ActivityCheckpoint,
): ActivityEvent {
  const { summarySalt, createdAt, ...fields } = activity;
  return {
    kind: 'activity',
    activity: { ...fields, createdAt: createdAt.toISOString() },
    team: { id: team.id, name: team.name, createdAt: team.createdAt.toISOString() },
    ...(checkpoint
      ? { checkpoint: { ...checkpoint, timestamp: checkpoint.timestamp.toISOString() } }
      : {}),
  };
}

/** Event → entity (e.g. one that crossed Redis), keeping the team snapshot. */
export function activityFromEvent(event: ActivityEvent): DeliveredActivity {
  const activity = Object.assign(new Activity(), {
    ...event.activity,
    createdAt: new Date(event.activity.createdAt),
  });
  // Stands in for the team row once it is gone: its head is the event's own row.
  const teamSnapshot = {
    ...event.team,
    createdAt: new Date(event.team.createdAt),
    lastSeq: event.activity.seq,
    lastHash: event.activity.hash,
  } as Team;
  const checkpoint = event.checkpoint
    ? Object.assign(new ActivityCheckpoint(), {
        ...event.checkpoint,
        timestamp: new Date(event.checkpoint.timestamp),
      })
    : undefined;
  return Object.assign(activity, { teamSnapshot, ...(checkpoint ? { checkpoint } : {}) });
}
