import { buildInvitation } from './factories/invitation.factory';
import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { emailChangeTokens, resetToken } from './support/account-links';
import { tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { roundTrips } from './support/pg-statements';
import { startTestApp, type TestApp } from './support/test-app';
import { awayFromStepBoundary, BEGIN_SETUP, CONFIRM_SETUP, totpCode } from './support/two-factor';

/**
 * N+1: lists resolve their relations (item authors, activity actors, teams) through the
 * per-request DataLoaders, so the number of SQL statements per page does not depend on the
 * page size. Counted at TypeORM's query logger, which sees every statement the server sends.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

async function countQueries(run: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(app.app.services.dataSource.logger, 'logQuery');
  try {
    await run();
    // The session read depends on whether the session cache still holds the token (its entries
    // live a few seconds, so on a slow machine one of two requests may miss): not what a page's
    // size may change, so it is left out of the comparison.
    return spy.mock.calls.filter(([sql]) => !/\bsessions\b/.test(String(sql))).length;
  } finally {
    spy.mockRestore();
  }
}

const ITEMS = `query ($id: ID!, $first: Int) { team(id: $id) { items(first: $first) {
  totalCount edges { node { id title createdBy { id displayName } updatedBy { id displayName } team { id name } } } } } }`;
const ACTIVITY = `query ($id: ID!, $first: Int) { team(id: $id) { activity(first: $first) {
  edges { node { seq actor { id displayName } team { id name } } } } } }`;

describe('SQL statements per page', () => {
  let teamId: string;
  let reader: TestUser;

  beforeAll(async () => {
    const team = await buildTeam(app);
    const authors = [
      team.owner,
      await addMember(app, team, 'MEMBER'),
      await addMember(app, team, 'ADMIN'),
    ];
    for (let i = 0; i < 50; i++) {
      const author = authors[i % authors.length];
      const created = await app.gql<{ createItem: { id: string } }>(
        `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
        { teamId: team.id, title: `Item ${i}` },
        author.token,
      );
      // Every third item is edited by someone else, so createdBy and updatedBy differ.
      if (i % 3 === 0) {
        await app.gql(
          `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Edited" }) { id } }`,
          { id: created.data!.createItem.id },
          authors[(i + 1) % authors.length].token,
        );
      }
    }
    teamId = team.id;
    reader = team.owner;
    // Warm up: the first request of a session may refresh its last-used time.
    await app.gql(ITEMS, { id: teamId, first: 1 }, reader.token);
  });

  it('a 50-item page with its authors costs the same statements as a 5-item page', async () => {
    const small = await countQueries(async () => {
      const response = await app.gql(ITEMS, { id: teamId, first: 5 }, reader.token);
      expect(response.errors).toBeUndefined();
    });
    let edges = 0;
    const large = await countQueries(async () => {
      const response = await app.gql<{ team: { items: { edges: unknown[] } } }>(
        ITEMS,
        { id: teamId, first: 50 },
        reader.token,
      );
      expect(response.errors).toBeUndefined();
      edges = response.data!.team.items.edges.length;
    });
    expect(edges).toBe(50);
    expect(large).toBe(small);
    // Session, role, team, page, count, authors: a handful, not one per row.
    expect(large).toBeLessThanOrEqual(10);
  });

  it('personal profile fields (checked per author against shared teams) stay batched', async () => {
    const WITH_EMAIL = ITEMS.replace(/createdBy \{ id displayName \}/, 'createdBy { id email }');
    expect(WITH_EMAIL).not.toBe(ITEMS);
    const small = await countQueries(() =>
      app.gql(WITH_EMAIL, { id: teamId, first: 5 }, reader.token),
    );
    let emails: unknown[] = [];
    const large = await countQueries(async () => {
      const response = await app.gql<{
        team: { items: { edges: { node: { createdBy: { email: string | null } } }[] } };
      }>(WITH_EMAIL, { id: teamId, first: 50 }, reader.token);
      emails = response.data!.team.items.edges.map((e) => e.node.createdBy.email);
    });
    expect(emails).toHaveLength(50);
    expect(emails.every((email) => typeof email === 'string')).toBe(true);
    expect(large).toBe(small);
  });

  it('an activity page with actors and teams does not grow with the page size either', async () => {
    const small = await countQueries(() =>
      app.gql(ACTIVITY, { id: teamId, first: 5 }, reader.token),
    );
    const large = await countQueries(async () => {
      const response = await app.gql<{ team: { activity: { edges: unknown[] } } }>(
        ACTIVITY,
        { id: teamId, first: 60 },
        reader.token,
      );
      expect(response.data!.team.activity.edges).toHaveLength(60);
    });
    expect(large).toBe(small);
  });
});

const TEAM_QUERY = `query Team($id: ID!) {
  team(id: $id) {
    name
    members { role user { displayName } }
    items(first: 20) { edges { node { title version createdBy { displayName } } } }
  }
}`;

describe('round trips per operation', () => {
  let team: Awaited<ReturnType<typeof buildTeam>>;
  let member: TestUser;
  let itemId: string;

  beforeAll(async () => {
    team = await buildTeam(app);
    member = await addMember(app, team, 'MEMBER');
    for (let i = 0; i < 5; i++) {
      const created = await app.gql<{ createItem: { id: string } }>(
        `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
        { teamId: team.id, title: `Item ${i}` },
        i % 2 ? member.token : team.owner.token,
      );
      itemId = created.data!.createItem.id;
    }
  });

  /** Repeats the request until this instance serves the session from its cache. */
  async function warmSession(token: string) {
    for (let i = 0; i < 50; i++) {
      const { statements } = await roundTrips(() => app.gql(`{ me { id } }`, {}, token));
      if (statements.length === 0) return;
    }
    throw new Error('the session was never cached');
  }

  it('the authenticated team query: 3 statements in 2 round trips, 3 round trips cold', async () => {
    await warmSession(member.token);
    // Once, so the pool holds a connection for each of the two statements sent at once.
    await app.gql(TEAM_QUERY, { id: team.id }, member.token);
    let answer: unknown;
    const warm = await roundTrips(async () => {
      answer = await app.gql(TEAM_QUERY, { id: team.id }, member.token);
    });
    expect(answer).toMatchObject({ data: { team: { members: expect.any(Array) } } });
    // The role with its team; then members and the item page, each with their users, at once.
    expect(warm.statements).toHaveLength(3);
    expect(warm.roundTrips).toBe(2);

    const logIn = await app.gql<{ logIn: { token: string } }>(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: member.email, p: member.password },
    );
    const cold = await roundTrips(() =>
      app.gql(TEAM_QUERY, { id: team.id }, logIn.data!.logIn.token),
    );
    expect(cold.statements).toHaveLength(4);
    expect(cold.roundTrips).toBeLessThanOrEqual(3);
  });

  it('updateItem: the rule’s read; BEGIN with the lock and re-read; the change with its activity and COMMIT', async () => {
    await warmSession(member.token);
    const { statements, roundTrips: trips } = await roundTrips(async () => {
      const response = await app.gql(
        `mutation ($id: ID!) { updateItem(id: $id, input: { title: "Counted" }) { id version } }`,
        { id: itemId },
        member.token,
      );
      expect(response.errors).toBeUndefined();
    });
    // The result's fields use the role confirmed under the lock: no read after COMMIT.
    expect(statements).toHaveLength(5);
    // BEGIN travels with the lock, COMMIT with the change: the team lock is held for one trip.
    expect(statements[1]).toBe('BEGIN');
    expect(statements[4]).toBe('COMMIT');
    expect(trips).toBe(3);
  });

  it('createItem: the same five in three round trips', async () => {
    await warmSession(member.token);
    const { statements, roundTrips: trips } = await roundTrips(async () => {
      const response = await app.gql(
        `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Counted" }) { id version } }`,
        { t: team.id },
        member.token,
      );
      expect(response.errors).toBeUndefined();
    });
    expect(statements).toHaveLength(5);
    expect(trips).toBe(3);
  });
});

describe('round trips per team mutation: its transaction in two', () => {
  let team: Awaited<ReturnType<typeof buildTeam>>;
  let admin: TestUser;
  let member: TestUser;
  let heir: TestUser;

  beforeAll(async () => {
    team = await buildTeam(app);
    admin = await addMember(app, team, 'ADMIN');
    member = await addMember(app, team, 'MEMBER');
    heir = await addMember(app, team, 'MEMBER');
    // The admin's invitations end when their role narrows: writes of the same second trip.
    await buildInvitation(app, team, { inviter: admin });
    await buildInvitation(app, team, { inviter: admin });
  });

  /** Runs the mutation once the session is cached: what is counted is the mutation's own. */
  async function counted(document: string, variables: Record<string, unknown>, token: string) {
    for (let i = 0; i < 50; i++) {
      const { statements } = await roundTrips(() => app.gql(`{ me { id } }`, {}, token));
      if (statements.length === 0) break;
    }
    let answer: { data?: unknown; errors?: unknown } = {};
    const trips = await roundTrips(async () => {
      answer = await app.gql(document, variables, token);
    });
    expect(answer.errors).toBeUndefined();
    return { ...trips, data: answer.data };
  }

  const activityCount = async () =>
    (
      await app.sql<{ n: number }>(`SELECT count(*)::int AS n FROM activities WHERE team_id = $1`, [
        team.id,
      ])
    )[0].n;

  it('createTeam', async () => {
    const trips = await counted(
      `mutation { createTeam(input: { name: "Counted" }) { id name createdAt } }`,
      {},
      member.token,
    );
    expect(trips.statements[0]).toBe('BEGIN');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('renameTeam', async () => {
    const trips = await counted(
      `mutation ($t: ID!) { renameTeam(teamId: $t, name: "Renamed") { id name } }`,
      { t: team.id },
      admin.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    // The permission rule's read of the caller's role comes first.
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('changeMemberRole, revoking the invitations the new role cannot send', async () => {
    const before = await activityCount();
    const trips = await counted(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: MEMBER) { role } }`,
      { t: team.id, u: admin.id },
      team.owner.token,
    );
    expect(trips.data).toEqual({ changeMemberRole: { role: 'MEMBER' } });
    // The role change and both revocations, each with its activity row.
    expect(await activityCount()).toBe(before + 3);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('removeMember', async () => {
    const trips = await counted(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: member.id },
      team.owner.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('leaveTeam', async () => {
    const trips = await counted(
      `mutation ($t: ID!) { leaveTeam(teamId: $t) }`,
      { t: team.id },
      admin.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('transferOwnership', async () => {
    const trips = await counted(
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      { t: team.id, u: heir.id },
      team.owner.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
  });

  it('deleteTeam', async () => {
    const trips = await counted(
      `mutation ($t: ID!) { deleteTeam(teamId: $t) }`,
      { t: team.id },
      heir.token,
    );
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBeLessThanOrEqual(3);
    expect(await activityCount()).toBe(0);
  });
});

describe('round trips per account-security mutation: its transaction in two', () => {
  const suite = useMailingApp();
  const VERIFICATION_SUBJECT = 'Confirm your e-mail address for teamgraph';
  const ENABLED_SUBJECT = 'Two-factor sign-in was turned on';

  /**
   * Runs the mutation (once the session, if any, is cached: what is counted is the mutation's
   * own) and counts its round trips; `settled` waits for what the mutation does after its
   * answer (a reset link is issued and mailed once the answer has gone).
   */
  async function counted(
    document: string,
    variables: Record<string, unknown>,
    token?: string,
    settled?: () => Promise<unknown>,
  ) {
    for (let i = 0; token && i < 50; i++) {
      const { statements } = await roundTrips(() => suite.app.gql(`{ me { id } }`, {}, token));
      if (statements.length === 0) break;
    }
    let answer: { data?: unknown; errors?: unknown } = {};
    const trips = await roundTrips(async () => {
      answer = await suite.app.gql(document, variables, token);
      await settled?.();
    });
    expect(answer.errors).toBeUndefined();
    return { ...trips, data: answer.data };
  }

  /** The account's security state as stored. */
  async function stored(user: Pick<TestUser, 'id'>) {
    const [row] = await suite.app.sql<{
      email: string;
      verified: boolean;
      pending: boolean;
      enabled: boolean;
      codes: number;
      unused_codes: number;
      live_sessions: number;
      links: string[];
      password_hash: string;
    }>(
      `SELECT u.email, u.email_verified_at IS NOT NULL AS verified,
              u.two_factor_pending_secret IS NOT NULL AS pending,
              u.two_factor_enabled_at IS NOT NULL AS enabled, u.password_hash,
              (SELECT count(*)::int FROM recovery_codes r WHERE r.user_id = u.id) AS codes,
              (SELECT count(*)::int FROM recovery_codes r
                WHERE r.user_id = u.id AND r.used_at IS NULL) AS unused_codes,
              (SELECT count(*)::int FROM sessions s
                WHERE s.user_id = u.id AND s.revoked_at IS NULL) AS live_sessions,
              ARRAY(SELECT t.purpose FROM account_tokens t
                     WHERE t.user_id = u.id AND t.used_at IS NULL ORDER BY t.purpose) AS links
         FROM users u WHERE u.id = $1`,
      [user.id],
    );
    return row;
  }

  /** A second session of the user, which a credential change ends. */
  async function secondSession(user: TestUser): Promise<void> {
    const response = await suite.app.gql(
      `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
      { e: user.email, p: user.password },
    );
    expect(response.errors).toBeUndefined();
  }

  /** Two-factor on through the API; its secret and recovery codes. */
  async function enrolled(user: TestUser) {
    const begun = await suite.app.gql<{ beginTwoFactorSetup: { secret: string } }>(
      BEGIN_SETUP,
      {},
      user.token,
    );
    const secret = begun.data!.beginTwoFactorSetup.secret;
    await awayFromStepBoundary();
    const confirmed = await suite.app.gql<{ confirmTwoFactorSetup: string[] }>(
      CONFIRM_SETUP,
      { code: await totpCode(secret) },
      user.token,
    );
    return { secret, recoveryCodes: confirmed.data!.confirmTwoFactorSetup };
  }

  it('beginTwoFactorSetup', async () => {
    const user = await buildUser(suite.app);
    const trips = await counted(BEGIN_SETUP, {}, user.token);
    expect((await stored(user)).pending).toBe(true);
    expect(trips.statements[0]).toBe('BEGIN');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('confirmTwoFactorSetup, with an undo link to an earlier address', async () => {
    const user = await buildUser(suite.app);
    // An earlier address that can still revert an e-mail change gets an undo link too.
    await emailChangeTokens(suite, user, `moved-${user.email}`, user.token);
    const begun = await suite.app.gql<{ beginTwoFactorSetup: { secret: string } }>(
      BEGIN_SETUP,
      {},
      user.token,
    );
    const secret = begun.data!.beginTwoFactorSetup.secret;
    await awayFromStepBoundary();
    const trips = await counted(CONFIRM_SETUP, { code: await totpCode(secret) }, user.token);
    expect(trips.data).toEqual({ confirmTwoFactorSetup: expect.any(Array) });
    expect(await stored(user)).toMatchObject({ enabled: true, pending: false, codes: 10 });
    expect((await stored(user)).links).toContain('TWO_FACTOR_REVERT');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('regenerateRecoveryCodes: the code is spent before the transaction, as before', async () => {
    const user = await buildUser(suite.app);
    const { recoveryCodes } = await enrolled(user);
    const trips = await counted(
      `mutation ($c: String!) { regenerateRecoveryCodes(code: $c) }`,
      { c: recoveryCodes[0] },
      user.token,
    );
    const fresh = (trips.data as { regenerateRecoveryCodes: string[] }).regenerateRecoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[1]);
    expect(await stored(user)).toMatchObject({ codes: 10, unused_codes: 10 });
    expect(trips.transactionRoundTrips).toBe(2);
    // The account read, then the code's secret read and its spending, each on its own.
    expect(trips.roundTrips).toBe(5);
  });

  it('disableTwoFactor, the code spent with the reads under the lock', async () => {
    const user = await buildUser(suite.app);
    const { recoveryCodes } = await enrolled(user);
    const trips = await counted(
      `mutation ($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }`,
      { p: user.password, c: recoveryCodes[0] },
      user.token,
    );
    expect(trips.data).toEqual({ disableTwoFactor: true });
    expect(await stored(user)).toMatchObject({ enabled: false, codes: 0 });
    expect((await stored(user)).links).not.toContain('TWO_FACTOR_REVERT');
    expect(trips.transactionRoundTrips).toBe(2);
    // The account and the teams requiring two-factor are read before the password is checked.
    expect(trips.roundTrips).toBe(4);
  });

  it('revertTwoFactorSetup', async () => {
    const user = await buildUser(suite.app);
    await secondSession(user);
    await enrolled(user);
    const token = tokenIn(await waitForMail(suite.inbox, user.email, ENABLED_SUBJECT));
    const trips = await counted(`mutation ($t: String!) { revertTwoFactorSetup(token: $t) }`, {
      t: token,
    });
    expect(trips.data).toEqual({ revertTwoFactorSetup: true });
    expect(await stored(user)).toMatchObject({ enabled: false, codes: 0, live_sessions: 0 });
    expect(trips.transactionRoundTrips).toBe(2);
    // The link is found first: whose account to lock.
    expect(trips.roundTrips).toBe(3);
  });

  it('requestPasswordReset: the link issued after the answer, in two', async () => {
    const user = await buildUser(suite.app);
    const before = suite.inbox.messages.length;
    const trips = await counted(
      `mutation ($e: String!) { requestPasswordReset(email: $e) }`,
      { e: user.email },
      undefined,
      () => waitForMail(suite.inbox, user.email, 'Reset your teamgraph password'),
    );
    expect(suite.inbox.messages.length).toBeGreaterThan(before);
    expect((await stored(user)).links).toContain('PASSWORD_RESET');
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('resetPassword, ending every session', async () => {
    const user = await buildUser(suite.app);
    const token = await resetToken(suite, user.email);
    const hashBefore = (await stored(user)).password_hash;
    const trips = await counted(
      `mutation ($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }`,
      { t: token, p: 'Juniper-Falcon-Copper-58&' },
    );
    expect(trips.data).toEqual({ resetPassword: true });
    const after = await stored(user);
    expect(after.password_hash).not.toBe(hashBefore);
    expect(after).toMatchObject({
      live_sessions: 0,
      verified: true,
      links: ['EMAIL_VERIFICATION'],
    });
    expect(trips.transactionRoundTrips).toBe(2);
    // The link and its account are read first: the new password is weighed and hashed then.
    expect(trips.roundTrips).toBe(4);
  });

  it('requestEmailChange', async () => {
    const user = await buildUser(suite.app);
    const trips = await counted(
      `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`,
      { e: `next-${user.email}`, p: user.password },
      user.token,
    );
    expect(trips.data).toEqual({ requestEmailChange: true });
    expect((await stored(user)).links).toEqual(
      expect.arrayContaining(['EMAIL_CHANGE', 'EMAIL_REVERT']),
    );
    expect(trips.transactionRoundTrips).toBe(2);
    // The account is read before its password is checked.
    expect(trips.roundTrips).toBe(3);
  });

  it('confirmEmailChange, keeping the caller’s session', async () => {
    const user = await buildUser(suite.app);
    await secondSession(user);
    const next = `confirmed-${user.email}`;
    const { confirm } = await emailChangeTokens(suite, user, next, user.token);
    const trips = await counted(
      `mutation ($t: String!) { confirmEmailChange(token: $t) { email } }`,
      { t: confirm },
      user.token,
    );
    expect(trips.data).toEqual({ confirmEmailChange: { email: next } });
    expect(await stored(user)).toMatchObject({ email: next, verified: true, live_sessions: 1 });
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(3);
  });

  it('revertEmailChange, restoring the address', async () => {
    const user = await buildUser(suite.app);
    const { confirm, revert } = await emailChangeTokens(
      suite,
      user,
      `reverted-${user.email}`,
      user.token,
    );
    const confirmed = await suite.app.gql(
      `mutation ($t: String!) { confirmEmailChange(token: $t) { email } }`,
      { t: confirm },
    );
    expect(confirmed.errors).toBeUndefined();
    const trips = await counted(`mutation ($t: String!) { revertEmailChange(token: $t) }`, {
      t: revert,
    });
    expect(trips.data).toEqual({ revertEmailChange: true });
    expect(await stored(user)).toMatchObject({ email: user.email, live_sessions: 0 });
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(3);
  });

  it('resendVerificationEmail', async () => {
    const user = await buildUser(suite.app);
    const first = tokenIn(await waitForMail(suite.inbox, user.email, VERIFICATION_SUBJECT));
    const trips = await counted(`mutation { resendVerificationEmail }`, {}, user.token);
    expect(trips.data).toEqual({ resendVerificationEmail: true });
    const second = tokenIn(await waitForMail(suite.inbox, user.email, VERIFICATION_SUBJECT, 2));
    expect(second).not.toBe(first);
    expect((await stored(user)).links).toEqual(['EMAIL_VERIFICATION']);
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(2);
  });

  it('verifyEmail', async () => {
    const user = await buildUser(suite.app);
    const token = tokenIn(await waitForMail(suite.inbox, user.email, VERIFICATION_SUBJECT));
    const trips = await counted(`mutation ($t: String!) { verifyEmail(token: $t) }`, { t: token });
    expect(trips.data).toEqual({ verifyEmail: true });
    expect(await stored(user)).toMatchObject({ verified: true, links: [] });
    expect(trips.transactionRoundTrips).toBe(2);
    expect(trips.roundTrips).toBe(3);
  });
});
