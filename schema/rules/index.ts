import { canManageTeam, isMember, isOwner } from '../../src/teams/team-policy';
import { idArg, parentId, parentTeamId, teamIdArg, teamRoleRule } from './team-role.rule';

export { isAuthenticated } from './is-authenticated.rule';
export { canSeeUserArg, isSelf } from './can-see-user.rule';
export { personalFieldOfVisibleProfile } from './profile.rule';
export { canSeeInvitation, isManagerOfInvitationArg } from './invitation.rule';
export { canDeleteItemArg, isMemberOfItemTeamArg } from './item.rule';

/** Role rules by where the team id comes from. */
export const isMemberOfTeamArg = teamRoleRule('isMemberOfTeamArg', teamIdArg, isMember);
export const isManagerOfTeamArg = teamRoleRule('isManagerOfTeamArg', teamIdArg, canManageTeam);
export const isOwnerOfTeamArg = teamRoleRule('isOwnerOfTeamArg', teamIdArg, isOwner);
export const isMemberOfTeamId = teamRoleRule('isMemberOfTeamId', idArg, isMember);
export const isMemberOfParentTeam = teamRoleRule('isMemberOfParentTeam', parentId, isMember);
export const isManagerOfParentTeam = teamRoleRule('isManagerOfParentTeam', parentId, canManageTeam);
export const isMemberOfParentTeamId = teamRoleRule(
  'isMemberOfParentTeamId',
  parentTeamId,
  isMember,
);
