import type { Invitation } from '../../entities/invitation.entity';
import { InvitationStatus } from '../../entities/invitation-status.enum';

/** EXPIRED is never stored: a PENDING invitation past its expiry reads as EXPIRED, no cron needed. */
export function effectiveStatus(
  invitation: Pick<Invitation, 'status' | 'expiresAt'>,
  now: Date = new Date(),
): InvitationStatus {
  if (
    invitation.status === InvitationStatus.PENDING &&
    invitation.expiresAt.getTime() <= now.getTime()
  ) {
    return InvitationStatus.EXPIRED;
  }
  return invitation.status;
}

/** Only a pending, unexpired invitation can be accepted, declined or previewed. */
export const isOpen = (
  invitation: Pick<Invitation, 'status' | 'expiresAt'>,
  now: Date = new Date(),
): boolean => effectiveStatus(invitation, now) === InvitationStatus.PENDING;
