import { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import { Activity } from '../../entities/activity.entity';
import { Team } from '../../entities/team.entity';
import type { ActivityEvent } from '../events/domain-events';
import { createLoaders, type LoaderSources, type Loaders } from '../loaders/loaders';
import type { MaybeRole } from '../teams/team-policy';
import { markFeedChecked } from './feed-checked';

/**
 * An activity as a live feed hands it out: one rebuilt from an event carries its team as it
 * was, which the `team` field falls back to once the team is deleted, and the checkpoint its
 * write signed, if any.
 */
export type DeliveredActivity = Activity & {
  teamSnapshot?: Team;
  checkpoint?: ActivityCheckpoint;
};

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

/** What a subscriber's check found, as far as rendering an owed row goes. */
export interface Standing {
  /** The subscriber's role now; null for a former member (the membership ended since). */
  role: MaybeRole;
  /** The team as read with the check; null once it is deleted. */
  team: Team | null;
}

/** A row ready to be resolved for one subscriber: its root value and the loaders it reads. */
export interface OwedRow {
  root: DeliveredActivity;
  loaders: Loaders;
}

/**
 * Prepares a row the subscriber is owed (see entitlement.ts) for resolution, the same way on
 * the audience and the per-feed path. A member now resolves it with their role, as any read.
 * A former member — removed, gone or deleted with the team after the row committed — resolves
 * it marked as checked by the feed, with the team as the row's event carried it; the ordinary rules
 * still refuse them anything else of the team. Either way the team is primed, so resolution
 * never finds it missing.
 */
export function owedRow(
  loaderSources: LoaderSources,
  viewerId: string,
  activity: DeliveredActivity,
  { role, team }: Standing,
): OwedRow {
  const loaders = createLoaders(loaderSources, viewerId);
  const shown = activity.teamSnapshot ?? team;
  if (role) {
    loaders.viewerRole.prime(activity.teamId, role);
    if (shown) loaders.team.prime(activity.teamId, team ?? shown);
    return { root: activity, loaders };
  }
  loaders.viewerRole.prime(activity.teamId, null);
  if (shown) loaders.team.prime(activity.teamId, markFeedChecked(Object.assign(new Team(), shown)));
  return { root: markFeedChecked(activity), loaders };
}
