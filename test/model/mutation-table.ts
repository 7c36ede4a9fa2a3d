import * as account from './account-mutations';
import * as invitation from './invitation-mutations';
import * as item from './item-mutations';
import * as team from './team-mutations';
import * as twoFactor from './two-factor-mutations';
import type { MutationSpec } from './mutation-spec';

/**
 * Every mutation of the schema, as the model knows it. A new operation joins the model with
 * one row here (its spec: how to form it, what the contract lets it answer and change); the
 * coverage test fails until it has one.
 */
export const MUTATIONS: Record<string, MutationSpec> = {
  signUp: account.signUp,
  logIn: account.logIn,
  logOut: account.logOut,
  revokeSession: account.revokeSession,
  revokeOtherSessions: account.revokeOtherSessions,
  changePassword: account.changePassword,
  updateProfile: account.updateProfile,
  requestPasswordReset: account.requestPasswordReset,
  resetPassword: account.resetPassword,
  verifyEmail: account.verifyEmail,
  resendVerificationEmail: account.resendVerificationEmail,
  requestEmailChange: account.requestEmailChange,
  confirmEmailChange: account.confirmEmailChange,
  revertEmailChange: account.revertEmailChange,
  confirmIdentity: account.confirmIdentity,
  deleteAccount: account.deleteAccount,
  beginTwoFactorSetup: twoFactor.beginTwoFactorSetup,
  confirmTwoFactorSetup: twoFactor.confirmTwoFactorSetup,
  disableTwoFactor: twoFactor.disableTwoFactor,
  revertTwoFactorSetup: twoFactor.revertTwoFactorSetup,
  regenerateRecoveryCodes: twoFactor.regenerateRecoveryCodes,
  createTeam: team.createTeam,
  renameTeam: team.renameTeam,
  deleteTeam: team.deleteTeam,
  changeMemberRole: team.changeMemberRole,
  removeMember: team.removeMember,
  leaveTeam: team.leaveTeam,
  transferOwnership: team.transferOwnership,
  setTwoFactorRequired: team.setTwoFactorRequired,
  markActivityRead: team.markActivityRead,
  witnessCheckpoint: team.witnessCheckpoint,
  inviteMember: invitation.inviteMember,
  resendInvitation: invitation.resendInvitation,
  revokeInvitation: invitation.revokeInvitation,
  acceptInvitation: invitation.acceptInvitation,
  declineInvitation: invitation.declineInvitation,
  createItem: item.createItem,
  updateItem: item.updateItem,
  deleteItem: item.deleteItem,
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);
