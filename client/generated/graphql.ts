/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** What happened to my own account. */
export type AccountEventType =
  /** A new e-mail address was confirmed; every other session was ended. */
  | 'EMAIL_CHANGED'
  /** A link to confirm a new e-mail address was sent to that address. */
  | 'EMAIL_CHANGE_REQUESTED'
  /** The old address cancelled or undid an e-mail change (its link); every session was ended. */
  | 'EMAIL_CHANGE_REVERTED'
  /** My e-mail address was verified. */
  | 'EMAIL_VERIFIED'
  /** A session proved its owner again (confirmIdentity), for recent authentication. */
  | 'IDENTITY_CONFIRMED'
  /** A new session signed in (`details.userAgent`). */
  | 'NEW_SIGN_IN'
  /** Every session but the one that asked was ended (`details.count`). */
  | 'OTHER_SESSIONS_REVOKED'
  /** My password was changed (`details.reset`: through a reset link); every other session was ended. */
  | 'PASSWORD_CHANGED'
  /** My profile was changed (`details` holds the new values). */
  | 'PROFILE_UPDATED'
  /** My read position in a team moved (`details.teamId`, `details.lastReadSeq`). */
  | 'READ_STATE_CHANGED'
  /** New recovery codes replaced the old ones. */
  | 'RECOVERY_CODES_REGENERATED'
  /** One of my sessions was ended (`details.sessionId`). */
  | 'SESSION_REVOKED'
  /** Two-factor sign-in was turned off (`details.undone`: by the link of its enrolment's notice). */
  | 'TWO_FACTOR_DISABLED'
  /** Two-factor sign-in was turned on. */
  | 'TWO_FACTOR_ENABLED';

/** What happened to team data. */
export type ActivityAction =
  /** The invitee declined an invitation, or deleted their account. */
  | 'INVITATION_DECLINED'
  /** An invitation was sent again with a new token and expiry. */
  | 'INVITATION_RESENT'
  /** An invitation was revoked: by an admin or the owner, because its inviter lost the role, or because its inviter deleted their account. */
  | 'INVITATION_REVOKED'
  /** A member created an item. */
  | 'ITEM_CREATED'
  /** Its creator, an admin or the owner deleted an item. */
  | 'ITEM_DELETED'
  /** A member changed an item's title or content. */
  | 'ITEM_UPDATED'
  /** An admin or the owner invited someone (never their address). */
  | 'MEMBER_INVITED'
  /** Someone accepted an invitation and became a member. */
  | 'MEMBER_JOINED'
  /** A member left the team, or deleted their account. */
  | 'MEMBER_LEFT'
  /** An admin or the owner removed a member. */
  | 'MEMBER_REMOVED'
  /** The owner changed a member's role between ADMIN and MEMBER. */
  | 'MEMBER_ROLE_CHANGED'
  /** The owner made another member the owner, and became an admin. */
  | 'OWNERSHIP_TRANSFERRED'
  /** A signed-in user created the team (they are its owner). */
  | 'TEAM_CREATED'
  /** The owner deleted the team; the row goes with the team's other data. */
  | 'TEAM_DELETED'
  /** An admin or the owner renamed the team. */
  | 'TEAM_RENAMED'
  /** An operator restored the team from a backup (no actor). */
  | 'TEAM_RESTORED'
  /** The owner started or stopped requiring two-factor authentication of members. */
  | 'TWO_FACTOR_REQUIREMENT_CHANGED';

/** Narrows the activity feed; every given condition must hold. */
export type ActivityFilter = {
  /** Any of these actions. */
  actions?: Array<ActivityAction> | null | undefined;
  /** Performed by this user. */
  actorId?: string | number | null | undefined;
  /** About this subject (an item, a user, the team). */
  subjectId?: string | number | null | undefined;
};

/** What kind of thing `subjectId` names. */
export type ActivitySubjectType =
  | 'Invitation'
  | 'Item'
  | 'Team'
  | 'User';

export type CreateItemInput = {
  /** A JSON object of at most 64 KiB; {} when omitted. */
  content?: Record<string, unknown> | null | undefined;
  /** 1..200 characters. */
  title: string;
};

/** EXPIRED is derived from expiresAt; it is never stored. */
export type InvitationStatus =
  | 'ACCEPTED'
  | 'DECLINED'
  | 'EXPIRED'
  | 'PENDING'
  | 'REVOKED';

/** A member role: exactly one OWNER per team, any number of ADMINs and MEMBERs. */
export type Role =
  | 'ADMIN'
  | 'MEMBER'
  | 'OWNER';

export type SignUpInput = {
  displayName: string;
  /** Trimmed and lower-cased; must be unique. */
  email: string;
  /** At least 10 characters, hard to guess, not containing your e-mail or name. */
  password: string;
};

/** The fields to change; omitted fields keep their value. */
export type UpdateItemInput = {
  /** Replaces the whole content; at most 64 KiB. */
  content?: Record<string, unknown> | null | undefined;
  /** 1..200 characters. */
  title?: string | null | undefined;
};

export type AccountOverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type AccountOverviewQuery = { me: { id: string, displayName: string, email: string | null, emailVerified: boolean | null, twoFactorEnabled: boolean | null, teams: Array<{ role: Role, team: { id: string, name: string } }> } | null };

export type MySessionsQueryVariables = Exact<{ [key: string]: never; }>;


export type MySessionsQuery = { mySessions: Array<{ id: string, createdAt: string, lastUsedAt: string, expiresAt: string, userAgent: string | null, current: boolean }> };

export type RequestPasswordResetMutationVariables = Exact<{
  email: string;
}>;


export type RequestPasswordResetMutation = { requestPasswordReset: boolean };

export type ResetPasswordMutationVariables = Exact<{
  token: string;
  newPassword: string;
}>;


export type ResetPasswordMutation = { resetPassword: boolean };

export type VerifyEmailMutationVariables = Exact<{
  token: string;
}>;


export type VerifyEmailMutation = { verifyEmail: boolean };

export type ResendVerificationEmailMutationVariables = Exact<{ [key: string]: never; }>;


export type ResendVerificationEmailMutation = { resendVerificationEmail: boolean };

export type ChangePasswordMutationVariables = Exact<{
  currentPassword: string;
  newPassword: string;
}>;


export type ChangePasswordMutation = { changePassword: boolean };

export type RequestEmailChangeMutationVariables = Exact<{
  newEmail: string;
  password: string;
}>;


export type RequestEmailChangeMutation = { requestEmailChange: boolean };

export type ConfirmEmailChangeMutationVariables = Exact<{
  token: string;
}>;


export type ConfirmEmailChangeMutation = { confirmEmailChange: { id: string, email: string | null, emailVerified: boolean | null } };

export type RevertEmailChangeMutationVariables = Exact<{
  token: string;
}>;


export type RevertEmailChangeMutation = { revertEmailChange: boolean };

export type RevertTwoFactorSetupMutationVariables = Exact<{
  token: string;
}>;


export type RevertTwoFactorSetupMutation = { revertTwoFactorSetup: boolean };

export type ConfirmIdentityMutationVariables = Exact<{
  password: string;
  code?: string | null | undefined;
}>;


export type ConfirmIdentityMutation = { confirmIdentity: boolean };

export type BeginTwoFactorSetupMutationVariables = Exact<{ [key: string]: never; }>;


export type BeginTwoFactorSetupMutation = { beginTwoFactorSetup: { secret: string, otpauthUri: string } };

export type ConfirmTwoFactorSetupMutationVariables = Exact<{
  code: string;
}>;


export type ConfirmTwoFactorSetupMutation = { confirmTwoFactorSetup: Array<string> };

export type RegenerateRecoveryCodesMutationVariables = Exact<{
  code: string;
}>;


export type RegenerateRecoveryCodesMutation = { regenerateRecoveryCodes: Array<string> };

export type DisableTwoFactorMutationVariables = Exact<{
  password: string;
  code: string;
}>;


export type DisableTwoFactorMutation = { disableTwoFactor: boolean };

export type RevokeSessionMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeSessionMutation = { revokeSession: boolean };

export type RevokeOtherSessionsMutationVariables = Exact<{ [key: string]: never; }>;


export type RevokeOtherSessionsMutation = { revokeOtherSessions: number };

export type DeleteAccountMutationVariables = Exact<{
  password: string;
  code?: string | null | undefined;
}>;


export type DeleteAccountMutation = { deleteAccount: boolean };

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp: { token: string, expiresAt: string, user: { id: string, displayName: string, email: string | null } } };

export type LogInMutationVariables = Exact<{
  email: string;
  password: string;
  code?: string | null | undefined;
}>;


export type LogInMutation = { logIn: { token: string, expiresAt: string, user: { id: string, displayName: string, email: string | null } } };

export type LogOutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogOutMutation = { logOut: boolean };

export type MyTeamsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyTeamsQuery = { me: { id: string, displayName: string, email: string | null, teams: Array<{ role: Role, team: { id: string, name: string, unreadCount: number } }> } | null };

export type CreateTeamMutationVariables = Exact<{
  name: string;
}>;


export type CreateTeamMutation = { createTeam: { id: string, name: string } };

export type ActivityFieldsFragment = { id: string, seq: number, action: ActivityAction, subjectType: ActivitySubjectType, subjectId: string, summary: string, summaryDigest: string | null, details: Record<string, unknown>, createdAt: string, hash: string, team: { id: string }, actor: { id: string, displayName: string } | null };

export type TeamActivitySubscriptionVariables = Exact<{
  teamId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type TeamActivitySubscription = { teamActivity: { id: string, seq: number, action: ActivityAction, subjectType: ActivitySubjectType, subjectId: string, summary: string, summaryDigest: string | null, details: Record<string, unknown>, createdAt: string, hash: string, checkpoint: { teamId: string, treeSize: number, rootHash: string, timestamp: string, keyId: string, signature: string } | null, team: { id: string }, actor: { id: string, displayName: string } | null } };

export type MyActivitySubscriptionVariables = Exact<{ [key: string]: never; }>;


export type MyActivitySubscription = { myActivity: { id: string, seq: number, action: ActivityAction, subjectType: ActivitySubjectType, subjectId: string, summary: string, summaryDigest: string | null, details: Record<string, unknown>, createdAt: string, hash: string, team: { id: string }, actor: { id: string, displayName: string } | null } };

export type ActivityPageQueryVariables = Exact<{
  teamId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: ActivityFilter | null | undefined;
}>;


export type ActivityPageQuery = { team: { id: string, activity: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, seq: number, action: ActivityAction, subjectType: ActivitySubjectType, subjectId: string, summary: string, summaryDigest: string | null, details: Record<string, unknown>, createdAt: string, hash: string, team: { id: string }, actor: { id: string, displayName: string } | null } }> } } };

export type MyTeamsNewestActivityQueryVariables = Exact<{ [key: string]: never; }>;


export type MyTeamsNewestActivityQuery = { me: { id: string, teams: Array<{ team: { id: string, activity: { edges: Array<{ node: { id: string, seq: number, action: ActivityAction, subjectType: ActivitySubjectType, subjectId: string, summary: string, summaryDigest: string | null, details: Record<string, unknown>, createdAt: string, hash: string, team: { id: string }, actor: { id: string, displayName: string } | null } }> } } }> } | null };

export type MarkActivityReadMutationVariables = Exact<{
  teamId: string | number;
  upToSeq: number;
}>;


export type MarkActivityReadMutation = { markActivityRead: { id: string, lastReadSeq: number, unreadCount: number } };

export type VerifyActivityLogQueryVariables = Exact<{
  teamId: string | number;
}>;


export type VerifyActivityLogQuery = { verifyActivityLog: { intact: boolean, checkedCount: number, firstBrokenSeq: number | null } };

export type AccountEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type AccountEventsSubscription = { accountEvents: { type: AccountEventType, details: Record<string, unknown>, sessionId: string | null, createdAt: string } };

export type ItemFieldsFragment = { id: string, title: string, content: Record<string, unknown>, version: number, updatedAt: string, createdBy: { id: string, displayName: string }, updatedBy: { id: string, displayName: string } };

export type TeamItemsQueryVariables = Exact<{
  teamId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type TeamItemsQuery = { team: { id: string, items: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, title: string, content: Record<string, unknown>, version: number, updatedAt: string, createdBy: { id: string, displayName: string }, updatedBy: { id: string, displayName: string } } }> } } };

export type CreateItemMutationVariables = Exact<{
  teamId: string | number;
  input: CreateItemInput;
}>;


export type CreateItemMutation = { createItem: { id: string, title: string, content: Record<string, unknown>, version: number, updatedAt: string, createdBy: { id: string, displayName: string }, updatedBy: { id: string, displayName: string } } };

export type UpdateItemMutationVariables = Exact<{
  id: string | number;
  input: UpdateItemInput;
  expectedVersion?: number | null | undefined;
}>;


export type UpdateItemMutation = { updateItem: { id: string, title: string, content: Record<string, unknown>, version: number, updatedAt: string, createdBy: { id: string, displayName: string }, updatedBy: { id: string, displayName: string } } };

export type DeleteItemMutationVariables = Exact<{
  id: string | number;
  expectedVersion?: number | null | undefined;
}>;


export type DeleteItemMutation = { deleteItem: string };

export type ItemQueryVariables = Exact<{
  id: string | number;
}>;


export type ItemQuery = { item: { id: string, title: string, content: Record<string, unknown>, version: number, updatedAt: string, createdBy: { id: string, displayName: string }, updatedBy: { id: string, displayName: string } } };

export type CheckpointFieldsFragment = { teamId: string, treeSize: number, rootHash: string, timestamp: string, keyId: string, signature: string };

export type SigningKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type SigningKeysQuery = { signingKeys: Array<{ keyId: string, publicKey: string, validFrom: string, validUntil: string | null }> };

export type ActivityCheckpointQueryVariables = Exact<{
  teamId: string | number;
}>;


export type ActivityCheckpointQuery = { activityCheckpoint: { witnesses: number, teamId: string, treeSize: number, rootHash: string, timestamp: string, keyId: string, signature: string } };

export type ActivityInclusionProofQueryVariables = Exact<{
  teamId: string | number;
  seq: number;
  treeSize: number;
}>;


export type ActivityInclusionProofQuery = { activityInclusionProof: Array<string> };

export type ActivityConsistencyProofQueryVariables = Exact<{
  teamId: string | number;
  fromSize: number;
  toSize: number;
}>;


export type ActivityConsistencyProofQuery = { activityConsistencyProof: Array<string> };

export type WitnessCheckpointMutationVariables = Exact<{
  teamId: string | number;
  treeSize: number;
  rootHash: string;
}>;


export type WitnessCheckpointMutation = { witnessCheckpoint: { witnesses: number, teamId: string, treeSize: number, rootHash: string, timestamp: string, keyId: string, signature: string } };

export type MyInvitationsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyInvitationsQuery = { myInvitations: Array<{ id: string, teamName: string, role: Role, expiresAt: string, invitedBy: { id: string, displayName: string } }> };

export type AcceptMyInvitationMutationVariables = Exact<{
  id: string | number;
}>;


export type AcceptMyInvitationMutation = { acceptMyInvitation: { role: Role, team: { id: string, name: string } } };

export type DeclineMyInvitationMutationVariables = Exact<{
  id: string | number;
}>;


export type DeclineMyInvitationMutation = { declineMyInvitation: boolean };

export type PendingInvitationsQueryVariables = Exact<{
  teamId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type PendingInvitationsQuery = { team: { id: string, invitationConnection: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, email: string, role: Role, createdAt: string, expiresAt: string, invitedBy: { id: string, displayName: string } } }> } } };

export type ResendInvitationMutationVariables = Exact<{
  id: string | number;
}>;


export type ResendInvitationMutation = { resendInvitation: { token: string, invitation: { id: string, expiresAt: string } } };

export type RevokeInvitationMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeInvitationMutation = { revokeInvitation: { id: string, status: InvitationStatus } };

export type TeamSettingsQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamSettingsQuery = { team: { id: string, name: string, myRole: Role, twoFactorRequired: boolean }, me: { id: string, twoFactorEnabled: boolean | null } | null };

export type RenameTeamMutationVariables = Exact<{
  teamId: string | number;
  name: string;
}>;


export type RenameTeamMutation = { renameTeam: { id: string, name: string } };

export type TransferOwnershipMutationVariables = Exact<{
  teamId: string | number;
  userId: string | number;
}>;


export type TransferOwnershipMutation = { transferOwnership: { id: string, myRole: Role } };

export type LeaveTeamMutationVariables = Exact<{
  teamId: string | number;
}>;


export type LeaveTeamMutation = { leaveTeam: boolean };

export type DeleteTeamMutationVariables = Exact<{
  teamId: string | number;
}>;


export type DeleteTeamMutation = { deleteTeam: string };

export type SetTwoFactorRequiredMutationVariables = Exact<{
  teamId: string | number;
  required: boolean;
}>;


export type SetTwoFactorRequiredMutation = { setTwoFactorRequired: { id: string, twoFactorRequired: boolean } };

export type TeamPageQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamPageQuery = { team: { id: string, name: string, myRole: Role, lastReadSeq: number, unreadCount: number, members: Array<{ role: Role, joinedAt: string, user: { id: string, displayName: string, email: string | null } }> } };

export type InviteMemberMutationVariables = Exact<{
  teamId: string | number;
  email: string;
  role: Role;
}>;


export type InviteMemberMutation = { inviteMember: { token: string, invitation: { id: string, email: string, role: Role, status: InvitationStatus } } };

export type RemoveMemberMutationVariables = Exact<{
  teamId: string | number;
  userId: string | number;
}>;


export type RemoveMemberMutation = { removeMember: boolean };

export type ChangeMemberRoleMutationVariables = Exact<{
  teamId: string | number;
  userId: string | number;
  role: Role;
}>;


export type ChangeMemberRoleMutation = { changeMemberRole: { role: Role, user: { id: string } } };

export type InvitationPreviewQueryVariables = Exact<{
  token: string;
}>;


export type InvitationPreviewQuery = { invitationPreview: { teamName: string, inviterName: string, role: Role, expiresAt: string } | null };

export type AcceptInvitationMutationVariables = Exact<{
  token: string;
}>;


export type AcceptInvitationMutation = { acceptInvitation: { role: Role, team: { id: string, name: string } } };

export type DeclineInvitationMutationVariables = Exact<{
  token: string;
}>;


export type DeclineInvitationMutation = { declineInvitation: boolean };

export type TeamReadStateQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamReadStateQuery = { team: { id: string, lastReadSeq: number, unreadCount: number } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ActivityFieldsFragmentDoc = new TypedDocumentString(`
    fragment ActivityFields on Activity {
  id
  seq
  action
  subjectType
  subjectId
  summary
  summaryDigest
  details
  createdAt
  hash
  team {
    id
  }
  actor {
    id
    displayName
  }
}
    `, {"fragmentName":"ActivityFields"}) as unknown as TypedDocumentString<ActivityFieldsFragment, unknown>;
export const ItemFieldsFragmentDoc = new TypedDocumentString(`
    fragment ItemFields on Item {
  id
  title
  content
  version
  updatedAt
  createdBy {
    id
    displayName
  }
  updatedBy {
    id
    displayName
  }
}
    `, {"fragmentName":"ItemFields"}) as unknown as TypedDocumentString<ItemFieldsFragment, unknown>;
export const CheckpointFieldsFragmentDoc = new TypedDocumentString(`
    fragment CheckpointFields on Checkpoint {
  teamId
  treeSize
  rootHash
  timestamp
  keyId
  signature
}
    `, {"fragmentName":"CheckpointFields"}) as unknown as TypedDocumentString<CheckpointFieldsFragment, unknown>;
export const AccountOverviewDocument = new TypedDocumentString(`
    query AccountOverview {
  me {
    id
    displayName
    email
    emailVerified
    twoFactorEnabled
    teams {
      role
      team {
        id
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AccountOverviewQuery, AccountOverviewQueryVariables>;
export const MySessionsDocument = new TypedDocumentString(`
    query MySessions {
  mySessions {
    id
    createdAt
    lastUsedAt
    expiresAt
    userAgent
    current
  }
}
    `) as unknown as TypedDocumentString<MySessionsQuery, MySessionsQueryVariables>;
export const RequestPasswordResetDocument = new TypedDocumentString(`
    mutation RequestPasswordReset($email: String!) {
  requestPasswordReset(email: $email)
}
    `) as unknown as TypedDocumentString<RequestPasswordResetMutation, RequestPasswordResetMutationVariables>;
export const ResetPasswordDocument = new TypedDocumentString(`
    mutation ResetPassword($token: String!, $newPassword: String!) {
  resetPassword(token: $token, newPassword: $newPassword)
}
    `) as unknown as TypedDocumentString<ResetPasswordMutation, ResetPasswordMutationVariables>;
export const VerifyEmailDocument = new TypedDocumentString(`
    mutation VerifyEmail($token: String!) {
  verifyEmail(token: $token)
}
    `) as unknown as TypedDocumentString<VerifyEmailMutation, VerifyEmailMutationVariables>;
export const ResendVerificationEmailDocument = new TypedDocumentString(`
    mutation ResendVerificationEmail {
  resendVerificationEmail
}
    `) as unknown as TypedDocumentString<ResendVerificationEmailMutation, ResendVerificationEmailMutationVariables>;
export const ChangePasswordDocument = new TypedDocumentString(`
    mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
}
    `) as unknown as TypedDocumentString<ChangePasswordMutation, ChangePasswordMutationVariables>;
export const RequestEmailChangeDocument = new TypedDocumentString(`
    mutation RequestEmailChange($newEmail: String!, $password: String!) {
  requestEmailChange(newEmail: $newEmail, password: $password)
}
    `) as unknown as TypedDocumentString<RequestEmailChangeMutation, RequestEmailChangeMutationVariables>;
export const ConfirmEmailChangeDocument = new TypedDocumentString(`
    mutation ConfirmEmailChange($token: String!) {
  confirmEmailChange(token: $token) {
    id
    email
    emailVerified
  }
}
    `) as unknown as TypedDocumentString<ConfirmEmailChangeMutation, ConfirmEmailChangeMutationVariables>;
export const RevertEmailChangeDocument = new TypedDocumentString(`
    mutation RevertEmailChange($token: String!) {
  revertEmailChange(token: $token)
}
    `) as unknown as TypedDocumentString<RevertEmailChangeMutation, RevertEmailChangeMutationVariables>;
export const RevertTwoFactorSetupDocument = new TypedDocumentString(`
    mutation RevertTwoFactorSetup($token: String!) {
  revertTwoFactorSetup(token: $token)
}
    `) as unknown as TypedDocumentString<RevertTwoFactorSetupMutation, RevertTwoFactorSetupMutationVariables>;
export const ConfirmIdentityDocument = new TypedDocumentString(`
    mutation ConfirmIdentity($password: String!, $code: String) {
  confirmIdentity(password: $password, code: $code)
}
    `) as unknown as TypedDocumentString<ConfirmIdentityMutation, ConfirmIdentityMutationVariables>;
export const BeginTwoFactorSetupDocument = new TypedDocumentString(`
    mutation BeginTwoFactorSetup {
  beginTwoFactorSetup {
    secret
    otpauthUri
  }
}
    `) as unknown as TypedDocumentString<BeginTwoFactorSetupMutation, BeginTwoFactorSetupMutationVariables>;
export const ConfirmTwoFactorSetupDocument = new TypedDocumentString(`
    mutation ConfirmTwoFactorSetup($code: String!) {
  confirmTwoFactorSetup(code: $code)
}
    `) as unknown as TypedDocumentString<ConfirmTwoFactorSetupMutation, ConfirmTwoFactorSetupMutationVariables>;
export const RegenerateRecoveryCodesDocument = new TypedDocumentString(`
    mutation RegenerateRecoveryCodes($code: String!) {
  regenerateRecoveryCodes(code: $code)
}
    `) as unknown as TypedDocumentString<RegenerateRecoveryCodesMutation, RegenerateRecoveryCodesMutationVariables>;
export const DisableTwoFactorDocument = new TypedDocumentString(`
    mutation DisableTwoFactor($password: String!, $code: String!) {
  disableTwoFactor(password: $password, code: $code)
}
    `) as unknown as TypedDocumentString<DisableTwoFactorMutation, DisableTwoFactorMutationVariables>;
export const RevokeSessionDocument = new TypedDocumentString(`
    mutation RevokeSession($id: ID!) {
  revokeSession(id: $id)
}
    `) as unknown as TypedDocumentString<RevokeSessionMutation, RevokeSessionMutationVariables>;
export const RevokeOtherSessionsDocument = new TypedDocumentString(`
    mutation RevokeOtherSessions {
  revokeOtherSessions
}
    `) as unknown as TypedDocumentString<RevokeOtherSessionsMutation, RevokeOtherSessionsMutationVariables>;
export const DeleteAccountDocument = new TypedDocumentString(`
    mutation DeleteAccount($password: String!, $code: String) {
  deleteAccount(password: $password, code: $code)
}
    `) as unknown as TypedDocumentString<DeleteAccountMutation, DeleteAccountMutationVariables>;
export const SignUpDocument = new TypedDocumentString(`
    mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    token
    expiresAt
    user {
      id
      displayName
      email
    }
  }
}
    `) as unknown as TypedDocumentString<SignUpMutation, SignUpMutationVariables>;
export const LogInDocument = new TypedDocumentString(`
    mutation LogIn($email: String!, $password: String!, $code: String) {
  logIn(email: $email, password: $password, code: $code) {
    token
    expiresAt
    user {
      id
      displayName
      email
    }
  }
}
    `) as unknown as TypedDocumentString<LogInMutation, LogInMutationVariables>;
export const LogOutDocument = new TypedDocumentString(`
    mutation LogOut {
  logOut
}
    `) as unknown as TypedDocumentString<LogOutMutation, LogOutMutationVariables>;
export const MyTeamsDocument = new TypedDocumentString(`
    query MyTeams {
  me {
    id
    displayName
    email
    teams {
      role
      team {
        id
        name
        unreadCount
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MyTeamsQuery, MyTeamsQueryVariables>;
export const CreateTeamDocument = new TypedDocumentString(`
    mutation CreateTeam($name: String!) {
  createTeam(input: {name: $name}) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<CreateTeamMutation, CreateTeamMutationVariables>;
export const TeamActivityDocument = new TypedDocumentString(`
    subscription TeamActivity($teamId: ID!, $afterSeq: Int) {
  teamActivity(teamId: $teamId, afterSeq: $afterSeq) {
    ...ActivityFields
    checkpoint {
      ...CheckpointFields
    }
  }
}
    fragment ActivityFields on Activity {
  id
  seq
  action
  subjectType
  subjectId
  summary
  summaryDigest
  details
  createdAt
  hash
  team {
    id
  }
  actor {
    id
    displayName
  }
}
fragment CheckpointFields on Checkpoint {
  teamId
  treeSize
  rootHash
  timestamp
  keyId
  signature
}`) as unknown as TypedDocumentString<TeamActivitySubscription, TeamActivitySubscriptionVariables>;
export const MyActivityDocument = new TypedDocumentString(`
    subscription MyActivity {
  myActivity {
    ...ActivityFields
  }
}
    fragment ActivityFields on Activity {
  id
  seq
  action
  subjectType
  subjectId
  summary
  summaryDigest
  details
  createdAt
  hash
  team {
    id
  }
  actor {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<MyActivitySubscription, MyActivitySubscriptionVariables>;
export const ActivityPageDocument = new TypedDocumentString(`
    query ActivityPage($teamId: ID!, $first: Int, $after: String, $filter: ActivityFilter) {
  team(id: $teamId) {
    id
    activity(first: $first, after: $after, filter: $filter) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ActivityFields
        }
      }
    }
  }
}
    fragment ActivityFields on Activity {
  id
  seq
  action
  subjectType
  subjectId
  summary
  summaryDigest
  details
  createdAt
  hash
  team {
    id
  }
  actor {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<ActivityPageQuery, ActivityPageQueryVariables>;
export const MyTeamsNewestActivityDocument = new TypedDocumentString(`
    query MyTeamsNewestActivity {
  me {
    id
    teams {
      team {
        id
        activity(first: 1) {
          edges {
            node {
              ...ActivityFields
            }
          }
        }
      }
    }
  }
}
    fragment ActivityFields on Activity {
  id
  seq
  action
  subjectType
  subjectId
  summary
  summaryDigest
  details
  createdAt
  hash
  team {
    id
  }
  actor {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<MyTeamsNewestActivityQuery, MyTeamsNewestActivityQueryVariables>;
export const MarkActivityReadDocument = new TypedDocumentString(`
    mutation MarkActivityRead($teamId: ID!, $upToSeq: Int!) {
  markActivityRead(teamId: $teamId, upToSeq: $upToSeq) {
    id
    lastReadSeq
    unreadCount
  }
}
    `) as unknown as TypedDocumentString<MarkActivityReadMutation, MarkActivityReadMutationVariables>;
export const VerifyActivityLogDocument = new TypedDocumentString(`
    query VerifyActivityLog($teamId: ID!) {
  verifyActivityLog(teamId: $teamId) {
    intact
    checkedCount
    firstBrokenSeq
  }
}
    `) as unknown as TypedDocumentString<VerifyActivityLogQuery, VerifyActivityLogQueryVariables>;
export const AccountEventsDocument = new TypedDocumentString(`
    subscription AccountEvents {
  accountEvents {
    type
    details
    sessionId
    createdAt
  }
}
    `) as unknown as TypedDocumentString<AccountEventsSubscription, AccountEventsSubscriptionVariables>;
export const TeamItemsDocument = new TypedDocumentString(`
    query TeamItems($teamId: ID!, $first: Int, $after: String) {
  team(id: $teamId) {
    id
    items(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ItemFields
        }
      }
    }
  }
}
    fragment ItemFields on Item {
  id
  title
  content
  version
  updatedAt
  createdBy {
    id
    displayName
  }
  updatedBy {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<TeamItemsQuery, TeamItemsQueryVariables>;
export const CreateItemDocument = new TypedDocumentString(`
    mutation CreateItem($teamId: ID!, $input: CreateItemInput!) {
  createItem(teamId: $teamId, input: $input) {
    ...ItemFields
  }
}
    fragment ItemFields on Item {
  id
  title
  content
  version
  updatedAt
  createdBy {
    id
    displayName
  }
  updatedBy {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<CreateItemMutation, CreateItemMutationVariables>;
export const UpdateItemDocument = new TypedDocumentString(`
    mutation UpdateItem($id: ID!, $input: UpdateItemInput!, $expectedVersion: Int) {
  updateItem(id: $id, input: $input, expectedVersion: $expectedVersion) {
    ...ItemFields
  }
}
    fragment ItemFields on Item {
  id
  title
  content
  version
  updatedAt
  createdBy {
    id
    displayName
  }
  updatedBy {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<UpdateItemMutation, UpdateItemMutationVariables>;
export const DeleteItemDocument = new TypedDocumentString(`
    mutation DeleteItem($id: ID!, $expectedVersion: Int) {
  deleteItem(id: $id, expectedVersion: $expectedVersion)
}
    `) as unknown as TypedDocumentString<DeleteItemMutation, DeleteItemMutationVariables>;
export const ItemDocument = new TypedDocumentString(`
    query Item($id: ID!) {
  item(id: $id) {
    ...ItemFields
  }
}
    fragment ItemFields on Item {
  id
  title
  content
  version
  updatedAt
  createdBy {
    id
    displayName
  }
  updatedBy {
    id
    displayName
  }
}`) as unknown as TypedDocumentString<ItemQuery, ItemQueryVariables>;
export const SigningKeysDocument = new TypedDocumentString(`
    query SigningKeys {
  signingKeys {
    keyId
    publicKey
    validFrom
    validUntil
  }
}
    `) as unknown as TypedDocumentString<SigningKeysQuery, SigningKeysQueryVariables>;
export const ActivityCheckpointDocument = new TypedDocumentString(`
    query ActivityCheckpoint($teamId: ID!) {
  activityCheckpoint(teamId: $teamId) {
    ...CheckpointFields
    witnesses
  }
}
    fragment CheckpointFields on Checkpoint {
  teamId
  treeSize
  rootHash
  timestamp
  keyId
  signature
}`) as unknown as TypedDocumentString<ActivityCheckpointQuery, ActivityCheckpointQueryVariables>;
export const ActivityInclusionProofDocument = new TypedDocumentString(`
    query ActivityInclusionProof($teamId: ID!, $seq: Int!, $treeSize: Int!) {
  activityInclusionProof(teamId: $teamId, seq: $seq, treeSize: $treeSize)
}
    `) as unknown as TypedDocumentString<ActivityInclusionProofQuery, ActivityInclusionProofQueryVariables>;
export const ActivityConsistencyProofDocument = new TypedDocumentString(`
    query ActivityConsistencyProof($teamId: ID!, $fromSize: Int!, $toSize: Int!) {
  activityConsistencyProof(teamId: $teamId, fromSize: $fromSize, toSize: $toSize)
}
    `) as unknown as TypedDocumentString<ActivityConsistencyProofQuery, ActivityConsistencyProofQueryVariables>;
export const WitnessCheckpointDocument = new TypedDocumentString(`
    mutation WitnessCheckpoint($teamId: ID!, $treeSize: Int!, $rootHash: String!) {
  witnessCheckpoint(teamId: $teamId, treeSize: $treeSize, rootHash: $rootHash) {
    ...CheckpointFields
    witnesses
  }
}
    fragment CheckpointFields on Checkpoint {
  teamId
  treeSize
  rootHash
  timestamp
  keyId
  signature
}`) as unknown as TypedDocumentString<WitnessCheckpointMutation, WitnessCheckpointMutationVariables>;
export const MyInvitationsDocument = new TypedDocumentString(`
    query MyInvitations {
  myInvitations {
    id
    teamName
    role
    expiresAt
    invitedBy {
      id
      displayName
    }
  }
}
    `) as unknown as TypedDocumentString<MyInvitationsQuery, MyInvitationsQueryVariables>;
export const AcceptMyInvitationDocument = new TypedDocumentString(`
    mutation AcceptMyInvitation($id: ID!) {
  acceptMyInvitation(id: $id) {
    role
    team {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<AcceptMyInvitationMutation, AcceptMyInvitationMutationVariables>;
export const DeclineMyInvitationDocument = new TypedDocumentString(`
    mutation DeclineMyInvitation($id: ID!) {
  declineMyInvitation(id: $id)
}
    `) as unknown as TypedDocumentString<DeclineMyInvitationMutation, DeclineMyInvitationMutationVariables>;
export const PendingInvitationsDocument = new TypedDocumentString(`
    query PendingInvitations($teamId: ID!, $first: Int, $after: String) {
  team(id: $teamId) {
    id
    invitationConnection(status: PENDING, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          email
          role
          createdAt
          expiresAt
          invitedBy {
            id
            displayName
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PendingInvitationsQuery, PendingInvitationsQueryVariables>;
export const ResendInvitationDocument = new TypedDocumentString(`
    mutation ResendInvitation($id: ID!) {
  resendInvitation(id: $id) {
    token
    invitation {
      id
      expiresAt
    }
  }
}
    `) as unknown as TypedDocumentString<ResendInvitationMutation, ResendInvitationMutationVariables>;
export const RevokeInvitationDocument = new TypedDocumentString(`
    mutation RevokeInvitation($id: ID!) {
  revokeInvitation(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<RevokeInvitationMutation, RevokeInvitationMutationVariables>;
export const TeamSettingsDocument = new TypedDocumentString(`
    query TeamSettings($teamId: ID!) {
  team(id: $teamId) {
    id
    name
    myRole
    twoFactorRequired
  }
  me {
    id
    twoFactorEnabled
  }
}
    `) as unknown as TypedDocumentString<TeamSettingsQuery, TeamSettingsQueryVariables>;
export const RenameTeamDocument = new TypedDocumentString(`
    mutation RenameTeam($teamId: ID!, $name: String!) {
  renameTeam(teamId: $teamId, name: $name) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<RenameTeamMutation, RenameTeamMutationVariables>;
export const TransferOwnershipDocument = new TypedDocumentString(`
    mutation TransferOwnership($teamId: ID!, $userId: ID!) {
  transferOwnership(teamId: $teamId, userId: $userId) {
    id
    myRole
  }
}
    `) as unknown as TypedDocumentString<TransferOwnershipMutation, TransferOwnershipMutationVariables>;
export const LeaveTeamDocument = new TypedDocumentString(`
    mutation LeaveTeam($teamId: ID!) {
  leaveTeam(teamId: $teamId)
}
    `) as unknown as TypedDocumentString<LeaveTeamMutation, LeaveTeamMutationVariables>;
export const DeleteTeamDocument = new TypedDocumentString(`
    mutation DeleteTeam($teamId: ID!) {
  deleteTeam(teamId: $teamId)
}
    `) as unknown as TypedDocumentString<DeleteTeamMutation, DeleteTeamMutationVariables>;
export const SetTwoFactorRequiredDocument = new TypedDocumentString(`
    mutation SetTwoFactorRequired($teamId: ID!, $required: Boolean!) {
  setTwoFactorRequired(teamId: $teamId, required: $required) {
    id
    twoFactorRequired
  }
}
    `) as unknown as TypedDocumentString<SetTwoFactorRequiredMutation, SetTwoFactorRequiredMutationVariables>;
export const TeamPageDocument = new TypedDocumentString(`
    query TeamPage($teamId: ID!) {
  team(id: $teamId) {
    id
    name
    myRole
    lastReadSeq
    unreadCount
    members {
      role
      joinedAt
      user {
        id
        displayName
        email
      }
    }
  }
}
    `) as unknown as TypedDocumentString<TeamPageQuery, TeamPageQueryVariables>;
export const InviteMemberDocument = new TypedDocumentString(`
    mutation InviteMember($teamId: ID!, $email: String!, $role: Role!) {
  inviteMember(teamId: $teamId, email: $email, role: $role) {
    token
    invitation {
      id
      email
      role
      status
    }
  }
}
    `) as unknown as TypedDocumentString<InviteMemberMutation, InviteMemberMutationVariables>;
export const RemoveMemberDocument = new TypedDocumentString(`
    mutation RemoveMember($teamId: ID!, $userId: ID!) {
  removeMember(teamId: $teamId, userId: $userId)
}
    `) as unknown as TypedDocumentString<RemoveMemberMutation, RemoveMemberMutationVariables>;
export const ChangeMemberRoleDocument = new TypedDocumentString(`
    mutation ChangeMemberRole($teamId: ID!, $userId: ID!, $role: Role!) {
  changeMemberRole(teamId: $teamId, userId: $userId, role: $role) {
    role
    user {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<ChangeMemberRoleMutation, ChangeMemberRoleMutationVariables>;
export const InvitationPreviewDocument = new TypedDocumentString(`
    query InvitationPreview($token: String!) {
  invitationPreview(token: $token) {
    teamName
    inviterName
    role
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<InvitationPreviewQuery, InvitationPreviewQueryVariables>;
export const AcceptInvitationDocument = new TypedDocumentString(`
    mutation AcceptInvitation($token: String!) {
  acceptInvitation(token: $token) {
    role
    team {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<AcceptInvitationMutation, AcceptInvitationMutationVariables>;
export const DeclineInvitationDocument = new TypedDocumentString(`
    mutation DeclineInvitation($token: String!) {
  declineInvitation(token: $token)
}
    `) as unknown as TypedDocumentString<DeclineInvitationMutation, DeclineInvitationMutationVariables>;
export const TeamReadStateDocument = new TypedDocumentString(`
    query TeamReadState($teamId: ID!) {
  team(id: $teamId) {
    id
    lastReadSeq
    unreadCount
  }
}
    `) as unknown as TypedDocumentString<TeamReadStateQuery, TeamReadStateQueryVariables>;