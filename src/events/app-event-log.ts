import type { Logger } from '../logging/logger';
import type { DomainEvent } from './domain-events';
import type { PublishObserver } from './event-bus';

/** What an application-event log line says: ids and kinds, never summaries or details. */
export function describeEvent(event: DomainEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'activity':
      return {
        kind: event.kind,
        teamId: event.activity.teamId,
        seq: event.activity.seq,
        action: event.activity.action,
        actorId: event.activity.actorId,
        subjectType: event.activity.subjectType,
        subjectId: event.activity.subjectId,
      };
    case 'access-revoked':
    case 'access-granted':
      return { kind: event.kind, teamId: event.teamId, userId: event.userId };
    case 'sessions-revoked':
      return { kind: event.kind, userId: event.userId, sessions: event.sessionIds.length };
    case 'account':
      return { kind: event.kind, userId: event.userId, type: event.type };
    case 'bus-probe':
      return { kind: event.kind, epoch: event.epoch };
  }
}

/** The application-event log: one `app.event` line per published event. */
export const logPublished =
  (logger: Logger): PublishObserver =>
  (events) => {
    for (const event of events) {
      logger.info({ event: 'app.event', ...describeEvent(event) }, 'domain event');
    }
  };
