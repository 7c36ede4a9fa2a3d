import { teamChannel, type DomainEvent } from '../src/events/domain-events';
import { addMember, buildTeam, buildTeamWithRoles } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import {
  expectActivity,
  expectActivityEvent,
  expectNoActivitySince,
  lastActivitySeq,
} from './support/activity-assertions';
import { declaredVariables } from './support/declared-variables';
import { dataFingerprint } from './support/counts';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

/** Every team and member mutation records exactly one activity row, with actor, subject and details. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

async function ok(query: string, variables: Record<string, unknown>, token: string) {
  const response = await app.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data;
}

describe('team mutations record their activity', () => {
  it('createTeam → TEAM_CREATED as seq 1', async () => {
    const owner = await buildUser(app);
    const data = (await ok(
      `mutation { createTeam(input: { name: "Rockets" }) { id } }`,
      {},
      owner.token,
    )) as {
      createTeam: { id: string };
    };
    const row = await expectActivity(app, data.createTeam.id, {
      action: 'TEAM_CREATED',
      actorId: owner.id,
      subjectType: 'Team',
      subjectId: data.createTeam.id,
      details: { name: 'Rockets' },
      afterSeq: 0,
    });
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('renameTeam → TEAM_RENAMED with the old and new name', async () => {
    const { team, admin } = await buildTeamWithRoles(app);
    const seq = await lastActivitySeq(app, team.id);
    await ok(
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Comets") { id } }`,
      { t: team.id },
      admin.token,
    );
    await expectActivity(app, team.id, {
      action: 'TEAM_RENAMED',
      actorId: admin.id,
      subjectId: team.id,
      details: { changedFields: { name: { old: team.name, new: 'Comets' } } },
      afterSeq: seq,
    });
  });

  it('changeMemberRole → MEMBER_ROLE_CHANGED about the member', async () => {
    const { team, owner, member } = await buildTeamWithRoles(app);
    const seq = await lastActivitySeq(app, team.id);
    await ok(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: ADMIN) { role } }`,
      { t: team.id, u: member.id },
      owner.token,
    );
    await expectActivity(app, team.id, {
      action: 'MEMBER_ROLE_CHANGED',
      actorId: owner.id,
      subjectType: 'User',
      subjectId: member.id,
      details: { changedFields: { role: { old: 'MEMBER', new: 'ADMIN' } } },
      afterSeq: seq,
    });
  });

  it('removeMember → MEMBER_REMOVED about the removed user', async () => {
    const { team, admin, member } = await buildTeamWithRoles(app);
    const seq = await lastActivitySeq(app, team.id);
    await ok(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: member.id },
      admin.token,
    );
    await expectActivity(app, team.id, {
      action: 'MEMBER_REMOVED',
      actorId: admin.id,
      subjectId: member.id,
      details: { role: 'MEMBER' },
      afterSeq: seq,
    });
  });

  it('leaveTeam → MEMBER_LEFT by the leaver', async () => {
    const { team, admin } = await buildTeamWithRoles(app);
    const seq = await lastActivitySeq(app, team.id);
    await ok(`mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t: team.id }, admin.token);
    await expectActivity(app, team.id, {
      action: 'MEMBER_LEFT',
      actorId: admin.id,
      subjectId: admin.id,
      details: { role: 'ADMIN' },
      afterSeq: seq,
    });
  });

  it('transferOwnership → OWNERSHIP_TRANSFERRED naming both owners', async () => {
    const { team, owner, admin } = await buildTeamWithRoles(app);
    const seq = await lastActivitySeq(app, team.id);
    await ok(
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      { t: team.id, u: admin.id },
      owner.token,
    );
    await expectActivity(app, team.id, {
      action: 'OWNERSHIP_TRANSFERRED',
      actorId: owner.id,
      subjectId: admin.id,
      details: { previousOwnerId: owner.id, newOwnerId: admin.id },
      afterSeq: seq,
    });
  });

  it('deleteTeam → TEAM_DELETED is pushed on the team channel; then the rows are gone with the team', async () => {
    const team = await buildTeam(app);
    await addMember(app, team, 'MEMBER');
    const seq = await lastActivitySeq(app, team.id);
    const events: DomainEvent[] = [];
    const stop = app.app.services.bus.subscribe(teamChannel(team.id), (event) =>
      events.push(event),
    );
    await stop.ready;
    try {
      await ok(`mutation ($t: ID!) { deleteTeam(teamId: $t) }`, { t: team.id }, team.owner.token);
    } finally {
      stop();
    }
    const activity = expectActivityEvent(events, {
      action: 'TEAM_DELETED',
      actorId: team.owner.id,
      subjectId: team.id,
      details: { name: team.name },
      afterSeq: seq,
    });
    expect(activity.teamId).toBe(team.id);
    // The row was recorded in the same transaction, then cascaded away with the team.
    expect(await app.sql(`SELECT 1 FROM activities WHERE team_id = $1`, [team.id])).toEqual([]);
    expect(await app.sql(`SELECT 1 FROM memberships WHERE team_id = $1`, [team.id])).toEqual([]);
  });
});

describe('failed and denied team mutations record nothing', () => {
  it.each([
    [
      'a MEMBER renaming',
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Nope") { id } }`,
      'member',
      'FORBIDDEN',
    ],
    [
      'an empty name',
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "  ") { id } }`,
      'owner',
      'BAD_USER_INPUT',
    ],
    [
      'an ADMIN removing the owner',
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      'admin',
      'FORBIDDEN',
    ],
    ['the OWNER leaving', `mutation ($t: ID!) { leaveTeam(teamId: $t) }`, 'owner', 'FORBIDDEN'],
    [
      'transferring to an outsider',
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      'owner',
      'BAD_USER_INPUT',
    ],
    [
      'an ADMIN deleting the team',
      `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
      'admin',
      'FORBIDDEN',
    ],
    [
      'an outsider creating an item',
      `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "" }) { id } }`,
      'outsider',
      'FORBIDDEN',
    ],
  ] as const)('%s', async (_, query, who, code) => {
    const world = await buildTeamWithRoles(app);
    // The subject user for mutations that take one: the owner, or the outsider for transfers.
    const subject = query.includes('transferOwnership') ? world.outsider : world.owner;
    const seq = await lastActivitySeq(app, world.team.id);
    const before = await dataFingerprint(app);
    const response = await app.gql(
      query,
      declaredVariables(query, { t: world.team.id, u: subject.id }),
      world[who].token,
    );
    expect(errorCode(response)).toBe(code);
    expect(await dataFingerprint(app)).toBe(before);
    await expectNoActivitySince(app, world.team.id, seq);
  });
});
