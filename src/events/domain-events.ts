import type { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import type { Activity } from '../../entities/activity.entity';
import type { Team } from '../../entities/team.entity';
import type { AccountEventType } from './account-event-type';

/** A value as JSON carries it: dates become ISO strings. */
export type AsJson<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] };

/** What an activity event keeps of its team, so a deleted team can still be shown. */
export type TeamSnapshot = Pick<Team, 'id' | 'name' | 'createdAt'>;

/**
 * An activity as it travels between instances: the row as plain JSON, without the summary's
 * salt (which never leaves the database), carrying a snapshot of the team so a TEAM_DELETED
 * event can still be rendered after the rows are gone.
 */
export interface ActivityEvent {
  kind: 'activity';
  activity: AsJson<Omit<Activity, 'summarySalt'>>;
  team: AsJson<TeamSnapshot>;
  /** The checkpoint this row's write signed (every 100 rows or 10 s at most). */
  checkpoint?: AsJson<ActivityCheckpoint>;
}

/** A user lost access to a team (removed, left) — or everybody did (userId null: team deleted). */
export interface AccessRevokedEvent {
  kind: 'access-revoked';
  teamId: string;
  userId: string | null;
  /**
   * Seq of the row that ended the access: feeds deliver every row up to it first. Absent when
   * no row ends it (a two-factor hold): the feed ends at once.
   */
  seq?: number;
}

/** A user gained access to a team (joined, team created, team restored). */
export interface AccessGrantedEvent {
  kind: 'access-granted';
  teamId: string;
  userId: string;
}

/** Sessions that must stop working at once: their sockets are closed. */
export interface SessionsRevokedEvent {
  kind: 'sessions-revoked';
  userId: string;
  sessionIds: string[];
}

/** Something happened to a user's own account, for their other sessions. */
export interface AccountEvent {
  kind: 'account';
  userId: string;
  type: AccountEventType;
  /** The session that caused it, if any, so clients can tell "this device" from others. */
  sessionId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/**
 * The Redis bus's health check (src/events/redis-bus-health.ts): an instance publishes it on a user
 * channel only it listens to and trusts the bus again once it comes back.
 */
export interface BusProbeEvent {
  kind: 'bus-probe';
  userId: string;
  epoch: number;
}

export type DomainEvent =
  | ActivityEvent
  | AccessRevokedEvent
  | AccessGrantedEvent
  | SessionsRevokedEvent
  | AccountEvent
  | BusProbeEvent;

/** Channels: one per team (its activity and access changes) and one per user. */
export const teamChannel = (teamId: string) => `team.${teamId}`;
export const userChannel = (userId: string) => `user.${userId}`;

/** The channel an event is delivered on. */
export function channelOf(event: DomainEvent): string {
  switch (event.kind) {
    case 'activity':
      return teamChannel(event.activity.teamId);
    case 'access-revoked':
      return teamChannel(event.teamId);
    case 'access-granted':
    case 'sessions-revoked':
    case 'account':
    case 'bus-probe':
      return userChannel(event.userId);
  }
}
