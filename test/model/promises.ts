/**
 * The model of what the API promises (API.md): accounts, sessions, addresses, factors, teams,
 * roles, invitations, items, and the rows each live subscriber is entitled to. Plain data, so
 * a copy is one structuredClone and a group of requests can be tried in every serial order.
 */
export type Role = 'OWNER' | 'ADMIN' | 'MEMBER';
export type InvitationStatus = 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'REVOKED';

export interface Session {
  token: string;
  id: string;
  live: boolean;
}

/** A single-use e-mailed link, as the model knows it: its token and whether it still works. */
export interface Link {
  token: string;
  live: boolean;
}

export interface Account {
  id: string;
  email: string;
  displayName: string;
  password: string;
  verified: boolean;
  deleted: boolean;
  sessions: Session[];
  twoFactor: boolean;
  pendingSecret: string | null;
  recoveryCodes: string[];
  /** Verification links with the address each was sent to: it verifies only that address. */
  verifyLinks: (Link & { email: string })[];
  resetLinks: Link[];
  /** E-mail change links with the address each one would confirm. */
  emailChanges: (Link & { newEmail: string })[];
  /** Links sent to a former address that bring the account back to it (`email`). */
  revertLinks: (Link & { email: string })[];
  /** Links of the notices that two-factor was turned on, which turn that enrolment off. */
  twoFactorUndoLinks: Link[];
  /** Every address and password the account ever had, for "log-in works with exactly these". */
  formerEmails: string[];
  formerPasswords: string[];
  formerNames: string[];
}

export interface Team {
  id: string;
  name: string;
  deleted: boolean;
  twoFactorRequired: boolean;
  seq: number;
  /** The action of each row, by seq - 1. */
  actions: string[];
  /** user id → role */
  members: Record<string, Role>;
}

export interface Invitation {
  id: string;
  teamId: string;
  email: string;
  role: Exclude<Role, 'OWNER'>;
  invitedBy: string;
  status: InvitationStatus;
  tokens: Link[];
}

export interface Item {
  id: string;
  teamId: string;
  createdBy: string;
  version: number;
  deleted: boolean;
}

/** One row as a subscriber sees it. */
export interface FeedRow {
  seq: number;
  action: string;
}

/**
 * A `teamActivity` subscription: `expected` is every row it is entitled to, in order. `open`
 * while its access lasts; `revoked` once the row that ended access and ACCESS_REVOKED are owed;
 * `cut` when its socket's session ended (then any in-order prefix of `expected` is right).
 */
export interface Feed {
  key: number;
  accountId: string;
  teamId: string;
  sessionToken: string;
  expected: FeedRow[];
  state: 'open' | 'revoked' | 'cut';
}

export interface Model {
  /** The addresses people of this run may use (sign-up, invitations, e-mail changes). */
  addresses: string[];
  accounts: Account[];
  teams: Team[];
  invitations: Invitation[];
  items: Item[];
  feeds: Feed[];
}

export const PASSWORDS = [
  'Quartz-Lantern-Meadow-47!',
  'Copper-Violin-Harbor-93?',
  'Juniper-Anvil-Orbit-58#',
];

export function emptyModel(runLabel: string, people = 4): Model {
  return {
    addresses: Array.from({ length: people }, (_, i) => `${runLabel}-p${i}@example.com`),
    accounts: [],
    teams: [],
    invitations: [],
    items: [],
    feeds: [],
  };
}

export const cloneModel = (model: Model): Model => structuredClone(model);

export const liveAccounts = (model: Model): Account[] => model.accounts.filter((a) => !a.deleted);

export const accountById = (model: Model, id: string): Account | undefined =>
  model.accounts.find((a) => a.id === id);

export const accountWithEmail = (model: Model, email: string): Account | undefined =>
  model.accounts.find((a) => !a.deleted && a.email === email);

export const liveTeams = (model: Model): Team[] => model.teams.filter((t) => !t.deleted);

export const teamById = (model: Model, id: string): Team | undefined =>
  model.teams.find((t) => t.id === id && !t.deleted);

/** The caller's role, or null — also for a team that is gone. */
export const roleOf = (model: Model, teamId: string, userId: string): Role | null =>
  teamById(model, teamId)?.members[userId] ?? null;

/** A member of a team requiring two-factor who has none is held out of it (API.md). */
export function heldOut(model: Model, teamId: string, userId: string): boolean {
  const team = teamById(model, teamId);
  return Boolean(team?.twoFactorRequired && !accountById(model, userId)?.twoFactor);
}

/** The role that grants access now: null for strangers and for members held out. */
export const accessRole = (model: Model, teamId: string, userId: string): Role | null =>
  heldOut(model, teamId, userId) ? null : roleOf(model, teamId, userId);

export const liveSession = (account: Account): Session | undefined =>
  [...account.sessions].reverse().find((s) => s.live);

export function revokeSessions(model: Model, account: Account, keep?: string): void {
  for (const session of account.sessions) if (session.token !== keep) session.live = false;
  for (const feed of model.feeds)
    // Once its socket's session ends, even rows already owed may be cut off with the socket.
    if (feed.accountId === account.id && feed.sessionToken !== keep) feed.state = 'cut';
}

/** What a password change or reset ends besides sessions (API.md, account recovery). */
export function endPendingSecurityState(account: Account): void {
  for (const link of account.resetLinks) link.live = false;
  for (const link of account.emailChanges) link.live = false;
  account.pendingSecret = null;
}

/** Records a team row: its seq, and delivery to each open feed entitled at this commit. */
export function recordRow(model: Model, team: Team, action: string): void {
  team.seq += 1;
  team.actions.push(action);
  for (const feed of model.feeds) {
    if (feed.teamId !== team.id || feed.state !== 'open') continue;
    if (accessRole(model, team.id, feed.accountId) === null) continue;
    feed.expected.push({ seq: team.seq, action });
  }
}

/**
 * Ends access for `userId` (or everyone, for a deleted team) after the row that ended it was
 * recorded: their open feeds are owed ACCESS_REVOKED and nothing more.
 */
export function endAccess(model: Model, teamId: string, userId: string | null): void {
  for (const feed of model.feeds)
    if (
      feed.teamId === teamId &&
      feed.state === 'open' &&
      (userId === null || feed.accountId === userId)
    )
      feed.state = 'revoked';
}

/**
 * A held-out member's feeds end when the requirement turns on; whether the row that turned it
 * on reaches them is not promised, so they are judged as a prefix.
 */
export function holdOutFeeds(model: Model, team: Team): void {
  for (const feed of model.feeds)
    if (feed.teamId === team.id && feed.state === 'open' && heldOut(model, team.id, feed.accountId))
      feed.state = 'cut';
}

/** Pending invitations by `inviterId` in the team that their new role could not make. */
export function revokeInvitationsBeyondRole(
  model: Model,
  team: Team,
  inviterId: string,
  newRole: Role | null,
): void {
  for (const invitation of model.invitations) {
    if (invitation.teamId !== team.id || invitation.invitedBy !== inviterId) continue;
    if (invitation.status !== 'PENDING') continue;
    if (canInviteAs(newRole, invitation.role)) continue;
    invitation.status = 'REVOKED';
    recordRow(model, team, 'INVITATION_REVOKED');
  }
}

export const canManage = (role: Role | null): boolean => role === 'OWNER' || role === 'ADMIN';

export const canInviteAs = (role: Role | null, invited: Role): boolean =>
  invited === 'MEMBER' ? canManage(role) : invited === 'ADMIN' && role === 'OWNER';
