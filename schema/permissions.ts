import { allow, deny, race, shield } from 'graphql-shield';
import { forbidden } from '../src/errors/errors';
import { withoutAllowWrappers } from './guarded-fields';
import {
  canSeeInvitation,
  canDeleteItemArg,
  canSeeUserArg,
  isAuthenticated,
  isManagerOfInvitationArg,
  isManagerOfParentTeam,
  isManagerOfTeamArg,
  isMemberOfItemTeamArg,
  isMemberOfParentTeam,
  isMemberOfParentTeamId,
  isMemberOfTeamArg,
  isMemberOfTeamId,
  isOwnerOfTeamArg,
  isSelf,
  personalFieldOfVisibleProfile,
} from './rules';
import { isVouchedByLiveFeed } from './rules/feed.rule';
import {
  hasRecentAuthentication,
  isOwnSessionArgOrRecent,
} from './rules/recent-authentication.rule';
import {
  isHeldMemberOfParentTeam,
  isHeldMemberOfTeamArg,
  isOwnMembership,
} from './rules/two-factor-hold.rule';

/**
 * Who may call what — every root field is named here; anything unnamed is denied.
 * Finer rules that need the target's role (e.g. ADMIN removes only MEMBERs) are pure policies
 * in src/teams/team-policy.ts, re-checked by the service under the team's row lock.
 *
 * `race(…)` tries its rules in order and stops at the first that allows (shield's `or` runs
 * them all): the team role rule comes first and decides nearly every field, so the wider rules
 * behind it (live feeds, two-factor holds) run only when it refuses. Those refuse with `false`,
 * never an error, so a refused field always carries the role rule's error.
 */
export const permissionRules = {
  Query: {
    me: allow,
    mySessions: isAuthenticated,
    user: canSeeUserArg,
    team: isMemberOfTeamId,
    invitationPreview: allow,
    myInvitations: isAuthenticated,
    item: isMemberOfItemTeamArg,
    verifyActivityLog: isMemberOfTeamArg,
    activityCheckpoint: isMemberOfTeamArg,
    activityInclusionProof: isMemberOfTeamArg,
    activityConsistencyProof: isMemberOfTeamArg,
    // Public, so that clients can pin the keys before they trust anything else.
    signingKeys: allow,
    // Anyone has a budget over time (an anonymous caller's is its address's).
    rateLimit: allow,
    // Signed in, as for `user(id)`; what the caller may not see is null, so nothing leaks.
    node: isAuthenticated,
    nodes: isAuthenticated,
  },
  Mutation: {
    signUp: allow,
    logIn: allow,
    logOut: isAuthenticated,
    // Ending another session, enrolling a factor or replacing recovery codes needs a session
    // that proved its owner within REAUTH_WINDOW (log-in or confirmIdentity).
    revokeSession: isOwnSessionArgOrRecent,
    revokeOtherSessions: hasRecentAuthentication,
    confirmIdentity: isAuthenticated,
    changePassword: isAuthenticated,
    updateProfile: isAuthenticated,
    createTeam: isAuthenticated,
    renameTeam: isManagerOfTeamArg,
    deleteTeam: isOwnerOfTeamArg,
    changeMemberRole: isOwnerOfTeamArg,
    removeMember: isManagerOfTeamArg,
    // A member held out by the two-factor rule may still leave.
    leaveTeam: race(isMemberOfTeamArg, isHeldMemberOfTeamArg),
    transferOwnership: isOwnerOfTeamArg,
    // Role rules (only the OWNER invites as ADMIN) are re-checked by the service under the lock.
    inviteMember: isManagerOfTeamArg,
    resendInvitation: isManagerOfInvitationArg,
    revokeInvitation: isManagerOfInvitationArg,
    // Signed in; the service checks the invitation is addressed to the caller's e-mail.
    acceptInvitation: isAuthenticated,
    declineInvitation: isAuthenticated,
    createItem: isMemberOfTeamArg,
    updateItem: isMemberOfItemTeamArg,
    deleteItem: canDeleteItemArg,
    markActivityRead: isMemberOfTeamArg,
    witnessCheckpoint: isMemberOfTeamArg,
    // Account recovery: the e-mailed link is the credential, so anyone may present one.
    requestPasswordReset: allow,
    resetPassword: allow,
    verifyEmail: allow,
    confirmEmailChange: allow,
    revertEmailChange: allow,
    revertTwoFactorSetup: allow,
    resendVerificationEmail: isAuthenticated,
    requestEmailChange: isAuthenticated,
    deleteAccount: isAuthenticated,
    beginTwoFactorSetup: hasRecentAuthentication,
    confirmTwoFactorSetup: hasRecentAuthentication,
    disableTwoFactor: isAuthenticated,
    regenerateRecoveryCodes: hasRecentAuthentication,
    // The service also requires the owner's own two-factor (FORBIDDEN, reason TWO_FACTOR_REQUIRED).
    setTwoFactorRequired: isOwnerOfTeamArg,
  },
  // Live feeds also authorize where they start and on every event (src/live/): the map is not
  // applied to a subscription's subscribe step. A feed vouches only for its TEAM_DELETED event
  // and its ACCESS_REVOKED end, which no membership can authorize any more.
  Subscription: {
    teamActivity: race(isMemberOfTeamArg, isVouchedByLiveFeed),
    myActivity: isAuthenticated,
    accountEvents: isAuthenticated,
  },
  // Object fields: re-checked on every edge that reaches them (e.g. item.team.members).
  Team: {
    '*': race(isMemberOfParentTeam, isVouchedByLiveFeed),
    invitations: isManagerOfParentTeam,
    invitationConnection: isManagerOfParentTeam,
    // A member held out by the two-factor rule still sees which team holds them out, and why.
    id: race(isMemberOfParentTeam, isVouchedByLiveFeed, isHeldMemberOfParentTeam),
    name: race(isMemberOfParentTeam, isVouchedByLiveFeed, isHeldMemberOfParentTeam),
    twoFactorRequired: race(isMemberOfParentTeam, isHeldMemberOfParentTeam),
  },
  Membership: { '*': race(isMemberOfParentTeamId, isOwnMembership) },
  // Profile visibility (API.md): whoever may see the object holding the edge sees who it is;
  // every other field, including any added later, is null unless the viewer is the user or
  // shares a team with them now.
  User: {
    id: allow,
    displayName: allow,
    teams: isSelf,
    '*': personalFieldOfVisibleProfile,
  },
  Session: { '*': allow },
  AuthPayload: { '*': allow },
  Invitation: { '*': canSeeInvitation },
  InvitationWithToken: { '*': allow },
  InvitationPreview: { '*': allow },
  Item: { '*': isMemberOfParentTeamId },
  Activity: { '*': race(isMemberOfParentTeamId, isVouchedByLiveFeed) },
  AccountEvent: { '*': allow },
  // Pages are only reachable through Team fields, which checked membership already.
  ItemConnection: { '*': allow },
  ItemEdge: { '*': allow },
  ActivityConnection: { '*': allow },
  ActivityEdge: { '*': allow },
  MemberConnection: { '*': allow },
  MemberEdge: { '*': allow },
  InvitationConnection: { '*': allow },
  InvitationEdge: { '*': allow },
  PageInfo: { '*': allow },
  RateLimit: { '*': allow },
  ActivityLogVerification: { '*': allow },
  // Reached only through fields that checked membership (or, for keys, are public).
  Checkpoint: { '*': allow },
  SigningKey: { '*': allow },
  TwoFactorSetup: { '*': allow },
};

/** How shield answers what the map does not allow, and what rules and resolvers throw. */
export const SHIELD_OPTIONS = {
  fallbackRule: deny,
  fallbackError: () => forbidden(),
  // Let resolvers' contract errors (BAD_USER_INPUT, CONFLICT, …) through; unexpected errors
  // are masked by the server's error formatter instead.
  allowExternalErrors: true,
  debug: false,
};

export const permissions = withoutAllowWrappers(
  shield(permissionRules, SHIELD_OPTIONS),
  permissionRules,
);
