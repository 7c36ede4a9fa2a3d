import fc from 'fast-check';
import { buildTeam } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD } from './factories/user.factory';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { startTestApp, errorCode, type GraphqlResponse, type TestApp } from './support/test-app';

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id email } } }`;
const LOG_IN = `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { user { id } } }`;
const RESET = `mutation ($e: String!) { requestPasswordReset(email: $e) }`;
const INVITE = `mutation ($t: ID!, $e: String!) { inviteMember(teamId: $t, email: $e) { invitation { email } } }`;
const CHANGE = `mutation ($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }`;

/** Invisible, format and bidi-control characters, and other default-ignorables. */
const INVISIBLES = [
  '\u200b',
  '\u200d',
  '\u2060',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\u00ad',
  '\u180e',
  '\u034f',
];

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

const signUp = (email: string) =>
  app.gql<{ signUp: { token: string; user: { id: string; email: string } } }>(SIGN_UP, {
    input: { email, password: STRONG_PASSWORD, displayName: 'Spelling' },
  });

function expectBadEmail(response: GraphqlResponse, field = 'email'): void {
  expect(errorCode(response)).toBe('BAD_USER_INPUT');
  expect(response.errors![0].extensions!.field).toBe(field);
}

const userCount = async () =>
  (await app.sql<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0].n;

/** A unique ASCII local part, so runs never meet each other's accounts. */
let serial = 0;
const localPart = () => `ada${Date.now().toString(36)}${(serial += 1)}`;

describe('one address, one spelling', () => {
  it.each(INVISIBLES.map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase()}`, c]))(
    'refuses an address holding %s wherever a client sends one, and stores nothing',
    async (_name, invisible) => {
      const owner = await buildUser(app);
      const team = await buildTeam(app, owner);
      const crafted = `ada${invisible}-${localPart()}@example.com`;
      const users = await userCount();
      expectBadEmail(await signUp(crafted));
      expect(await userCount()).toBe(users);
      expectBadEmail(await app.gql(LOG_IN, { e: crafted, p: STRONG_PASSWORD }));
      expectBadEmail(await app.gql(RESET, { e: crafted }));
      expectBadEmail(await app.gql(INVITE, { t: team.id, e: crafted }, owner.token));
      expectBadEmail(
        await app.gql(CHANGE, { e: crafted, p: STRONG_PASSWORD }, owner.token),
        'newEmail',
      );
      const [invites] = await app.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM invitations WHERE team_id = $1`,
        [team.id],
      );
      expect(invites.n).toBe(0);
    },
  );

  it('a full-width spelling is the same account: sign-up is CONFLICT and log-in finds it', async () => {
    const local = localPart();
    const created = await signUp(`${local}@example.com`);
    const id = created.data!.signUp.user.id;
    const fullWidth = [...`${local}@example.com`]
      .map((c) => (c >= '!' && c <= '~' ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c))
      .join('');
    expect(errorCode(await signUp(fullWidth))).toBe('CONFLICT');
    const logIn = await app.gql<{ logIn: { user: { id: string } } }>(LOG_IN, {
      e: fullWidth,
      p: STRONG_PASSWORD,
    });
    expect(logIn.data?.logIn.user.id).toBe(id);
  });

  it('stores an internationalised domain in its punycode form', async () => {
    const local = localPart();
    const created = await signUp(`  ${local.toUpperCase()}@BÜCHER.example `);
    expect(created.data?.signUp.user.email).toBe(`${local}@xn--bcher-kva.example`);
    expect(errorCode(await signUp(`${local}@xn--bcher-kva.example`))).toBe('CONFLICT');
  });

  it('matches invitations in the canonical form: a second spelling of an invited address is CONFLICT', async () => {
    const owner = await buildUser(app);
    const team = await buildTeam(app, owner);
    const local = localPart();
    const invited = await app.gql<{ inviteMember: { invitation: { email: string } } }>(
      INVITE,
      { t: team.id, e: `${local.toUpperCase()}@Example.COM` },
      owner.token,
    );
    expect(invited.data?.inviteMember.invitation.email).toBe(`${local}@example.com`);
    const fullWidthAt = `${local}\uff20example.com`;
    expect(errorCode(await app.gql(INVITE, { t: team.id, e: fullWidthAt }, owner.token))).toBe(
      'CONFLICT',
    );
  });

  it('generated spellings of one address all reach the one account', async () => {
    const local = localPart();
    const canonical = `${local}@example.com`;
    const id = (await signUp(canonical)).data!.signUp.user.id;
    const spellingOf = (text: string) =>
      fc
        .array(fc.constantFrom<'plain' | 'upper' | 'fullWidth'>('plain', 'upper', 'fullWidth'), {
          minLength: text.length,
          maxLength: text.length,
        })
        .map((ways) =>
          [...text]
            .map((c, i) =>
              ways[i] === 'upper'
                ? c.toUpperCase()
                : ways[i] === 'fullWidth' && c >= '!' && c <= '~'
                  ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0)
                  : c,
            )
            .join(''),
        );
    const padding = fc.constantFrom('', ' ', '\u3000');
    await fc.assert(
      fc.asyncProperty(spellingOf(canonical), padding, padding, async (spelled, before, after) => {
        const typed = `${before}${spelled}${after}`;
        const logIn = await app.gql<{ logIn: { user: { id: string } } }>(LOG_IN, {
          e: typed,
          p: STRONG_PASSWORD,
        });
        expect(logIn.data?.logIn.user.id).toBe(id);
        expect(errorCode(await signUp(typed))).toBe('CONFLICT');
      }),
      { numRuns: fuzzRuns(8), ...fuzzSeed() },
    );
  });
});
