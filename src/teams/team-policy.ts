import { Role } from '../../entities/role.enum';

/**
 * Pure role rules, shared by the permission map, the services and the live-feed filters so
 * the same rule is never written twice. `null` means "not a member".
 */
export type MaybeRole = Role | null;

export const isMember = (role: MaybeRole): role is Role => role !== null;

export const isOwner = (role: MaybeRole): boolean => role === Role.OWNER;

/** OWNER and ADMIN manage the team: rename, invite, see invitations. */
export const canManageTeam = (role: MaybeRole): boolean =>
  role === Role.OWNER || role === Role.ADMIN;

/** Only the OWNER invites as ADMIN; nobody invites as OWNER. */
export const canInviteAs = (role: MaybeRole, invitedRole: Role): boolean =>
  invitedRole === Role.MEMBER ? canManageTeam(role) : invitedRole === Role.ADMIN && isOwner(role);

/** The OWNER moves people between ADMIN and MEMBER; the OWNER's own role moves only by transfer. */
export const canChangeRole = (actor: MaybeRole, target: MaybeRole, newRole: Role): boolean =>
  isOwner(actor) && target !== null && target !== Role.OWNER && newRole !== Role.OWNER;

/** The OWNER removes anyone but themself; an ADMIN removes MEMBERs. */
export const canRemoveMember = (
  actor: MaybeRole,
  target: MaybeRole,
  removingSelf: boolean,
): boolean => {
  if (target === null || removingSelf) return false;
  if (isOwner(actor)) return true;
  return actor === Role.ADMIN && target === Role.MEMBER;
};

/** Everyone but the OWNER may leave; the OWNER transfers ownership first. */
export const canLeave = (role: MaybeRole): boolean => role === Role.ADMIN || role === Role.MEMBER;

export const canTransferOwnership = (
  actor: MaybeRole,
  target: MaybeRole,
  toSelf: boolean,
): boolean => isOwner(actor) && target !== null && !toSelf;

/** Items: members edit; the creator, ADMINs and the OWNER delete. */
export const canDeleteItem = (role: MaybeRole, isCreator: boolean): boolean =>
  canManageTeam(role) || (isMember(role) && isCreator);

/**
 * Personal profile fields (e-mail, createdAt, …) are for the user themself and for people who
 * share a team with them now — not former teammates, invitees or strangers (API.md).
 */
export const seesPersonalProfile = (viewerIsUser: boolean, sharesTeamNow: boolean): boolean =>
  viewerIsUser || sharesTeamNow;
