import type { Invitation } from '../../entities/invitation.entity';
import type { User } from '../../entities/user.entity';
import { canManageTeam, type MaybeRole } from '../teams/team-policy';

/**
 * An invitation is visible to its team's managers and to the person it is addressed to, once
 * their address is verified (signing up with someone's address proves nothing).
 */
export const isAddressedTo = (invitation: Pick<Invitation, 'email'>, viewer: User): boolean =>
  invitation.email === viewer.email && Boolean(viewer.emailVerifiedAt);

/** `viewerRole`: the viewer's role in the invitation's team (null: none, or held out). */
export const canSeeInvitation = (
  invitation: Pick<Invitation, 'email'>,
  viewer: User,
  viewerRole: MaybeRole,
): boolean => isAddressedTo(invitation, viewer) || canManageTeam(viewerRole);
