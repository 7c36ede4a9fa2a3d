import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ActivityAction } from '../entities/activity-action.enum';
import { buildBareSchema } from '../src/graphql/build-schema';

/**
 * The contract: every team mutation records exactly one activity in its transaction, and
 * account mutations push an account event instead. This walks the schema's Mutation fields,
 * so a new mutation fails here until it is classified — and a team mutation fails until some
 * test asserts its activity row with `expectActivity(…, { action: 'X', … })` (or
 * `expectActivityEvent` for TEAM_DELETED, whose row goes with the team).
 */

/** Account mutations: about the user's own account, pushed as AccountEvents, no team activity. */
const ACCOUNT_MUTATIONS = [
  'signUp',
  'logIn',
  'logOut',
  'revokeSession',
  'revokeOtherSessions',
  'changePassword',
  'updateProfile',
  'requestPasswordReset',
  'resetPassword',
  'verifyEmail',
  'resendVerificationEmail',
  'requestEmailChange',
  'confirmEmailChange',
  'beginTwoFactorSetup',
  'confirmTwoFactorSetup',
  'disableTwoFactor',
  'regenerateRecoveryCodes',
];

/**
 * Account mutations that also end team state: deleting an account leaves every team, each
 * departure recorded as its team's activity (API.md: "each recorded as MEMBER_LEFT").
 */
const ACCOUNT_MUTATIONS_WITH_TEAM_ACTIVITY: Record<string, ActivityAction> = {
  deleteAccount: ActivityAction.MEMBER_LEFT,
};

/**
 * Per-user state that is not team data. markActivityRead moves my own read position: recording
 * it as team activity would show every other member a "read" entry (itself unread news for
 * them) and grow the log with every glance at it. It is pushed to my other sessions as an
 * account event (READ_STATE_CHANGED) instead; test/activity-log.test.ts checks that it records
 * nothing and that the event is sent.
 */
const PER_USER_STATE_MUTATIONS = ['markActivityRead'];

/** Team mutations and the action each records (the contract's tables). */
const TEAM_MUTATIONS: Record<string, ActivityAction> = {
  createTeam: ActivityAction.TEAM_CREATED,
  renameTeam: ActivityAction.TEAM_RENAMED,
  deleteTeam: ActivityAction.TEAM_DELETED,
  changeMemberRole: ActivityAction.MEMBER_ROLE_CHANGED,
  removeMember: ActivityAction.MEMBER_REMOVED,
  leaveTeam: ActivityAction.MEMBER_LEFT,
  transferOwnership: ActivityAction.OWNERSHIP_TRANSFERRED,
  inviteMember: ActivityAction.MEMBER_INVITED,
  resendInvitation: ActivityAction.INVITATION_RESENT,
  revokeInvitation: ActivityAction.INVITATION_REVOKED,
  acceptInvitation: ActivityAction.MEMBER_JOINED,
  declineInvitation: ActivityAction.INVITATION_DECLINED,
  createItem: ActivityAction.ITEM_CREATED,
  updateItem: ActivityAction.ITEM_UPDATED,
  deleteItem: ActivityAction.ITEM_DELETED,
  setTwoFactorRequired: ActivityAction.TWO_FACTOR_REQUIREMENT_CHANGED,
};

/** Actions no mutation records: an operator restoring a team from a backup (CLI). */
const OPERATOR_ACTIONS = [ActivityAction.TEAM_RESTORED];

const mutationFields = Object.keys(buildBareSchema().getMutationType()?.getFields() ?? {});

/** Test files, recursively, without the support code that defines the helpers, nor this file. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'support' ? [] : testFiles(full);
    // This file's own scanner fixtures are not assertions.
    return entry.name.endsWith('.test.ts') && full !== __filename ? [full] : [];
  });
}

/** The text of every `expectActivity(`/`expectActivityEvent(` call, up to its closing paren. */
function assertionCalls(source: string): string[] {
  const calls: string[] = [];
  const start = /\bexpectActivity(?:Event)?\(/g;
  for (let match = start.exec(source); match; match = start.exec(source)) {
    let depth = 1;
    let i = match.index + match[0].length;
    while (i < source.length && depth > 0) {
      if (source[i] === '(') depth += 1;
      else if (source[i] === ')') depth -= 1;
      i += 1;
    }
    calls.push(source.slice(match.index, i));
  }
  return calls;
}

/** Actions asserted somewhere, as literal `action: 'X'` or `action: ActivityAction.X`. */
function assertedActions(): Map<string, string[]> {
  const asserted = new Map<string, string[]>();
  for (const file of testFiles(__dirname)) {
    for (const call of assertionCalls(readFileSync(file, 'utf8'))) {
      const action = /\baction:\s*(?:['"]([A-Z_]+)['"]|ActivityAction\.([A-Z_]+))/.exec(call);
      const name = action?.[1] ?? action?.[2];
      if (name) asserted.set(name, [...(asserted.get(name) ?? []), path.relative(__dirname, file)]);
    }
  }
  return asserted;
}

describe('activity coverage', () => {
  it('classifies every Mutation field: account event, per-user state, or team activity', () => {
    const classified = new Set([
      ...ACCOUNT_MUTATIONS,
      ...PER_USER_STATE_MUTATIONS,
      ...Object.keys(TEAM_MUTATIONS),
      ...Object.keys(ACCOUNT_MUTATIONS_WITH_TEAM_ACTIVITY),
    ]);
    expect(mutationFields.filter((field) => !classified.has(field))).toEqual([]);
  });

  it('names no mutation that does not exist (a stale list hides a missing one)', () => {
    const listed = [
      ...ACCOUNT_MUTATIONS,
      ...PER_USER_STATE_MUTATIONS,
      ...Object.keys(TEAM_MUTATIONS),
      ...Object.keys(ACCOUNT_MUTATIONS_WITH_TEAM_ACTIVITY),
    ];
    expect(listed.filter((field) => !mutationFields.includes(field))).toEqual([]);
  });

  it('gives every team mutation its own action, and every action a source', () => {
    const actions = Object.values(TEAM_MUTATIONS);
    expect(new Set(actions).size).toBe(actions.length);
    const sourced = new Set<string>([...actions, ...OPERATOR_ACTIONS]);
    expect(Object.values(ActivityAction).filter((action) => !sourced.has(action))).toEqual([]);
  });

  const asserted = assertedActions();
  it.each(Object.entries({ ...TEAM_MUTATIONS, ...ACCOUNT_MUTATIONS_WITH_TEAM_ACTIVITY }))(
    '%s: some test asserts its %s activity',
    (_mutation, action) => {
      expect(asserted.get(action) ?? []).not.toEqual([]);
    },
  );

  it('finds assertions the way tests write them (the scanner itself)', () => {
    const source = `await expectActivity(app, t.id, { action: 'ITEM_CREATED', details: { a: f(1) } });
      expectActivityEvent(events, { actorId: x, action: ActivityAction.TEAM_DELETED });
      expectNoActivitySince(app, t.id, 3); // action: 'ITEM_DELETED' is not asserted here`;
    const calls = assertionCalls(source);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toContain('details: { a: f(1) } })');
    expect(calls.join('\n')).not.toContain('ITEM_DELETED');
  });
});
