import type { Fixture } from './fixture';

type Plausible = (fixture: Fixture) => unknown;

const teamId: Plausible = (f) => f.refs.team;
const memberId: Plausible = (f) => f.refs.member;
/** Shaped like an e-mailed link's token (256 bits, base64url); no such link exists. */
const LINK_TOKEN = 'q'.repeat(43);

/**
 * A valid value for every argument of every site, so a generated call can be hostile in one
 * argument and plausible in the rest and reach deep. An argument missing here fails the
 * coverage test: a new operation or argument needs its entry before it can ship.
 */
export const PLAUSIBLE: Record<string, Plausible> = {
  'Query.invitationPreview.token': (f) => f.invitationToken,
  'Query.item.id': (f) => f.refs.item,
  'Query.team.id': teamId,
  'Query.user.id': memberId,
  'Query.verifyActivityLog.teamId': teamId,
  'Query.node.id': (f) => f.refs.item,
  'Query.nodes.ids': (f) => [f.refs.team, f.refs.item, f.refs.member],
  'Team.activity.first': () => 10,
  'Team.activity.after': () => null,
  'Team.activity.filter': (f) => ({ actions: ['ITEM_CREATED'], actorId: f.refs.owner }),
  'Team.items.first': () => 10,
  'Team.items.after': () => null,
  'Team.invitations.status': () => 'PENDING',
  'Team.memberConnection.first': () => 10,
  'Team.memberConnection.after': () => null,
  'Team.invitationConnection.status': () => 'PENDING',
  'Team.invitationConnection.first': () => 10,
  'Team.invitationConnection.after': () => null,
  'Mutation.acceptInvitation.token': (f) => f.invitationToken,
  'Mutation.declineInvitation.token': (f) => f.invitationToken,
  'Mutation.acceptMyInvitation.id': (f) => f.refs.invitation,
  'Mutation.declineMyInvitation.id': (f) => f.refs.invitation,
  'Mutation.changeMemberRole.teamId': teamId,
  'Mutation.changeMemberRole.userId': memberId,
  'Mutation.changeMemberRole.role': () => 'ADMIN',
  'Mutation.changePassword.currentPassword': (f) => f.password,
  'Mutation.changePassword.newPassword': () => 'Amber-Orchard-Falcon-93!',
  'Mutation.confirmIdentity.password': (f) => f.password,
  'Mutation.confirmIdentity.code': () => null,
  'Mutation.createItem.teamId': teamId,
  'Mutation.createItem.input': () => ({ title: 'Plan', content: { steps: ['a', 'b'] } }),
  'Mutation.createTeam.input': () => ({ name: 'Another team' }),
  'Mutation.deleteItem.id': (f) => f.refs.item,
  'Mutation.deleteItem.expectedVersion': () => 1,
  'Mutation.deleteTeam.teamId': teamId,
  'Mutation.inviteMember.teamId': teamId,
  'Mutation.inviteMember.email': () => 'someone.new@example.com',
  'Mutation.inviteMember.role': () => 'MEMBER',
  'Mutation.leaveTeam.teamId': teamId,
  'Mutation.logIn.email': (f) => f.owner.email,
  'Mutation.logIn.password': (f) => f.password,
  'Mutation.markActivityRead.teamId': teamId,
  'Mutation.markActivityRead.upToSeq': () => 1,
  'Mutation.removeMember.teamId': teamId,
  'Mutation.removeMember.userId': memberId,
  'Mutation.renameTeam.teamId': teamId,
  'Mutation.renameTeam.name': () => 'Renamed',
  'Mutation.resendInvitation.id': (f) => f.refs.invitation,
  'Mutation.revokeInvitation.id': (f) => f.refs.invitation,
  'Mutation.revokeSession.id': (f) => f.refs.session,
  'Mutation.signUp.input': () => ({
    email: 'fresh@example.com',
    password: 'Amber-Orchard-Falcon-93!',
    displayName: 'Fresh',
  }),
  'Mutation.transferOwnership.teamId': teamId,
  'Mutation.transferOwnership.userId': (f) => f.refs.admin,
  'Mutation.updateItem.id': (f) => f.refs.item,
  'Mutation.updateItem.input': () => ({ title: 'Plan 2' }),
  'Mutation.updateItem.expectedVersion': () => 1,
  'Mutation.updateProfile.input': () => ({ displayName: 'New name' }),
  // Account recovery and two-factor: well-formed values (a link token, a code) that the
  // server then refuses on their merits, so the hostile argument beside them is what is tested.
  'Mutation.logIn.code': () => null,
  'Mutation.requestPasswordReset.email': (f) => f.owner.email,
  'Mutation.resetPassword.token': () => LINK_TOKEN,
  'Mutation.resetPassword.newPassword': () => 'Amber-Orchard-Falcon-93!',
  'Mutation.verifyEmail.token': () => LINK_TOKEN,
  'Mutation.confirmEmailChange.token': () => LINK_TOKEN,
  'Mutation.revertEmailChange.token': () => LINK_TOKEN,
  'Mutation.revertTwoFactorSetup.token': () => LINK_TOKEN,
  'Mutation.requestEmailChange.newEmail': () => 'moved.owner@example.com',
  'Mutation.requestEmailChange.password': (f) => f.password,
  'Mutation.deleteAccount.password': () => 'Not-The-Password-1!',
  'Mutation.deleteAccount.code': () => null,
  'Mutation.confirmTwoFactorSetup.code': () => '000000',
  'Mutation.disableTwoFactor.password': (f) => f.password,
  'Mutation.disableTwoFactor.code': () => '000000',
  'Mutation.regenerateRecoveryCodes.code': () => '000000',
  'Mutation.setTwoFactorRequired.teamId': teamId,
  'Mutation.setTwoFactorRequired.required': () => true,
  'Subscription.teamActivity.teamId': teamId,
  'Subscription.teamActivity.afterSeq': () => 0,
};
