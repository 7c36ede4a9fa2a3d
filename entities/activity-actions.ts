// Types only: the web page imports this table, and must not bundle type-graphql with it.
import type { ActivityAction } from './activity-action.enum';
import type { ActivitySubjectType } from './activity-subject-type.enum';
import type { Role } from './role.enum';

/** An old and a new value, or only the news that a value over 1 KiB changed. */
export type FieldChange = { old: unknown; new: unknown } | { large: true };

/** Who did it, by the name they go by when it is recorded. */
type ByActor = { actor: string };

/** Who did it to whom, both by name. */
type ActorAndMember = ByActor & { member: string };

/** The filter groups of the web page's activity feed, in the order it offers them. */
export const ACTIVITY_GROUPS = ['Items', 'Members', 'Invitations', 'Team'] as const;

/**
 * One action: what it is about, what it stores and how it reads. `Details` is stored on the row
 * and sealed whole by its hash; `Names` are the people and things the summary names, which stay
 * out of `details` so that deleting an account can erase them (docs/api.md, "A log members can
 * check without trusting the server").
 */
export interface ActionDefinition<Details, Names> {
  /** What `subjectId` names. */
  subjectType: `${ActivitySubjectType}`;
  /** When it is recorded: the schema's description of the value and the API guide's list. */
  description: string;
  /** The top-level `details` members it stores (all of them, optional ones included). */
  details: readonly (keyof Details & string)[];
  /** The row's readable `summary`. */
  summary: (details: Details, names: Names) => string;
  /** How the web page names it. */
  label: string;
  /** The web page's filter group that shows it, if any. */
  group: (typeof ACTIVITY_GROUPS)[number] | null;
}

/** Fixes an action's details and names types; the definition is checked against them. */
const define =
  <Details extends Record<string, unknown>, Names extends Record<string, unknown>>() =>
  (definition: ActionDefinition<Details, Names>) =>
    definition;

const invitationToJoin = (role: Role) => `an invitation to join as ${role}`;

const byDeletedAccount = (details: { accountDeleted?: true }) =>
  details.accountDeleted ? ' (account deleted)' : '';

/**
 * Every activity action, defined once: the commands name an action and hand over its typed
 * details and names; the one activity writer (src/activity/record-activity.ts) takes the subject
 * type and the summary from here. A summary's text is stored and its salted digest sealed, so
 * changing one changes only the rows written after.
 *
 * The chain seals the same nine members for every action (HASHED_ACTIVITY_MEMBERS): `details`
 * is sealed whole, so every member listed under `details` is hashed with the row.
 */
export const ACTIVITY_ACTIONS = {
  TEAM_CREATED: define<{ name: string }, ByActor>()({
    subjectType: 'Team',
    description: 'A signed-in user created the team (they are its owner).',
    details: ['name'],
    summary: ({ name }, { actor }) => `${actor} created the team "${name}"`,
    label: 'team created',
    group: 'Team',
  }),
  TEAM_RENAMED: define<{ changedFields: { name: { old: string; new: string } } }, ByActor>()({
    subjectType: 'Team',
    description: 'An admin or the owner renamed the team.',
    details: ['changedFields'],
    summary: ({ changedFields: { name } }, { actor }) =>
      `${actor} renamed the team from "${name.old}" to "${name.new}"`,
    label: 'team renamed',
    group: 'Team',
  }),
  TEAM_DELETED: define<{ name: string }, ByActor>()({
    subjectType: 'Team',
    description: "The owner deleted the team; the row goes with the team's other data.",
    details: ['name'],
    summary: ({ name }, { actor }) => `${actor} deleted the team "${name}"`,
    label: 'team deleted',
    group: null,
  }),
  TEAM_RESTORED: define<
    { backupId: string; backupCreatedAt: string; revokedInvitations: number },
    { team: string }
  >()({
    subjectType: 'Team',
    description: 'An operator restored the team from a backup (no actor).',
    details: ['backupId', 'backupCreatedAt', 'revokedInvitations'],
    summary: ({ backupCreatedAt }, { team }) =>
      `The team "${team}" was restored from the backup of ${backupCreatedAt}`,
    label: 'team restored',
    group: null,
  }),
  MEMBER_ROLE_CHANGED: define<
    { changedFields: { role: { old: Role; new: Role } } },
    ActorAndMember
  >()({
    subjectType: 'User',
    description: "The owner changed a member's role between ADMIN and MEMBER.",
    details: ['changedFields'],
    summary: ({ changedFields: { role } }, { actor, member }) =>
      `${actor} changed ${member}'s role from ${role.old} to ${role.new}`,
    label: 'member role changed',
    group: 'Members',
  }),
  MEMBER_REMOVED: define<{ role: Role | null }, ActorAndMember>()({
    subjectType: 'User',
    description: 'An admin or the owner removed a member.',
    details: ['role'],
    summary: (_details, { actor, member }) => `${actor} removed ${member} from the team`,
    label: 'member removed',
    group: 'Members',
  }),
  MEMBER_LEFT: define<{ role: Role | null; accountDeleted?: true }, ByActor>()({
    subjectType: 'User',
    description: 'A member left the team, or deleted their account.',
    details: ['role', 'accountDeleted'],
    summary: (details, { actor }) => `${actor} left the team${byDeletedAccount(details)}`,
    label: 'member left',
    group: 'Members',
  }),
  OWNERSHIP_TRANSFERRED: define<{ previousOwnerId: string; newOwnerId: string }, ActorAndMember>()({
    subjectType: 'User',
    description: 'The owner made another member the owner, and became an admin.',
    details: ['previousOwnerId', 'newOwnerId'],
    summary: (_details, { actor, member }) => `${actor} transferred ownership to ${member}`,
    label: 'ownership transferred',
    group: 'Team',
  }),
  MEMBER_INVITED: define<{ invitationId: string; role: Role }, ByActor>()({
    subjectType: 'Invitation',
    description: 'An admin or the owner invited someone (never their address).',
    details: ['invitationId', 'role'],
    // The invitee's address is not a team member's profile yet: members see the role only.
    summary: ({ role }, { actor }) => `${actor} invited someone to join as ${role}`,
    label: 'member invited',
    group: 'Invitations',
  }),
  INVITATION_RESENT: define<{ invitationId: string; role: Role; expiresAt: string }, ByActor>()({
    subjectType: 'Invitation',
    description: 'An invitation was sent again with a new token and expiry.',
    details: ['invitationId', 'role', 'expiresAt'],
    summary: ({ role }, { actor }) => `${actor} resent ${invitationToJoin(role)}`,
    label: 'invitation resent',
    group: 'Invitations',
  }),
  INVITATION_REVOKED: define<
    {
      invitationId: string;
      role: Role;
      /** Set when nobody asked for it: its inviter lost the role that could make it. */
      reason?: 'INVITER_LOST_ROLE';
      accountDeleted?: true;
    },
    ByActor & {
      /** With INVITER_LOST_ROLE: the inviter's name (null: not found) and their new role. */
      inviter?: string | null;
      noLongerInvitesAs?: Role | null;
    }
  >()({
    subjectType: 'Invitation',
    description:
      'An invitation was revoked: by an admin or the owner, because its inviter lost the role, or because its inviter deleted their account.',
    details: ['invitationId', 'role', 'reason', 'accountDeleted'],
    summary: (details, { actor, inviter, noLongerInvitesAs }) =>
      details.reason === 'INVITER_LOST_ROLE'
        ? `An invitation to join as ${details.role} was revoked: ${inviter ?? 'its inviter'} can no longer invite${noLongerInvitesAs ? ` as ${noLongerInvitesAs}` : ''}`
        : `${actor} revoked ${invitationToJoin(details.role)}${byDeletedAccount(details)}`,
    label: 'invitation revoked',
    group: 'Invitations',
  }),
  MEMBER_JOINED: define<{ invitationId: string; role: Role; invitedById: string }, ByActor>()({
    subjectType: 'User',
    description: 'Someone accepted an invitation and became a member.',
    details: ['invitationId', 'role', 'invitedById'],
    summary: ({ role }, { actor }) => `${actor} joined the team as ${role}`,
    label: 'member joined',
    group: 'Members',
  }),
  INVITATION_DECLINED: define<
    { invitationId: string; role: Role; accountDeleted?: true },
    ByActor
  >()({
    subjectType: 'Invitation',
    description: 'The invitee declined an invitation, or deleted their account.',
    details: ['invitationId', 'role', 'accountDeleted'],
    summary: (details, { actor }) =>
      `${actor} declined ${invitationToJoin(details.role)}${byDeletedAccount(details)}`,
    label: 'invitation declined',
    group: 'Invitations',
  }),
  ITEM_CREATED: define<{ title: string }, ByActor>()({
    subjectType: 'Item',
    description: 'A member created an item.',
    details: ['title'],
    summary: ({ title }, { actor }) => `${actor} created "${title}"`,
    label: 'item created',
    group: 'Items',
  }),
  ITEM_UPDATED: define<
    { version: number; changedFields: Record<string, FieldChange> },
    ByActor & { title: string }
  >()({
    subjectType: 'Item',
    description: "A member changed an item's title or content.",
    details: ['version', 'changedFields'],
    summary: (_details, { actor, title }) => `${actor} updated "${title}"`,
    label: 'item updated',
    group: 'Items',
  }),
  ITEM_DELETED: define<{ title: string; version: number }, ByActor>()({
    subjectType: 'Item',
    description: 'Its creator, an admin or the owner deleted an item.',
    details: ['title', 'version'],
    summary: ({ title }, { actor }) => `${actor} deleted "${title}"`,
    label: 'item deleted',
    group: 'Items',
  }),
  TWO_FACTOR_REQUIREMENT_CHANGED: define<
    { required: boolean; membersWithoutTwoFactor: number },
    ByActor
  >()({
    subjectType: 'Team',
    description: 'The owner started or stopped requiring two-factor authentication of members.',
    details: ['required', 'membersWithoutTwoFactor'],
    summary: ({ required }, { actor }) =>
      required
        ? `${actor} required two-factor authentication for every member`
        : `${actor} stopped requiring two-factor authentication`,
    label: 'two factor requirement changed',
    group: null,
  }),
} satisfies { [A in ActivityAction]: ActionDefinition<never, never> };

type Definitions = typeof ACTIVITY_ACTIONS;

/** The `details` an action stores. */
export type DetailsOf<A extends ActivityAction> = Definitions[A]['summary'] extends (
  details: infer Details,
  names: never,
) => string
  ? Details
  : never;

/** The names an action's summary takes. */
export type NamesOf<A extends ActivityAction> = Definitions[A]['summary'] extends (
  details: never,
  names: infer Names,
) => string
  ? Names
  : never;

/** What a command says about its change: the action, who, about what, its details and names. */
export type NewActivity<A extends ActivityAction = ActivityAction> = A extends ActivityAction
  ? {
      action: A;
      /** Null only for operator actions (TEAM_RESTORED). */
      actorId: string | null;
      subjectId: string;
      details: DetailsOf<A>;
      names: NamesOf<A>;
    }
  : never;

/**
 * The action's definition, typed for it. The cast is what the `satisfies` above proves entry by
 * entry: TypeScript cannot follow an index by a generic key to the types of that entry.
 */
const activityAction = <A extends ActivityAction>(
  action: A,
): ActionDefinition<DetailsOf<A>, NamesOf<A>> =>
  ACTIVITY_ACTIONS[action] as unknown as ActionDefinition<DetailsOf<A>, NamesOf<A>>;

/** The row's summary, as its action writes it. */
export const summaryOf = <A extends ActivityAction>(activity: NewActivity<A>): string =>
  activityAction<A>(activity.action as A).summary(
    activity.details as DetailsOf<A>,
    activity.names as NamesOf<A>,
  );

/**
 * The members of a row that its hash seals (and the Merkle tree's leaf), the same for every
 * action, in the order an export writes them. Rows sealed by a digest carry `summaryDigest`
 * in place of `summary` (src/db/activity-hash.ts).
 */
export const HASHED_ACTIVITY_MEMBERS = [
  'teamId',
  'seq',
  'actorId',
  'action',
  'subjectType',
  'subjectId',
  'summary',
  'details',
  'createdAt',
] as const;
