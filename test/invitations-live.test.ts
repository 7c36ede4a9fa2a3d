import { buildInvitation } from './factories/invitation.factory';
import { buildTeam } from './factories/team.factory';
import { insertUser } from './support/fast-users';
import { subscriptionsRunning } from './support/live-gauges';
import { useLiveApp } from './support/live-suite';
import { ownTeamArrived } from './support/sentinels';
import type { TestApp } from './support/test-app';
import { MY_ACTIVITY, TEAM_ACTIVITY, subscribe } from './support/ws-client';

interface DeliveredActivity {
  seq: number;
  action: string;
  team: { id: string };
  actor: { id: string } | null;
}

const ACCEPT = `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`;
const DECLINE = `mutation ($token: String!) { declineInvitation(token: $token) }`;
const RENAME = `mutation ($teamId: ID!) { renameTeam(teamId: $teamId, name: "Renamed") { id } }`;

const suite = useLiveApp();
const open = (token: string) => suite.open(token);
let app: TestApp;
beforeAll(() => {
  app = suite.app;
});

describe('invitations and live feeds', () => {
  it("an invitee's myActivity starts following the team when they accept, from MEMBER_JOINED on", async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner, 'Live');
    const invitee = await insertUser(app);
    const mine = subscribe(await open(invitee.token), MY_ACTIVITY);
    const teamFeed = subscribe(await open(owner.token), TEAM_ACTIVITY, { teamId: team.id });
    await subscriptionsRunning(2);

    const invitation = await buildInvitation(app, team, { email: invitee.email });
    const accepted = await app.gql(ACCEPT, { token: invitation.token }, invitee.token);
    expect(accepted.errors).toBeUndefined();
    expect((await app.gql(RENAME, { teamId: team.id }, owner.token)).errors).toBeUndefined();

    // TEAM_RENAMED (seq 4) is the sentinel: nothing from before the join (TEAM_CREATED,
    // MEMBER_INVITED) reaches the newcomer, and it would have arrived before.
    const sentinel = (a: DeliveredActivity) => a.seq === 4;
    await mine.untilValue('myActivity', sentinel, 'TEAM_RENAMED');
    expect(
      mine.values<DeliveredActivity>('myActivity').map((a) => [a.action, a.actor?.id]),
    ).toEqual([
      ['MEMBER_JOINED', invitee.id],
      ['TEAM_RENAMED', owner.id],
    ]);
    await teamFeed.untilValue('teamActivity', sentinel, 'TEAM_RENAMED');
    expect(teamFeed.values<DeliveredActivity>('teamActivity').map((a) => a.action)).toEqual([
      'MEMBER_INVITED',
      'MEMBER_JOINED',
      'TEAM_RENAMED',
    ]);
  });

  it('someone who declines never receives activity of the team', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner, 'Quiet');
    const invitee = await insertUser(app);
    const mine = subscribe(await open(invitee.token), MY_ACTIVITY);
    await subscriptionsRunning(1);
    const invitation = await buildInvitation(app, team, { email: invitee.email });
    expect(
      (await app.gql(DECLINE, { token: invitation.token }, invitee.token)).errors,
    ).toBeUndefined();
    expect((await app.gql(RENAME, { teamId: team.id }, owner.token)).errors).toBeUndefined();
    const ownTeam = await ownTeamArrived(app, invitee, mine);
    expect(mine.values<DeliveredActivity>('myActivity').map((a) => a.team.id)).toEqual([
      ownTeam.id,
    ]);
  });
});
