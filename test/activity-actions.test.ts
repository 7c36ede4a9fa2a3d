import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ACTIVITY_ACTIONS,
  ACTIVITY_GROUPS,
  HASHED_ACTIVITY_MEMBERS,
  summaryOf,
  type NewActivity,
} from '../entities/activity-actions';
import { ActivityAction } from '../entities/activity-action.enum';
import { Role } from '../entities/role.enum';
import { sealedMembers } from '../src/db/activity-hash';

/**
 * The table of actions (entities/activity-actions.ts) is the one definition: the API guide's
 * list must say what it says, and its summaries must read exactly as the rows already stored
 * read (a summary's salted digest is sealed by the chain).
 */
const ACTIONS = Object.values(ActivityAction);

/** An activity of `action` about one subject, by one actor. */
const activity = <A extends ActivityAction>(
  action: A,
  details: NewActivity<A>['details'],
  names: NewActivity<A>['names'],
) => summaryOf({ action, actorId: null, subjectId: 's', details, names } as NewActivity<A>);

describe('the activity actions', () => {
  it('defines every action of the enum, and nothing else', () => {
    expect(Object.keys(ACTIVITY_ACTIONS).sort()).toEqual([...ACTIONS].sort());
  });

  it("is the API guide's list of actions, row by row", () => {
    const guide = readFileSync(path.join(__dirname, '..', 'docs', 'api.md'), 'utf8');
    const rows = guide
      .split('\n')
      .filter((line) => /^\| `[A-Z_]+` +\| `/.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(
      Object.entries(ACTIVITY_ACTIONS).map(([action, definition]) => [
        `\`${action}\``,
        `\`${definition.subjectType}\``,
        definition.description,
        definition.details.map((member) => `\`${member}\``).join(', '),
      ]),
    );
  });

  it('writes the summaries the commands wrote, character for character', () => {
    const A = ActivityAction;
    const byAda = { actor: 'Ada' };
    const deleted = { actor: 'a deleted user' };
    const invitation = { invitationId: 'i', role: Role.MEMBER };
    expect([
      activity(A.TEAM_CREATED, { name: 'Launch' }, byAda),
      activity(A.TEAM_RENAMED, { changedFields: { name: { old: 'A', new: 'B' } } }, byAda),
      activity(A.TEAM_DELETED, { name: 'Launch' }, byAda),
      activity(
        A.TEAM_RESTORED,
        { backupId: 'b', backupCreatedAt: '2026-01-02T03:04:05.000Z', revokedInvitations: 2 },
        { team: 'Launch' },
      ),
      activity(
        A.MEMBER_ROLE_CHANGED,
        { changedFields: { role: { old: Role.MEMBER, new: Role.ADMIN } } },
        { actor: 'Ada', member: 'Max' },
      ),
      activity(A.MEMBER_REMOVED, { role: Role.MEMBER }, { actor: 'Ada', member: 'Max' }),
      activity(A.MEMBER_LEFT, { role: Role.ADMIN }, byAda),
      activity(A.MEMBER_LEFT, { role: Role.ADMIN, accountDeleted: true }, deleted),
      activity(
        A.OWNERSHIP_TRANSFERRED,
        { previousOwnerId: 'a', newOwnerId: 'm' },
        { actor: 'Ada', member: 'Max' },
      ),
      activity(A.MEMBER_INVITED, invitation, byAda),
      activity(A.INVITATION_RESENT, { ...invitation, role: Role.ADMIN, expiresAt: 'x' }, byAda),
      activity(A.INVITATION_REVOKED, invitation, byAda),
      activity(A.INVITATION_REVOKED, { ...invitation, accountDeleted: true }, deleted),
      activity(
        A.INVITATION_REVOKED,
        { ...invitation, role: Role.ADMIN, reason: 'INVITER_LOST_ROLE' },
        { actor: 'Ada', inviter: 'Max', noLongerInvitesAs: Role.ADMIN },
      ),
      activity(
        A.INVITATION_REVOKED,
        { ...invitation, reason: 'INVITER_LOST_ROLE' },
        { actor: 'Ada', inviter: null, noLongerInvitesAs: null },
      ),
      activity(A.MEMBER_JOINED, { ...invitation, invitedById: 'a' }, byAda),
      activity(A.INVITATION_DECLINED, { ...invitation, role: Role.ADMIN }, byAda),
      activity(A.INVITATION_DECLINED, { ...invitation, accountDeleted: true }, deleted),
      activity(A.ITEM_CREATED, { title: 'Notes' }, byAda),
      activity(A.ITEM_UPDATED, { version: 2, changedFields: {} }, { actor: 'Ada', title: 'Notes' }),
      activity(A.ITEM_DELETED, { title: 'Notes', version: 2 }, byAda),
      activity(
        A.TWO_FACTOR_REQUIREMENT_CHANGED,
        { required: true, membersWithoutTwoFactor: 1 },
        byAda,
      ),
      activity(
        A.TWO_FACTOR_REQUIREMENT_CHANGED,
        { required: false, membersWithoutTwoFactor: 0 },
        byAda,
      ),
    ]).toEqual([
      'Ada created the team "Launch"',
      'Ada renamed the team from "A" to "B"',
      'Ada deleted the team "Launch"',
      'The team "Launch" was restored from the backup of 2026-01-02T03:04:05.000Z',
      "Ada changed Max's role from MEMBER to ADMIN",
      'Ada removed Max from the team',
      'Ada left the team',
      'a deleted user left the team (account deleted)',
      'Ada transferred ownership to Max',
      'Ada invited someone to join as MEMBER',
      'Ada resent an invitation to join as ADMIN',
      'Ada revoked an invitation to join as MEMBER',
      'a deleted user revoked an invitation to join as MEMBER (account deleted)',
      'An invitation to join as ADMIN was revoked: Max can no longer invite as ADMIN',
      'An invitation to join as MEMBER was revoked: its inviter can no longer invite',
      'Ada joined the team as MEMBER',
      'Ada declined an invitation to join as ADMIN',
      'a deleted user declined an invitation to join as MEMBER (account deleted)',
      'Ada created "Notes"',
      'Ada updated "Notes"',
      'Ada deleted "Notes"',
      'Ada required two-factor authentication for every member',
      'Ada stopped requiring two-factor authentication',
    ]);
  });

  it('gives the web page the labels and filter groups it showed before', () => {
    expect(ACTIONS.map((action) => ACTIVITY_ACTIONS[action].label)).toEqual(
      ACTIONS.map((action) => action.toLowerCase().replace(/_/g, ' ')),
    );
    const grouped = Object.fromEntries(
      ACTIVITY_GROUPS.map((group) => [
        group,
        ACTIONS.filter((action) => ACTIVITY_ACTIONS[action].group === group).sort(),
      ]),
    );
    expect(grouped).toEqual({
      Items: ['ITEM_CREATED', 'ITEM_DELETED', 'ITEM_UPDATED'],
      Members: ['MEMBER_JOINED', 'MEMBER_LEFT', 'MEMBER_REMOVED', 'MEMBER_ROLE_CHANGED'],
      Invitations: [
        'INVITATION_DECLINED',
        'INVITATION_RESENT',
        'INVITATION_REVOKED',
        'MEMBER_INVITED',
      ],
      Team: ['OWNERSHIP_TRANSFERRED', 'TEAM_CREATED', 'TEAM_RENAMED'],
    });
  });

  it('seals the members it names, with the digest in place of the summary when there is one', () => {
    const row = {
      teamId: 't',
      seq: 1,
      actorId: null,
      action: 'ITEM_CREATED',
      subjectType: 'Item',
      subjectId: 's',
      summary: 'Ada created "Notes"',
      details: {},
      createdAt: new Date(0),
    };
    expect(Object.keys(sealedMembers(row))).toEqual([...HASHED_ACTIVITY_MEMBERS]);
    expect(Object.keys(sealedMembers({ ...row, summaryDigest: 'd' }))).toEqual(
      HASHED_ACTIVITY_MEMBERS.map((member) => (member === 'summary' ? 'summaryDigest' : member)),
    );
  });
});
