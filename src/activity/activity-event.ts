import { Activity } from '../../entities/activity.entity';
import type { Team } from '../../entities/team.entity';
import type { ActivityEvent } from '../events/domain-events';

export function toActivityEvent(activity: Activity, team: Team): ActivityEvent {
  return {
    kind: 'activity',
    activity: {
      id: activity.id,
      teamId: activity.teamId,
      seq: activity.seq,
      actorId: activity.actorId,
      action: activity.action,
      subjectType: activity.subjectType,
      subjectId: activity.subjectId,
      summary: activity.summary,
      summaryDigest: activity.summaryDigest ?? null,
      details: activity.details,
      createdAt: activity.createdAt.toISOString(),
      hash: activity.hash,
    },
    team: { id: team.id, name: team.name, createdAt: team.createdAt.toISOString() },
  };
}

/** Rebuilds the entity from an event (e.g. one that crossed Redis), keeping the team snapshot. */
export function activityFromEvent(event: ActivityEvent): Activity & { teamSnapshot: Team } {
  const activity = Object.assign(new Activity(), {
    ...event.activity,
    createdAt: new Date(event.activity.createdAt),
  });
  const teamSnapshot = {
    id: event.team.id,
    name: event.team.name,
    createdAt: new Date(event.team.createdAt),
    lastSeq: event.activity.seq,
    lastHash: event.activity.hash,
  } as Team;
  return Object.assign(activity, { teamSnapshot });
}
