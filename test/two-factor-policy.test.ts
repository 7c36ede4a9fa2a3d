import { buildTeam } from './factories/team.factory';
import { addMember } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { expectActivity } from './support/activity-assertions';
import { subscriptionsRunning } from './support/live-gauges';
import { useLiveApp } from './support/live-suite';
import { errorCode, type TestApp } from './support/test-app';
import { enableTwoFactor } from './support/two-factor';
import { MY_ACTIVITY, TEAM_ACTIVITY, endCode, liveErrorCode, subscribe } from './support/ws-client';

const SET = `mutation ($t: ID!, $r: Boolean!) { setTwoFactorRequired(teamId: $t, required: $r) { id twoFactorRequired } }`;
const RENAME = `mutation ($t: ID!, $n: String!) { renameTeam(teamId: $t, name: $n) { id } }`;
const TEAM = `query ($id: ID!) { team(id: $id) { id name } }`;
const MEMBERS = `query ($id: ID!) { team(id: $id) { members { user { id } role twoFactorEnabled } } }`;

describe('team policy: two-factor required', () => {
  const suite = useLiveApp();
  let app: TestApp;
  beforeAll(() => {
    app = suite.app;
  });

  async function world() {
    const owner = await buildUser(app);
    const team = await buildTeam(app, owner, 'Vault');
    const admin = await addMember(app, team, 'ADMIN');
    const member = await addMember(app, team, 'MEMBER');
    const secured = await addMember(app, team, 'MEMBER');
    return { owner, team, admin, member, secured };
  }

  const reasonOf = (response: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    response.errors?.[0]?.extensions?.reason;

  it('only an OWNER who has two-factor on may set it', async () => {
    const { owner, team, admin } = await world();
    const noFactor = await app.gql(SET, { t: team.id, r: true }, owner.token);
    expect(errorCode(noFactor)).toBe('FORBIDDEN');
    expect(reasonOf(noFactor)).toBe('TWO_FACTOR_REQUIRED');
    await enableTwoFactor(app, admin);
    expect(errorCode(await app.gql(SET, { t: team.id, r: true }, admin.token))).toBe('FORBIDDEN');
    const [row] = await app.sql<{ two_factor_required: boolean }>(
      `SELECT two_factor_required FROM teams WHERE id = $1`,
      [team.id],
    );
    expect(row.two_factor_required).toBe(false);
  });

  it('holds members without two-factor out of data and feeds with a reason, ends their open feed with ACCESS_REVOKED, removes nobody', async () => {
    const { owner, team, admin, member, secured } = await world();
    await enableTwoFactor(app, owner);
    await enableTwoFactor(app, secured);
    const memberFeed = subscribe(await suite.open(member.token), TEAM_ACTIVITY, {
      teamId: team.id,
    });
    const securedFeed = subscribe(await suite.open(secured.token), TEAM_ACTIVITY, {
      teamId: team.id,
    });
    // Both run on the server before the rename commits (a feed started after it would miss it).
    await subscriptionsRunning(2);
    // Both feeds are live once they carry this rename.
    await app.gql(RENAME, { t: team.id, n: 'Vault 2' }, owner.token);
    await memberFeed.untilCount(1);
    await securedFeed.untilCount(1);

    const set = await app.gql(SET, { t: team.id, r: true }, owner.token);
    expect(set.data).toEqual({ setTwoFactorRequired: { id: team.id, twoFactorRequired: true } });
    await expectActivity(app, team.id, {
      action: 'TWO_FACTOR_REQUIREMENT_CHANGED',
      actorId: owner.id,
      subjectId: team.id,
      details: { required: true, membersWithoutTwoFactor: 2 },
    });

    await memberFeed.untilComplete();
    expect(endCode(memberFeed)).toBe('ACCESS_REVOKED');
    await securedFeed.untilCount(2);
    expect(securedFeed.completed).toBe(false);

    for (const held of [member, admin]) {
      const denied = await app.gql(TEAM, { id: team.id }, held.token);
      expect(errorCode(denied)).toBe('FORBIDDEN');
      expect(reasonOf(denied)).toBe('TWO_FACTOR_REQUIRED');
      const item = await app.gql(
        `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "x" }) { id } }`,
        { t: team.id },
        held.token,
      );
      expect(reasonOf(item)).toBe('TWO_FACTOR_REQUIRED');
      // A new feed is refused at subscribe time, with the same reason.
      const again = subscribe(await suite.open(held.token), TEAM_ACTIVITY, { teamId: team.id });
      await again.untilComplete();
      expect(liveErrorCode(again.error ?? again.results[0])).toBe('FORBIDDEN');
    }
    // Nobody was removed: memberships stay, and the team still lists them.
    const members = await app.sql(`SELECT user_id FROM memberships WHERE team_id = $1`, [team.id]);
    expect(members).toHaveLength(4);
    expect((await app.gql(TEAM, { id: team.id }, secured.token)).errors).toBeUndefined();
    const mine = await app.gql<{ me: { teams: { role: string }[] } }>(
      `{ me { teams { role } } }`,
      {},
      member.token,
    );
    expect(mine.data?.me.teams).toEqual([{ role: 'MEMBER' }]);

    // A held member may still leave.
    const left = await app.gql(
      `mutation ($t: ID!) { leaveTeam(teamId: $t) }`,
      { t: team.id },
      admin.token,
    );
    expect(left.data).toEqual({ leaveTeam: true });

    // Turning two-factor on lets the member back in.
    await enableTwoFactor(app, member);
    expect((await app.gql(TEAM, { id: team.id }, member.token)).errors).toBeUndefined();
  });

  it('gives a stranger a plain FORBIDDEN, never the reason, so the team stays unseen', async () => {
    const { owner, team } = await world();
    await enableTwoFactor(app, owner);
    expect((await app.gql(SET, { t: team.id, r: true }, owner.token)).errors).toBeUndefined();
    const stranger = await buildUser(app);
    const denied = await app.gql(TEAM, { id: team.id }, stranger.token);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    // Neither the reason nor the message may mention the requirement.
    expect(JSON.stringify(denied.errors)).not.toMatch(/two.factor/i);
    const feed = subscribe(await suite.open(stranger.token), TEAM_ACTIVITY, { teamId: team.id });
    await feed.untilComplete();
    const refused = feed.error ?? feed.results[0];
    expect(liveErrorCode(refused)).toBe('FORBIDDEN');
    expect(JSON.stringify(refused)).not.toMatch(/two.factor/i);
  });

  it('drops the team from a held member’s myActivity while their other teams keep flowing', async () => {
    const { owner, team, member } = await world();
    await enableTwoFactor(app, owner);
    const other = await buildTeam(app, owner, 'Open team');
    await addMember(app, other, 'MEMBER', member);
    const feed = subscribe(await suite.open(member.token), MY_ACTIVITY);
    await subscriptionsRunning(1);
    await app.gql(RENAME, { t: other.id, n: 'Open team 2' }, owner.token);
    await feed.untilCount(1);
    await app.gql(SET, { t: team.id, r: true }, owner.token);
    await app.gql(RENAME, { t: team.id, n: 'Hidden rename' }, owner.token);
    await app.gql(RENAME, { t: other.id, n: 'Open team 3' }, owner.token);
    await feed.until((f) =>
      f.values<{ summary: string }>('myActivity').some((a) => a.summary.includes('Open team 3')),
    );
    const summaries = feed.values<{ summary: string }>('myActivity').map((a) => a.summary);
    expect(summaries.join('\n')).not.toContain('Hidden rename');
    expect(feed.completed).toBe(false);
  });

  it('shows managers who has two-factor; others see null', async () => {
    const { owner, team, admin, member, secured } = await world();
    await enableTwoFactor(app, secured);
    const flags = (token: string) =>
      app
        .gql<{ team: { members: { user: { id: string }; twoFactorEnabled: boolean | null }[] } }>(
          MEMBERS,
          { id: team.id },
          token,
        )
        .then((r) =>
          Object.fromEntries(r.data!.team.members.map((m) => [m.user.id, m.twoFactorEnabled])),
        );
    for (const manager of [owner, admin]) {
      expect(await flags(manager.token)).toEqual({
        [owner.id]: false,
        [admin.id]: false,
        [member.id]: false,
        [secured.id]: true,
      });
    }
    expect(Object.values(await flags(member.token))).toEqual([null, null, null, null]);
  });

  it('refuses to disable two-factor while a team of the user requires it', async () => {
    const { owner, team, secured } = await world();
    const { recoveryCodes } = await enableTwoFactor(app, owner);
    const securedCodes = (await enableTwoFactor(app, secured)).recoveryCodes;
    await app.gql(SET, { t: team.id, r: true }, owner.token);
    const disable = `mutation ($c: String!) { disableTwoFactor(password: "${STRONG_PASSWORD}", code: $c) }`;
    for (const [user, code] of [
      [owner, recoveryCodes[0]],
      [secured, securedCodes[0]],
    ] as [TestUser, string][]) {
      const refused = await app.gql(disable, { c: code }, user.token);
      expect(errorCode(refused)).toBe('CONFLICT');
      expect(refused.errors![0].message).toContain('"Vault"');
    }
    await app.gql(SET, { t: team.id, r: false }, owner.token);
    expect((await app.gql(disable, { c: securedCodes[1] }, secured.token)).data).toEqual({
      disableTwoFactor: true,
    });
  });
});
