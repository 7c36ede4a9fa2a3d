import type { PendingEvents } from '../db/transaction';
import type { AccountEventType } from '../events/account-event-type';
import type { DomainEvent } from '../events/domain-events';

/** Queues an AccountEvent for the user's own sessions, published after commit. */
export function accountEvent(
  pending: PendingEvents<DomainEvent>,
  userId: string,
  sessionId: string | null,
  type: AccountEventType,
  details: Record<string, unknown> = {},
): void {
  pending.add({
    kind: 'account',
    userId,
    sessionId,
    type,
    details,
    createdAt: new Date().toISOString(),
  });
}
