import { buildInvitation, freshEmail } from './factories/invitation.factory';
import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, markEmailVerified } from './factories/user.factory';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode } from './support/test-app';
import { enableTwoFactor } from './support/two-factor';

const USER = `query ($id: ID!) { user(id: $id) { id displayName email } }`;
const MY_INVITATIONS = `{ myInvitations { id teamName invitedBy { id displayName email } } }`;
const REQUIRE = `mutation ($t: ID!) { setTwoFactorRequired(teamId: $t, required: true) { id } }`;

// No cached sessions: each request reads the account's two-factor state as it is now.
const suite = useMailingApp({ SESSION_CACHE_TTL: '0' });

describe('"share a team now": a member held out by two-factor sees teammates as a stranger would', () => {
  it('hides teammates’ profiles from a held member on user(id) and on every other edge, until two-factor is on', async () => {
    const owner = await buildUser(suite.app);
    await enableTwoFactor(suite.app, owner);
    const vault = await buildTeam(suite.app, owner, 'Vault');
    const held = await addMember(suite.app, vault, 'MEMBER');
    await markEmailVerified(suite.app, held);
    const teammate = await addMember(suite.app, vault, 'MEMBER');
    await enableTwoFactor(suite.app, teammate);
    // The teammate invites the held member to a team of theirs: an Invitation.invitedBy edge.
    const elsewhere = await buildTeam(suite.app, teammate, 'Elsewhere');
    await buildInvitation(suite.app, elsewhere, { email: held.email });

    // Before the requirement, they share a team: the teammate's address is visible.
    expect((await suite.app.gql(USER, { id: teammate.id }, held.token)).data).toEqual({
      user: { id: teammate.id, displayName: teammate.displayName, email: teammate.email },
    });

    expect((await suite.app.gql(REQUIRE, { t: vault.id }, owner.token)).errors).toBeUndefined();
    expect(errorCode(await suite.app.gql(USER, { id: teammate.id }, held.token))).toBe('FORBIDDEN');
    expect(errorCode(await suite.app.gql(USER, { id: owner.id }, held.token))).toBe('FORBIDDEN');
    const invitations = await suite.app.gql<{
      myInvitations: { invitedBy: { id: string; displayName: string; email: string | null } }[];
    }>(MY_INVITATIONS, {}, held.token);
    expect(invitations.data?.myInvitations.map((i) => i.invitedBy)).toEqual([
      { id: teammate.id, displayName: teammate.displayName, email: null },
    ]);
    // Teammates who are not held still see each other.
    expect((await suite.app.gql(USER, { id: owner.id }, teammate.token)).errors).toBeUndefined();

    await enableTwoFactor(suite.app, held);
    expect((await suite.app.gql(USER, { id: teammate.id }, held.token)).data).toEqual({
      user: { id: teammate.id, displayName: teammate.displayName, email: teammate.email },
    });
  });

  it('a held member still sees people of another team they fully belong to', async () => {
    const owner = await buildUser(suite.app);
    await enableTwoFactor(suite.app, owner);
    const vault = await buildTeam(suite.app, owner, 'Vault');
    const held = await addMember(suite.app, vault, 'MEMBER');
    const teammate = await addMember(suite.app, vault, 'MEMBER');
    const open = await buildTeam(suite.app, teammate, 'Open');
    await addMember(suite.app, open, 'MEMBER', held);
    await suite.app.gql(REQUIRE, { t: vault.id }, owner.token);
    expect((await suite.app.gql(USER, { id: teammate.id }, held.token)).errors).toBeUndefined();
    expect(errorCode(await suite.app.gql(USER, { id: owner.id }, held.token))).toBe('FORBIDDEN');
  });
});

describe('invitations are shown only to a verified address', () => {
  it('someone who signs up unverified with an invitee’s address sees no invitation until the address is verified', async () => {
    const owner = await buildUser(suite.app);
    const team = await buildTeam(suite.app, owner, 'Secret project');
    const address = freshEmail('invitee');
    await buildInvitation(suite.app, team, { email: address });

    const squatter = await buildUser(suite.app, { email: address });
    const before = await suite.app.gql(MY_INVITATIONS, {}, squatter.token);
    expect(before.errors).toBeUndefined();
    expect(before.data).toEqual({ myInvitations: [] });

    const link = tokenIn(await waitForMail(suite.inbox, address, 'Confirm your e-mail address'));
    await suite.app.gql(`mutation ($t: String!) { verifyEmail(token: $t) }`, { t: link });
    const after = await suite.app.gql<{ myInvitations: { teamName: string }[] }>(
      MY_INVITATIONS,
      {},
      squatter.token,
    );
    expect(after.data?.myInvitations.map((i) => i.teamName)).toEqual(['Secret project']);
  });
});
