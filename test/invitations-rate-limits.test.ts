import { randomBytes } from 'node:crypto';
import { buildInvitation, freshEmail } from './factories/invitation.factory';
import { addMember, buildTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { expectNoActivitySince, lastActivitySeq } from './support/activity-assertions';
import { dataFingerprint } from './support/counts';
import { insertUser } from './support/fast-users';
import { startTestApp, type GraphqlResponse, type TestApp } from './support/test-app';

const ACCEPT = `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`;
const DECLINE = `mutation ($token: String!) { declineInvitation(token: $token) }`;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ RATE_LIMITS: 'on' });
});
afterAll(() => app.stop());

/**
 * Posts from a client address of the test's choosing: the server trusts X-Forwarded-For from
 * loopback (a proxy in front), which lets each test use its own address and so its own budget.
 */
async function gqlFrom(
  ip: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<GraphqlResponse> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-forwarded-for': ip,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Pick<GraphqlResponse, 'data' | 'errors'>;
  return { status: response.status, headers: response.headers, ...body };
}

const code = (response: GraphqlResponse) => response.errors?.[0]?.extensions?.code;
const badToken = () => randomBytes(32).toString('base64url');

function expectRateLimited(response: GraphqlResponse, maxSeconds: number) {
  expect(code(response)).toBe('RATE_LIMITED');
  const retry = response.errors![0].extensions!.retryAfterSeconds as number;
  expect(retry).toBeGreaterThan(0);
  expect(retry).toBeLessThanOrEqual(maxSeconds);
}

describe('invitation rate limits', () => {
  it('limits accept (and decline) attempts per user: the 21st within 15 minutes is RATE_LIMITED', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    const guesser = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: guesser.email });
    const ip = '198.51.100.1';
    for (let i = 0; i < 20; i += 1) {
      const response = await gqlFrom(
        ip,
        i % 2 ? DECLINE : ACCEPT,
        { token: badToken() },
        guesser.token,
      );
      expect(code(response)).toBe('FORBIDDEN');
    }
    // Even the right token is refused now, and nothing changes.
    const before = await dataFingerprint(app);
    const seq = await lastActivitySeq(app, team.id);
    expectRateLimited(
      await gqlFrom(ip, ACCEPT, { token: invitation.token }, guesser.token),
      15 * 60,
    );
    expect(await dataFingerprint(app)).toBe(before);
    await expectNoActivitySince(app, team.id, seq);

    // Another user on the same address is unaffected.
    const other = await insertUser(app);
    const theirs = await buildInvitation(app, team, { email: other.email });
    const accepted = await gqlFrom(ip, ACCEPT, { token: theirs.token }, other.token);
    expect(accepted.errors).toBeUndefined();
  });

  it('limits accept attempts per IP address across users: the 101st is RATE_LIMITED', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    const ip = '198.51.100.2';
    const guessers: TestUser[] = [];
    for (let i = 0; i < 6; i += 1) guessers.push(await insertUser(app));
    for (let i = 0; i < 100; i += 1) {
      // At most 17 per user, so only the address's budget runs out.
      const response = await gqlFrom(ip, ACCEPT, { token: badToken() }, guessers[i % 6].token);
      expect(code(response)).toBe('FORBIDDEN');
    }
    const newcomer = await insertUser(app);
    const invitation = await buildInvitation(app, team, { email: newcomer.email });
    const before = await dataFingerprint(app);
    expectRateLimited(
      await gqlFrom(ip, ACCEPT, { token: invitation.token }, newcomer.token),
      15 * 60,
    );
    expect(await dataFingerprint(app)).toBe(before);

    // The same user from another address gets through.
    const accepted = await gqlFrom(
      '198.51.100.3',
      ACCEPT,
      { token: invitation.token },
      newcomer.token,
    );
    expect(accepted.errors).toBeUndefined();
  });

  it('limits invitations per team to 100 an hour; other teams are unaffected', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    const member = await addMember(app, team, 'MEMBER', await insertUser(app));
    const ip = '198.51.100.4';
    // Denied callers do not spend the team's budget.
    for (let i = 0; i < 5; i += 1) {
      const denied = await gqlFrom(
        ip,
        `mutation ($t: ID!, $e: String!) { inviteMember(teamId: $t, email: $e) { token } }`,
        { t: team.id, e: freshEmail() },
        member.token,
      );
      expect(code(denied)).toBe('FORBIDDEN');
    }
    // Ten aliased invitations per document: each alias counts on its own.
    const batch = (n: number) =>
      `mutation ($t: ID!) { ${Array.from(
        { length: n },
        (_, i) => `a${i}: inviteMember(teamId: $t, email: "${freshEmail(`batch${i}`)}") { token }`,
      ).join(' ')} }`;
    for (let round = 0; round < 10; round += 1) {
      const response = await gqlFrom(ip, batch(10), { t: team.id }, owner.token);
      expect(response.errors).toBeUndefined();
    }
    const [{ n }] = await app.sql<{ n: string }>(
      `SELECT count(*) AS n FROM invitations WHERE team_id = $1`,
      [team.id],
    );
    expect(Number(n)).toBe(100);

    const before = await dataFingerprint(app);
    const seq = await lastActivitySeq(app, team.id);
    expectRateLimited(await gqlFrom(ip, batch(1), { t: team.id }, owner.token), 60 * 60);
    const [first] = await app.sql<{ id: string }>(
      `SELECT id FROM invitations WHERE team_id = $1 LIMIT 1`,
      [team.id],
    );
    expectRateLimited(
      await gqlFrom(
        ip,
        `mutation ($id: ID!) { resendInvitation(id: $id) { token } }`,
        { id: first.id },
        owner.token,
      ),
      60 * 60,
    );
    expect(await dataFingerprint(app)).toBe(before);
    await expectNoActivitySince(app, team.id, seq);

    const otherTeam = await buildTeam(app, owner, 'Other');
    const elsewhere = await gqlFrom(ip, batch(1), { t: otherTeam.id }, owner.token);
    expect(elsewhere.errors).toBeUndefined();
  });
});
