import { randomBytes } from 'node:crypto';
import { postGraphql } from '../bench/lib/graphql';
import { freshEmail, INVITE } from './factories/invitation.factory';
import { buildTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { dataFingerprint } from './support/counts';
import { insertUser } from './support/fast-users';
import { useMailingApp } from './support/mailing-app';
import { RawSocket } from './support/raw-socket';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';
import { servedMetric } from './support/served-metrics';
import { startSmtpInbox, type SmtpInbox } from './support/smtp-inbox';
import {
  readGraphqlResponse,
  startTestApp,
  type GraphqlResponse,
  type TestApp,
} from './support/test-app';
import { TwoInstances } from './support/two-instances';
import { waitUntil } from './support/wait-until';

/**
 * Budgets for what a caller can make the server spend on someone else (SECURITY.md I11):
 * e-mails per recipient address, teams per account, invalid bearer tokens per address and
 * anonymous sockets per address — through the real server, its SMTP inbox and its sockets.
 */

const RESEND = `mutation ($id: ID!) { resendInvitation(id: $id) { token } }`;
const CREATE_TEAM = `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { id } }`;
const MY_SESSIONS = `query { mySessions { id } }`;

const code = (response: GraphqlResponse) => response.errors?.[0]?.extensions?.code;

function expectRateLimited(response: GraphqlResponse, maxSeconds: number): void {
  expect(code(response)).toBe('RATE_LIMITED');
  const retry = response.errors![0].extensions!.retryAfterSeconds as number;
  expect(retry).toBeGreaterThan(0);
  expect(retry).toBeLessThanOrEqual(maxSeconds);
}

/** Posts from a client address of the test's choosing (the server trusts loopback's X-Forwarded-For). */
const gqlFrom = async (
  app: { url: string },
  ip: string,
  query: string,
  token: string,
): Promise<GraphqlResponse> =>
  readGraphqlResponse(
    await postGraphql(app.url, query, undefined, token, { 'x-forwarded-for': ip }),
  );

/** A documentation address of its own: budgets in a shared Redis outlive a run. */
const freshIp = () =>
  `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;

const badToken = () => randomBytes(32).toString('base64url');
const createTeam = (app: TestApp, user: TestUser, name = 'Budgeted team') =>
  app.gql(CREATE_TEAM, { input: { name } }, user.token);
const teamsOf = async (app: TestApp, user: TestUser) =>
  Number(
    (
      await app.sql<{ n: string }>(
        `SELECT count(*) AS n FROM memberships WHERE user_id = $1 AND role = 'OWNER'`,
        [user.id],
      )
    )[0].n,
  );

describe('e-mails per recipient address', () => {
  const suite = useMailingApp({ RATE_LIMITS: 'on', EMAIL_BUDGET_PER_RECIPIENT: '3/1h' });

  it('counts every operation that mails the address; past the budget an invitation is RATE_LIMITED and nothing changes', async () => {
    const { app, inbox } = suite;
    const victim = freshEmail('flooded');
    const mallory = await insertUser(app);
    const team = await buildTeam(app, mallory);
    const invited = await app.gql<{ inviteMember: { invitation: { id: string } } }>(
      INVITE,
      { teamId: team.id, email: victim, role: 'MEMBER' },
      mallory.token,
    );
    const invitationId = invited.data!.inviteMember.invitation.id;
    for (let i = 0; i < 2; i += 1) {
      expect((await app.gql(RESEND, { id: invitationId }, mallory.token)).errors).toBeUndefined();
    }
    await inbox.waitFor(victim, 3);
    const otherTeam = await buildTeam(app, await insertUser(app));

    const before = await dataFingerprint(app);
    const overBudgetBefore = await servedMetric(
      app,
      'teamgraph_emails_total{result="over_budget"}',
    ).catch(() => 0);
    expectRateLimited(await app.gql(RESEND, { id: invitationId }, mallory.token), 3600);
    // Another team's invitation to the same address: the budget is the address's, not the team's.
    expectRateLimited(
      await app.gql(
        INVITE,
        { teamId: otherTeam.id, email: victim, role: 'MEMBER' },
        otherTeam.owner.token,
      ),
      3600,
    );
    expect(await dataFingerprint(app)).toEqual(before);

    // Others are not affected: a new address is invited and mailed at once.
    const bystander = freshEmail('bystander');
    expect(
      (await app.gql(INVITE, { teamId: team.id, email: bystander, role: 'MEMBER' }, mallory.token))
        .errors,
    ).toBeUndefined();
    await inbox.waitFor(bystander, 1);
    expect(inbox.messages.filter((m) => m.to.includes(victim))).toHaveLength(3);
    // Refused before anything was sent: no message was dropped, it was never made.
    expect(
      await servedMetric(app, 'teamgraph_emails_total{result="over_budget"}').catch(() => 0),
    ).toBe(overBudgetBefore);
    expect(
      await servedMetric(app, 'teamgraph_rate_limit_refusals_total{limit="emailsPerRecipient"}'),
    ).toBeGreaterThanOrEqual(2);
  });

  it('keeps password reset’s answer the same over budget: true, no mail, and the link already sent still works', async () => {
    const { app, inbox } = suite;
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    const user = await insertUser(app);
    // The user asks for a reset: one e-mail, one live link.
    const RESET = `mutation ($email: String!) { requestPasswordReset(email: $email) }`;
    expect((await app.gql(RESET, { email: user.email })).data).toEqual({
      requestPasswordReset: true,
    });
    await inbox.waitFor(user.email, 1);
    const [link] = await app.sql<{ token_hash: string }>(
      `SELECT token_hash FROM account_tokens WHERE user_id = $1`,
      [user.id],
    );
    // Someone spends the rest of the address's budget with invitations.
    await app.gql(INVITE, { teamId: team.id, email: user.email, role: 'MEMBER' }, owner.token);
    const invitation = await app.sql<{ id: string }>(
      `SELECT id FROM invitations WHERE email = $1`,
      [user.email],
    );
    await app.gql(RESEND, { id: invitation[0].id }, owner.token);
    await inbox.waitFor(user.email, 3);

    const over = await servedMetric(app, 'teamgraph_emails_total{result="over_budget"}').catch(
      () => 0,
    );
    expect((await app.gql(RESET, { email: user.email })).data).toEqual({
      requestPasswordReset: true,
    });
    // The reset runs after the answer: wait for its refusal to be counted.
    await waitUntil(
      async () =>
        (await servedMetric(app, 'teamgraph_emails_total{result="over_budget"}').catch(() => 0)) >
        over,
      'the reset e-mail to be refused by the address budget',
    );
    expect(inbox.messages.filter((m) => m.to.includes(user.email))).toHaveLength(3);
    // No new link replaced the one in the inbox.
    expect(
      await app.sql(`SELECT token_hash FROM account_tokens WHERE user_id = $1`, [user.id]),
    ).toEqual([link]);
  });

  it('sends security notices past the budget (charged, never dropped)', async () => {
    const { app, inbox } = suite;
    const user = await buildUser(app); // sign-up's verification e-mail: 1 of 3
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    await app.gql(INVITE, { teamId: team.id, email: user.email, role: 'MEMBER' }, owner.token);
    const [invitation] = await app.sql<{ id: string }>(
      `SELECT id FROM invitations WHERE email = $1`,
      [user.email],
    );
    await app.gql(RESEND, { id: invitation.id }, owner.token);
    await inbox.waitFor(user.email, 3);
    expectRateLimited(await app.gql(RESEND, { id: invitation.id }, owner.token), 3600);

    // The owner moves the account: the link goes to the new address, the notice to the old one.
    const newEmail = freshEmail('moved');
    const moved = await app.gql(
      `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`,
      { e: newEmail, p: user.password },
      user.token,
    );
    expect(moved.errors).toBeUndefined();
    await inbox.waitFor(newEmail, 1);
    const mails = await inbox.waitFor(user.email, 4);
    expect(mails[3].decoded).toContain('is being changed');
  });
});

describe('teams per account', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMITS: 'on', TEAM_BUDGET_PER_ACCOUNT: '2/1d' });
  });
  afterAll(() => app.stop());

  it('refuses the third team of the day with RATE_LIMITED and creates nothing; others still create', async () => {
    const user = await insertUser(app);
    expect((await createTeam(app, user)).errors).toBeUndefined();
    expect((await createTeam(app, user)).errors).toBeUndefined();
    const before = await dataFingerprint(app);
    expectRateLimited(await createTeam(app, user), 24 * 3600);
    expect(await dataFingerprint(app)).toEqual(before);
    expect(await teamsOf(app, user)).toBe(2);
    // A refused name costs nothing, and another account has its own budget.
    const other = await insertUser(app);
    expect(code(await createTeam(app, other, ''))).toBe('BAD_USER_INPUT');
    expect((await createTeam(app, other)).errors).toBeUndefined();
    expect((await createTeam(app, other)).errors).toBeUndefined();
  });
});

describe('invalid bearer tokens per address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMITS: 'on', INVALID_TOKEN_BUDGET_PER_IP: '3/1h' });
  });
  afterAll(() => app.stop());

  it('answers UNAUTHENTICATED within the budget, then 429 RATE_LIMITED before any session read, even for a valid token', async () => {
    const ip = '203.0.113.7';
    const user = await insertUser(app);
    for (let i = 0; i < 3; i += 1) {
      expect(code(await gqlFrom(app, ip, MY_SESSIONS, badToken()))).toBe('UNAUTHENTICATED');
    }
    const refused = await gqlFrom(app, ip, MY_SESSIONS, badToken());
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expectRateLimited(refused, 3600);
    // Not read: the session cannot be told from a guess, so a valid token waits too.
    const [usedBefore] = await app.sql<{ last_used_at: Date }>(
      `SELECT last_used_at FROM sessions WHERE user_id = $1`,
      [user.id],
    );
    await app.sql(
      `UPDATE sessions SET last_used_at = now() - interval '1 hour' WHERE user_id = $1`,
      [user.id],
    );
    expectRateLimited(await gqlFrom(app, ip, MY_SESSIONS, user.token), 3600);
    const [usedAfter] = await app.sql<{ last_used_at: Date }>(
      `SELECT last_used_at FROM sessions WHERE user_id = $1`,
      [user.id],
    );
    expect(usedAfter.last_used_at.getTime()).toBeLessThan(usedBefore.last_used_at.getTime());
    // The same socket handshake from that address is refused too (1008), before the read.
    const socket = await RawSocket.open(app.wsUrl, {
      init: false,
      headers: { 'x-forwarded-for': ip },
    });
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } });
    expect(await socket.closed).toEqual({ code: 1008, reason: 'Too many invalid tokens' });
    // Another address is not affected.
    const fine = await gqlFrom(app, '203.0.113.8', MY_SESSIONS, user.token);
    expect(fine.errors).toBeUndefined();
    expect(
      await servedMetric(app, 'teamgraph_rate_limit_refusals_total{limit="invalidTokensPerIp"}'),
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('anonymous sockets per address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMITS: 'on', WS_MAX_ANONYMOUS_PER_IP: '2' });
  });
  afterAll(() => app.stop());

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  it('holds two sockets without a session per address, closes the third with 1008, and frees the slot on close or sign-in', async () => {
    const ip = '198.51.100.20';
    const user = await insertUser(app);
    const sockets: RawSocket[] = [];
    try {
      // Signed-in sockets give their slot back: three of them fit.
      for (let i = 0; i < 3; i += 1) {
        sockets.push(await RawSocket.open(app.wsUrl, { token: user.token, ...from(ip) }));
      }
      const first = await RawSocket.open(app.wsUrl, { ...from(ip) }); // anonymous, signed on
      const second = await RawSocket.open(app.wsUrl, { init: false, ...from(ip) }); // no init yet
      sockets.push(first, second);
      const third = await RawSocket.open(app.wsUrl, { init: false, ...from(ip) });
      expect(await third.closed).toEqual({ code: 1008, reason: 'Too many anonymous connections' });
      // Another address has its own slots.
      sockets.push(await RawSocket.open(app.wsUrl, { ...from('198.51.100.21') }));
      // Closing one frees its slot once the server has seen the close.
      const open = await servedMetric(app, 'teamgraph_ws_open_sockets');
      await first.close();
      await waitUntil(
        async () => (await servedMetric(app, 'teamgraph_ws_open_sockets')) < open,
        'the server to see the socket close',
      );
      sockets.push(await RawSocket.open(app.wsUrl, { ...from(ip) }));
      expect(
        await servedMetric(app, 'teamgraph_rate_limit_refusals_total{limit="wsAnonymousPerIp"}'),
      ).toBe(1);
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
    }
  });
});

describe('windows: each budget frees up when its window ends', () => {
  let inbox: SmtpInbox;
  let app: TestApp;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    app = await startTestApp({
      RATE_LIMITS: 'on',
      SMTP_URL: inbox.url,
      EMAIL_BUDGET_PER_RECIPIENT: '1/2s',
      TEAM_BUDGET_PER_ACCOUNT: '1/2s',
      INVALID_TOKEN_BUDGET_PER_IP: '1/2s',
    });
  });
  afterAll(async () => {
    await app.stop();
    await inbox.close();
  });

  it('refuses at once, then grants again after the window', async () => {
    const user = await insertUser(app);
    const team = await buildTeam(app, user);
    expectRateLimited(await createTeam(app, user), 2);
    const victim = freshEmail('windowed');
    const invited = await app.gql<{ inviteMember: { invitation: { id: string } } }>(
      INVITE,
      { teamId: team.id, email: victim, role: 'MEMBER' },
      user.token,
    );
    const invitationId = invited.data!.inviteMember.invitation.id;
    expectRateLimited(await app.gql(RESEND, { id: invitationId }, user.token), 2);
    const ip = '192.0.2.44';
    expect(code(await gqlFrom(app, ip, MY_SESSIONS, badToken()))).toBe('UNAUTHENTICATED');
    expectRateLimited(await gqlFrom(app, ip, MY_SESSIONS, user.token), 2);

    await waitUntil(
      async () => !(await createTeam(app, user)).errors,
      'the team budget to free up',
    );
    await waitUntil(
      async () => !(await app.gql(RESEND, { id: invitationId }, user.token)).errors,
      'the address budget to free up',
    );
    await inbox.waitFor(victim, 2);
    await waitUntil(
      async () => !(await gqlFrom(app, ip, MY_SESSIONS, user.token)).errors,
      'the invalid-token budget to free up',
    );
  });
});

describeWithRedis('spend-budgets.test.ts', 'two instances sharing Redis', () => {
  let inbox: SmtpInbox;
  let two: TwoInstances;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    two = await TwoInstances.start({
      REDIS_URL: requiredRedisUrl(),
      RATE_LIMITS: 'on',
      SMTP_URL: inbox.url,
      EMAIL_BUDGET_PER_RECIPIENT: '2/1h',
      TEAM_BUDGET_PER_ACCOUNT: '2/1d',
      INVALID_TOKEN_BUDGET_PER_IP: '2/1h',
    });
  }, 60_000);
  afterAll(async () => {
    await two?.stop();
    await inbox?.close();
  });

  it('shares each budget: what one instance granted, the other does not grant again', async () => {
    const { a, b } = two;
    const user = await insertUser(a);
    // Teams: one on each instance, the third on either is refused.
    expect((await createTeam(a, user)).errors).toBeUndefined();
    expect((await createTeam(b, user)).errors).toBeUndefined();
    expectRateLimited(await createTeam(a, user), 24 * 3600);
    expectRateLimited(await createTeam(b, user), 24 * 3600);
    expect(await teamsOf(a, user)).toBe(2);

    // E-mails: invited on one, resent on the other, refused on both.
    const [team] = await a.sql<{ team_id: string }>(
      `SELECT team_id FROM memberships WHERE user_id = $1 LIMIT 1`,
      [user.id],
    );
    const victim = freshEmail('shared');
    const invited = await a.gql<{ inviteMember: { invitation: { id: string } } }>(
      INVITE,
      { teamId: team.team_id, email: victim, role: 'MEMBER' },
      user.token,
    );
    const invitationId = invited.data!.inviteMember.invitation.id;
    expect((await b.gql(RESEND, { id: invitationId }, user.token)).errors).toBeUndefined();
    await inbox.waitFor(victim, 2);
    expectRateLimited(await a.gql(RESEND, { id: invitationId }, user.token), 3600);
    expectRateLimited(await b.gql(RESEND, { id: invitationId }, user.token), 3600);
    expect(inbox.messages.filter((m) => m.to.includes(victim))).toHaveLength(2);

    // Invalid tokens: spent on A; B lets one more through (its own penalty tells it), then refuses.
    const ip = freshIp();
    for (let i = 0; i < 2; i += 1) {
      expect(code(await gqlFrom(a, ip, MY_SESSIONS, badToken()))).toBe('UNAUTHENTICATED');
    }
    expectRateLimited(await gqlFrom(a, ip, MY_SESSIONS, user.token), 3600);
    expect(code(await gqlFrom(b, ip, MY_SESSIONS, badToken()))).toBe('UNAUTHENTICATED');
    expectRateLimited(await gqlFrom(b, ip, MY_SESSIONS, user.token), 3600);
    expect((await gqlFrom(b, freshIp(), MY_SESSIONS, user.token)).errors).toBeUndefined();
  });
});
