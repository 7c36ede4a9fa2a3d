import { randomBytes } from 'node:crypto';
import { buildInvitation, freshEmail } from './factories/invitation.factory';
import { buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { restoreTeam } from '../src/backup/restore-team';
import { expectActivity } from './support/activity-assertions';
import { backupService, databaseUrlOf, tempBackupDir, testKey } from './support/backup-fixtures';
import { waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { errorCode } from './support/test-app';
import { enableTwoFactor } from './support/two-factor';

const DELETE = `mutation ($p: String!, $c: String) { deleteAccount(password: $p, code: $c) }`;
const VERIFY = `query ($teamId: ID!) { verifyActivityLog(teamId: $teamId) { intact checkedCount firstBrokenSeq } }`;
const ACCEPT = `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`;

const suite = useMailingApp();

async function ok<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<T> {
  const response = await suite.app.gql<T>(query, variables, token);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

interface LogCheck {
  intact: boolean;
  checkedCount: number;
  firstBrokenSeq: number | null;
}

/** The team's activity log, checked through the API as `token` sees it. */
const checkedLog = async (teamId: string, token: string): Promise<LogCheck> =>
  (await ok<{ verifyActivityLog: LogCheck }>(VERIFY, { teamId }, token)).verifyActivityLog;

/** Every row of every table whose text, JSON or array columns contain one of `needles`. */
async function rowsMentioning(needles: string[]): Promise<string[]> {
  const columns = await suite.app.sql<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public'
        AND (data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED'))`,
  );
  expect(columns.length).toBeGreaterThan(10);
  const found: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    for (const needle of needles) {
      const [row] = await suite.app.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table}" WHERE "${column}"::text ILIKE '%' || $1 || '%'`,
        [needle],
      );
      if (row.n > 0) found.push(`${table}.${column} ~ ${needle}`);
    }
  }
  return found;
}

async function invitedMember(team: TestTeam, user: TestUser, role: 'ADMIN' | 'MEMBER') {
  const invitation = await buildInvitation(suite.app, team, { email: user.email, role });
  await ok(ACCEPT, { token: invitation.token }, user.token);
}

describe('account deletion', () => {
  it('is refused while the user owns a team, naming the teams, and changes nothing', async () => {
    const user = await buildUser(suite.app);
    await buildTeam(suite.app, user, 'Orchard Co-op');
    await buildTeam(suite.app, user, 'Beekeepers');
    const refused = await suite.app.gql(DELETE, { p: STRONG_PASSWORD }, user.token);
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(refused.errors![0].message).toContain('"Beekeepers", "Orchard Co-op"');
    expect(refused.errors![0].extensions!.teams).toEqual([
      expect.objectContaining({ name: 'Beekeepers' }),
      expect.objectContaining({ name: 'Orchard Co-op' }),
    ]);
    expect((await suite.app.gql(`{ me { email } }`, {}, user.token)).data).toEqual({
      me: { email: user.email },
    });
  });

  it('needs the password, and the second factor when it is on', async () => {
    const user = await buildUser(suite.app);
    const { recoveryCodes } = await enableTwoFactor(suite.app, user);
    const wrong = await suite.app.gql(DELETE, { p: 'Wrong-Password-1!' }, user.token);
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(errorCode(await suite.app.gql(DELETE, { p: STRONG_PASSWORD }, user.token))).toBe(
      'TWO_FACTOR_REQUIRED',
    );
    expect(
      errorCode(await suite.app.gql(DELETE, { p: STRONG_PASSWORD, c: '000000' }, user.token)),
    ).toBe('BAD_USER_INPUT');
    const done = await suite.app.gql(
      DELETE,
      { p: STRONG_PASSWORD, c: recoveryCodes[0] },
      user.token,
    );
    expect(done.data).toEqual({ deleteAccount: true });
  });

  it('ends memberships (MEMBER_LEFT each), sessions and invitations to and from the user, erases name and e-mail from every table, and keeps every chain intact', async () => {
    const tag = randomBytes(4).toString('hex');
    const firstName = `Zephyrine Quill ${tag}`;
    const laterName = `Zeph Q ${tag}`;
    const person = await buildUser(suite.app, {
      displayName: firstName,
      email: `zq-${tag}@example.com`,
    });
    const owner = await buildUser(suite.app);
    const research = await buildTeam(suite.app, owner, 'Research');
    const design = await buildTeam(suite.app, owner, 'Design');
    const elsewhere = await buildTeam(suite.app, owner, 'Elsewhere');
    await invitedMember(research, person, 'ADMIN');
    await invitedMember(design, person, 'MEMBER');
    // Activity that names them: their own actions, an owner's action on them, a rename.
    await ok(
      `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Field notes" }) { id } }`,
      { t: research.id },
      person.token,
    );
    await ok(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: MEMBER) { role } }`,
      { t: research.id, u: person.id },
      owner.token,
    );
    await ok(
      `mutation ($n: String!) { updateProfile(input: { displayName: $n }) { id } }`,
      { n: laterName },
      person.token,
    );
    await ok(
      `mutation ($t: ID!, $u: ID!) { changeMemberRole(teamId: $t, userId: $u, role: ADMIN) { role } }`,
      { t: research.id, u: person.id },
      owner.token,
    );
    const fromThem = await buildInvitation(suite.app, research, {
      inviter: person,
      email: freshEmail(),
    });
    const toThem = await buildInvitation(suite.app, elsewhere, { email: person.email });
    const { recoveryCodes } = await enableTwoFactor(suite.app, person);
    await suite.app.gql(`mutation ($e: String!) { requestPasswordReset(email: $e) }`, {
      e: person.email,
    });
    expect(await rowsMentioning([firstName, laterName, person.email])).not.toEqual([]);

    // A wrong code changes nothing.
    const refused = await suite.app.gql(DELETE, { p: STRONG_PASSWORD, c: '000000' }, person.token);
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(
      await suite.app.sql(`SELECT * FROM memberships WHERE user_id = $1`, [person.id]),
    ).toHaveLength(2);

    const done = await suite.app.gql(
      DELETE,
      { p: STRONG_PASSWORD, c: recoveryCodes[0] },
      person.token,
    );
    expect(done.data).toEqual({ deleteAccount: true });

    // Memberships end, each recorded as MEMBER_LEFT by the (now deleted) user.
    await expectActivity(suite.app, design.id, {
      action: 'MEMBER_LEFT',
      actorId: person.id,
      subjectId: person.id,
      details: { role: 'MEMBER', accountDeleted: true },
    });
    await expectActivity(suite.app, research.id, {
      action: 'MEMBER_LEFT',
      actorId: person.id,
      details: { role: 'ADMIN', accountDeleted: true },
    });
    const statuses = await suite.app.sql<{ id: string; status: string }>(
      `SELECT id, status FROM invitations WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [[fromThem.id, toThem.id]],
    );
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
      [fromThem.id]: 'REVOKED',
      [toThem.id]: 'DECLINED',
    });
    expect(
      await suite.app.sql(`SELECT * FROM memberships WHERE user_id = $1`, [person.id]),
    ).toEqual([]);
    expect(await suite.app.sql(`SELECT * FROM sessions WHERE user_id = $1`, [person.id])).toEqual(
      [],
    );
    expect(errorCode(await suite.app.gql(`{ mySessions { id } }`, {}, person.token))).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      errorCode(
        await suite.app.gql(
          `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }`,
          {
            e: person.email,
            p: STRONG_PASSWORD,
          },
        ),
      ),
    ).toBe('UNAUTHENTICATED');

    // Erased from every text, JSON and array column of every table.
    expect(await rowsMentioning([firstName, laterName, person.email, `zq-${tag}`])).toEqual([]);

    // Past activity stays attributable to "a deleted user"; every chain still verifies.
    const feed = await ok<{
      team: {
        activity: {
          edges: { node: { summary: string; actor: { id: string; displayName: string } | null } }[];
        };
      };
    }>(
      `query ($id: ID!) { team(id: $id) { activity(first: 50) { edges { node { summary actor { id displayName } } } } } }`,
      { id: research.id },
      owner.token,
    );
    const theirs = feed.team.activity.edges.filter((e) => e.node.actor?.id === person.id);
    expect(theirs.length).toBeGreaterThanOrEqual(3);
    for (const edge of theirs) expect(edge.node.actor!.displayName).toBe('a deleted user');
    expect(feed.team.activity.edges.map((e) => e.node.summary)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`changed a deleted user's role`),
        expect.stringMatching(/^a deleted user created/),
      ]),
    );
    for (const team of [research, design, elsewhere]) {
      expect((await checkedLog(team.id, owner.token)).intact).toBe(true);
    }
    await waitForMail(suite.inbox, person.email, 'Your teamgraph account was deleted');
  });

  it('still detects tampering after an erasure: an edited summary or actor breaks the chain', async () => {
    const person = await buildUser(suite.app);
    const owner = await buildUser(suite.app);
    const team = await buildTeam(suite.app, owner, 'Tamper');
    await invitedMember(team, person, 'MEMBER');
    expect(
      (await suite.app.gql(DELETE, { p: STRONG_PASSWORD }, person.token)).errors,
    ).toBeUndefined();
    expect((await checkedLog(team.id, owner.token)).intact).toBe(true);

    // The owner's own row (seq 1, not erased) still has its summary sealed.
    await suite.app.sql(
      `UPDATE activities SET summary = summary || '!' WHERE team_id = $1 AND seq = 1`,
      [team.id],
    );
    expect((await checkedLog(team.id, owner.token)).firstBrokenSeq).toBe(1);
    await suite.app.sql(
      `UPDATE activities SET summary = left(summary, -1) WHERE team_id = $1 AND seq = 1`,
      [team.id],
    );
    // An erased row's ids and action are sealed as before.
    const [erased] = await suite.app.sql<{ seq: number }>(
      `SELECT seq FROM activities WHERE team_id = $1 AND summary_salt IS NULL ORDER BY seq LIMIT 1`,
      [team.id],
    );
    await suite.app.sql(`UPDATE activities SET actor_id = $2 WHERE team_id = $1 AND seq = $3`, [
      team.id,
      owner.id,
      erased.seq,
    ]);
    expect((await checkedLog(team.id, owner.token)).firstBrokenSeq).toBe(erased.seq);
  });

  it('stays erased when a team is restored from a backup taken before the deletion', async () => {
    const storage = tempBackupDir();
    try {
      const tag = randomBytes(4).toString('hex');
      const person = await buildUser(suite.app, { displayName: `Restored Ghost ${tag}` });
      const owner = await buildUser(suite.app);
      const team = await buildTeam(suite.app, owner, 'Archive');
      await invitedMember(team, person, 'MEMBER');
      await ok(
        `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Ledger" }) { id } }`,
        { t: team.id },
        person.token,
      );
      const key = testKey();
      const service = backupService(databaseUrlOf(suite.app), storage.dir, key);
      const manifest = await service.run(['daily']);
      expect(
        (await suite.app.gql(DELETE, { p: STRONG_PASSWORD }, person.token)).errors,
      ).toBeUndefined();
      expect(
        (
          await suite.app.gql(
            `mutation ($id: ID!) { deleteTeam(teamId: $id) }`,
            { id: team.id },
            owner.token,
          )
        ).errors,
      ).toBeUndefined();

      await restoreTeam(await service.get(manifest.id), service.keys, team.id, {
        dataSource: suite.app.app.services.dataSource,
        bus: suite.app.app.services.bus,
      });
      expect(await rowsMentioning([`Restored Ghost ${tag}`, person.email])).toEqual([]);
      expect(
        await suite.app.sql(`SELECT * FROM memberships WHERE user_id = $1`, [person.id]),
      ).toEqual([]);
      expect((await checkedLog(team.id, owner.token)).intact).toBe(true);
    } finally {
      storage.remove();
    }
  });
});
