import { buildInvitation } from './factories/invitation.factory';
import { buildTeam, buildTeamWithRoles } from './factories/team.factory';
import { buildUser } from './factories/user.factory';
import { subscriptionsRunning } from './support/live-gauges';
import { useLiveApp } from './support/live-suite';
import { ownTeamArrived } from './support/sentinels';
import type { TestApp } from './support/test-app';
import {
  ACCOUNT_EVENTS,
  MY_ACTIVITY,
  TEAM_ACTIVITY,
  endCode,
  subscribe,
} from './support/ws-client';

interface DeliveredActivity {
  id: string;
  seq: number;
  action: string;
  summary: string;
  team: { id: string; name: string };
  actor: { id: string } | null;
}

interface AccountEvent {
  type: string;
  sessionId: string;
  details: Record<string, unknown>;
  createdAt: string;
}

const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;

describe('live feeds: delivery', () => {
  const suite = useLiveApp();
  const open = (token: string | null) => suite.open(token);
  let app: TestApp;
  beforeAll(() => {
    app = suite.app;
  });

  async function rename(teamId: string, token: string, name: string) {
    const response = await app.gql(RENAME, { teamId, name }, token);
    expect(response.errors).toBeUndefined();
  }

  it('delivers every activity to every member exactly once, in seq order, and to no one else', async () => {
    const { team, owner, admin, member, outsider } = await buildTeamWithRoles(app);
    const other = await buildTeam(app);
    const [ownerFeed, adminFeed, memberFeed, memberMine, otherFeed] = await Promise.all([
      open(owner.token).then((c) => subscribe(c, TEAM_ACTIVITY, { teamId: team.id })),
      open(admin.token).then((c) => subscribe(c, TEAM_ACTIVITY, { teamId: team.id })),
      open(member.token).then((c) => subscribe(c, TEAM_ACTIVITY, { teamId: team.id })),
      open(member.token).then((c) => subscribe(c, MY_ACTIVITY)),
      open(other.owner.token).then((c) => subscribe(c, TEAM_ACTIVITY, { teamId: other.id })),
    ]);
    const outsiderFeed = subscribe(await open(outsider.token), TEAM_ACTIVITY, { teamId: team.id });
    const outsiderMine = subscribe(await open(outsider.token), MY_ACTIVITY);
    await outsiderFeed.untilComplete();
    expect(endCode(outsiderFeed)).toBe('FORBIDDEN');
    await subscriptionsRunning(6);

    const [{ last_seq: before }] = await app.sql<{ last_seq: number }>(
      'SELECT last_seq FROM teams WHERE id = $1',
      [team.id],
    );
    for (let i = 1; i <= 5; i += 1) await rename(team.id, owner.token, `Renamed ${i}`);
    const expectedSeqs = [1, 2, 3, 4, 5].map((i) => before + i);

    const members = [
      [ownerFeed, 'teamActivity'],
      [adminFeed, 'teamActivity'],
      [memberFeed, 'teamActivity'],
      [memberMine, 'myActivity'],
    ] as const;
    const reached = (seq: number) =>
      Promise.all(
        members.map(([feed, field]) =>
          feed.untilValue<DeliveredActivity>(field, (a) => a.seq === seq, `seq ${seq}`),
        ),
      );
    // Delivered before the sentinel renames the team again (each names the team as it is then).
    await reached(before + 5);
    // Sentinels, one per feed, each an event that feed is entitled to: anything extra (a
    // repeat, another team's event) would have arrived before them.
    const sentinelSeq = before + 6;
    await rename(team.id, owner.token, 'Sentinel');
    await rename(other.id, other.owner.token, 'Other sentinel');
    const outsiderTeam = await ownTeamArrived(app, outsider, outsiderMine);
    await reached(sentinelSeq);
    await otherFeed.untilCount(1);

    for (const [feed, field] of members) {
      expect(feed.results.every((r) => !r.errors)).toBe(true);
      const delivered = feed.values<DeliveredActivity>(field);
      expect(delivered.map((a) => a.seq)).toEqual([...expectedSeqs, sentinelSeq]);
      expect(delivered.map((a) => a.action)).toEqual(Array(6).fill('TEAM_RENAMED'));
      expect(delivered[4].team).toEqual({ id: team.id, name: 'Renamed 5' });
      expect(delivered[0].actor).toEqual({ id: owner.id });
      // The stored row is what was delivered.
      const [stored] = await app.sql<{ id: string }>(
        'SELECT id FROM activities WHERE team_id = $1 AND seq = $2',
        [team.id, delivered[0].seq],
      );
      expect(delivered[0].id).toBe(stored.id);
    }
    expect(otherFeed.values<DeliveredActivity>('teamActivity').map((a) => a.team)).toEqual([
      { id: other.id, name: 'Other sentinel' },
    ]);
    expect(outsiderMine.values<DeliveredActivity>('myActivity').map((a) => a.team.id)).toEqual([
      outsiderTeam.id,
    ]);
    expect(outsiderFeed.results).toHaveLength(1); // only the FORBIDDEN
  });

  it('myActivity merges all my teams and starts following a team as soon as I join it', async () => {
    const me = await buildUser(app);
    const first = await buildTeam(app, me, 'First');
    const mine = subscribe(await open(me.token), MY_ACTIVITY);
    await subscriptionsRunning(1);
    await rename(first.id, me.token, 'First renamed');
    // Creating a team is joining it: its TEAM_CREATED arrives without resubscribing.
    const second = await buildTeam(app, me, 'Second');
    await rename(second.id, me.token, 'Second renamed');
    // The sentinel: the first team's third activity.
    await rename(first.id, me.token, 'Sentinel');
    await mine.untilValue<DeliveredActivity>(
      'myActivity',
      (a) => a.team.id === first.id && a.seq === 3,
      'sentinel',
    );
    const delivered = mine.values<DeliveredActivity>('myActivity');
    expect(delivered.map((a) => [a.team.id, a.action])).toEqual([
      [first.id, 'TEAM_RENAMED'],
      [second.id, 'TEAM_CREATED'],
      [second.id, 'TEAM_RENAMED'],
      [first.id, 'TEAM_RENAMED'],
    ]);
    expect(mine.completed).toBe(false);
  });

  it('myActivity follows a team joined by invitation from the MEMBER_JOINED on', async () => {
    const team = await buildTeam(app);
    const invitee = await buildUser(app);
    const mine = subscribe(await open(invitee.token), MY_ACTIVITY);
    await subscriptionsRunning(1);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    const accepted = await app.gql(
      `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`,
      { token: invitation.token },
      invitee.token,
    );
    expect(accepted.errors).toBeUndefined();
    await rename(team.id, team.owner.token, 'Welcome');
    // The sentinel: the team's fifth activity (created, invited, joined, renamed, renamed).
    await rename(team.id, team.owner.token, 'Sentinel');
    await mine.untilValue<DeliveredActivity>('myActivity', (a) => a.seq === 5, 'sentinel');
    // Nothing from before joining (the invitation itself); everything from joining on.
    expect(mine.values<DeliveredActivity>('myActivity').map((a) => a.action)).toEqual([
      'MEMBER_JOINED',
      'TEAM_RENAMED',
      'TEAM_RENAMED',
    ]);
  });

  it("accountEvents pushes my account's events to my other sessions, and nobody else's", async () => {
    const me = await buildUser(app);
    const stranger = await buildUser(app);
    const mineFeed = subscribe(await open(me.token), ACCOUNT_EVENTS);
    const strangerFeed = subscribe(await open(stranger.token), ACCOUNT_EVENTS);
    await subscriptionsRunning(2);
    const renameMe = async (token: string, displayName: string) => {
      const update = await app.gql(
        `mutation ($name: String!) { updateProfile(input: { displayName: $name }) { id } }`,
        { name: displayName },
        token,
      );
      expect(update.errors).toBeUndefined();
    };
    await renameMe(me.token, 'Renamed Me');
    // Sentinels: one more event of my own, and one of the stranger's own.
    await renameMe(me.token, 'Sentinel Me');
    await renameMe(stranger.token, 'Sentinel Stranger');
    const isSentinel = (e: AccountEvent) => String(e.details.displayName).startsWith('Sentinel');
    await mineFeed.untilValue('accountEvents', isSentinel, 'my sentinel');
    await strangerFeed.untilValue('accountEvents', isSentinel, "the stranger's sentinel");
    const [event, sentinel] = mineFeed.values<AccountEvent>('accountEvents');
    expect(event.type).toBe('PROFILE_UPDATED');
    expect(event.details).toEqual({ displayName: 'Renamed Me' });
    const [session] = await app.sql<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1', [
      me.id,
    ]);
    expect(event.sessionId).toBe(session.id);
    expect(Number.isNaN(Date.parse(event.createdAt))).toBe(false);
    expect(sentinel.details).toEqual({ displayName: 'Sentinel Me' });
    expect(mineFeed.results).toHaveLength(2);
    expect(strangerFeed.values<AccountEvent>('accountEvents').map((e) => e.details)).toEqual([
      { displayName: 'Sentinel Stranger' },
    ]);
  });

  it('anonymous sockets may connect but not subscribe', async () => {
    const anonymous = await open(null);
    for (const query of [MY_ACTIVITY, ACCOUNT_EVENTS]) {
      const feed = subscribe(anonymous, query);
      await feed.untilComplete();
      expect(endCode(feed)).toBe('UNAUTHENTICATED');
    }
  });
});
