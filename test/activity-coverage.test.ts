import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ActivityAction } from '../entities/activity-action.enum';
import { buildBareSchema } from '../src/server/graphql/build-schema';

/**
 * The contract: every team mutation records exactly one activity in its transaction, and
 * account mutations push an account event instead. This walks the schema's Mutation fields,
 * so a new mutation fails here until it is classified — and a team mutation fails until some
 * test asserts its activity row with `expectActivity(…, { action: 'X', … })` (or
 * `expectActivityEvent` for TEAM_DELETED, whose row goes with the team). Assertions are read
 * from each test file's syntax tree, so commented-out or skipped ones do not count.
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
  'revertEmailChange',
  'confirmIdentity',
  'beginTwoFactorSetup',
  'confirmTwoFactorSetup',
  'disableTwoFactor',
  'revertTwoFactorSetup',
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
 * nothing and that the event is sent. witnessCheckpoint records that I vouched for a checkpoint
 * of the log: were it a row of that log, every witness would move the tree it vouches for.
 */
const PER_USER_STATE_MUTATIONS = ['markActivityRead', 'witnessCheckpoint'];

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

const ASSERTIONS = new Set(['expectActivity', 'expectActivityEvent']);
const SKIPPED = /^(?:x(?:it|test|describe)|(?:it|test|describe)\.(?:skip|todo))$/;

/**
 * The actions that `expectActivity(…)`/`expectActivityEvent(…)` calls assert in one source
 * file, read from its syntax tree: comments, strings and calls inside skipped tests or suites
 * (`it.skip`, `xdescribe`, …) do not count.
 */
function assertedActionsIn(source: string, fileName = 'source.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const actions: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(file);
      if (SKIPPED.test(callee)) return;
      if (ASSERTIONS.has(callee)) actions.push(...node.arguments.flatMap(actionOf));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return actions;
}

/** `action: 'X'` or `action: ActivityAction.X` in an object-literal argument. */
function actionOf(argument: ts.Expression): string[] {
  if (!ts.isObjectLiteralExpression(argument)) return [];
  return argument.properties.flatMap((property) => {
    if (!ts.isPropertyAssignment(property) || property.name.getText() !== 'action') return [];
    const value = property.initializer;
    if (ts.isStringLiteral(value)) return [value.text];
    if (ts.isPropertyAccessExpression(value) && value.expression.getText() === 'ActivityAction')
      return [value.name.text];
    return [];
  });
}

/** Actions asserted somewhere, with the files that assert them. */
function assertedActions(): Map<string, string[]> {
  const asserted = new Map<string, string[]>();
  for (const file of testFiles(__dirname)) {
    for (const name of assertedActionsIn(readFileSync(file, 'utf8'), file)) {
      asserted.set(name, [...(asserted.get(name) ?? []), path.relative(__dirname, file)]);
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
    const source = `
      it('counts', async () => {
        await expectActivity(app, t.id, { action: 'ITEM_CREATED', details: { a: f(1) } });
        expectActivityEvent(events, { actorId: x, action: ActivityAction.TEAM_DELETED });
        expectNoActivitySince(app, t.id, 3, { action: 'ITEM_DELETED' });
        // expectActivity(app, t.id, { action: 'TEAM_RENAMED' });
        const text = "expectActivity(app, t.id, { action: 'MEMBER_LEFT' })";
      });
      it.skip('skipped', async () => {
        await expectActivity(app, t.id, { action: 'MEMBER_REMOVED' });
      });
      xdescribe('skipped suite', () => {
        it('x', () => expectActivity(app, t.id, { action: 'TEAM_CREATED' }));
      });
      describe.skip('another', () => {
        it('y', () => expectActivity(app, t.id, { action: 'ITEM_UPDATED' }));
      });`;
    expect(assertedActionsIn(source)).toEqual(['ITEM_CREATED', 'TEAM_DELETED']);
  });
});
