import { addMember, buildTeam } from './factories/team.factory';
import { insertUser } from './support/fast-users';
import { dataFingerprint } from './support/counts';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

/** The edge every input passes: ids, strings, JSON content, cursors, and the HTTP transport. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const CREATE_ITEM = `mutation ($t: ID!, $input: CreateItemInput!) { createItem(teamId: $t, input: $input) { id title content } }`;

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) value = { d: value };
  return value;
}

async function refusedUnchanged(
  run: () => Promise<{ errors?: { extensions?: Record<string, unknown> }[]; status: number }>,
  field?: string,
) {
  const before = await dataFingerprint(app);
  const response = await run();
  expect(response.status).toBeLessThan(500);
  expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  if (field) expect(response.errors![0].extensions!.field).toBe(field);
  expect(await dataFingerprint(app)).toBe(before);
}

describe('ids: UUIDs only, one spelling', () => {
  it.each([
    ['nope'],
    [' 6f1c1a52-6f0e-4d4e-9a57-1d2e3f4a5b6c'],
    ['6f1c1a52-6f0e-4d4e-9a57-1d2e3f4a5b6c '],
    ['1'],
  ])(
    'refuses %j as an id argument with BAD_USER_INPUT, before anything looks for it',
    async (id) => {
      const team = await buildTeam(app);
      await refusedUnchanged(
        () =>
          app.gql(
            `mutation ($t: ID!) { renameTeam(teamId: $t, name: "x") { id } }`,
            { t: id },
            team.owner.token,
          ),
        'teamId',
      );
      await refusedUnchanged(
        () => app.gql(`{ item(id: ${JSON.stringify(id)}) { id } }`, {}, team.owner.token),
        'id',
      );
    },
  );

  it('refuses a non-UUID id inside an input object, naming its path', async () => {
    const team = await buildTeam(app);
    const response = await app.gql(
      `query ($t: ID!) { team(id: $t) { activity(filter: { actorId: "nope" }) { totalCount } } }`,
      { t: team.id },
      team.owner.token,
    );
    expect(response.errors![0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'filter.actorId',
    });
  });

  it('accepts a mixed-case UUID as the same id, answered in its canonical lower case', async () => {
    const team = await buildTeam(app);
    const shouted = team.id.toUpperCase();
    const response = await app.gql<{ team: { id: string; myRole: string } }>(
      `query ($t: ID!) { team(id: $t) { id myRole } }`,
      { t: shouted },
      team.owner.token,
    );
    expect(response.data!.team).toEqual({ id: team.id, myRole: 'OWNER' });
  });
});

describe('strings: one policy for every String input', () => {
  const hostile = [
    ['a NUL byte', 'Road\u0000map'],
    ['a lone high surrogate', 'Road\uD800map'],
    ['a lone low surrogate', '\uDC00Roadmap'],
    ['a control character', 'Road\u0007map'],
    ['a line break in a name', 'Road\nmap'],
    ['too long a string', 'x'.repeat(10_001)],
  ];

  it.each(hostile)(
    'refuses %s in a team name, an item title, an e-mail and a token',
    async (_what, text) => {
      const team = await buildTeam(app);
      await refusedUnchanged(
        () =>
          app.gql(
            `mutation ($n: String!) { createTeam(input: { name: $n }) { id } }`,
            { n: text },
            team.owner.token,
          ),
        'input.name',
      );
      await refusedUnchanged(
        () => app.gql(CREATE_ITEM, { t: team.id, input: { title: text } }, team.owner.token),
        'input.title',
      );
      await refusedUnchanged(
        () =>
          app.gql(
            `mutation ($e: String!) { inviteMember(teamId: "${team.id}", email: $e) { token } }`,
            { e: `a${text}@example.com` },
            team.owner.token,
          ),
        'email',
      );
      await refusedUnchanged(
        () => app.gql(`query ($k: String!) { invitationPreview(token: $k) { role } }`, { k: text }),
        'token',
      );
    },
  );

  it('accepts ordinary text: accents, emoji (surrogate pairs), scripts', async () => {
    const team = await buildTeam(app);
    const title = 'Fête 🎉 日本語 — Ωmega';
    const response = await app.gql<{ createItem: { title: string } }>(
      CREATE_ITEM,
      { t: team.id, input: { title } },
      team.owner.token,
    );
    expect(response.data!.createItem.title).toBe(title);
  });
});

describe('JSON content: bounded before it reaches the ORM', () => {
  it.each([
    ['nested 33 deep', () => nested(33)],
    ['a NUL in a value', () => ({ text: 'a\u0000b' })],
    ['a lone surrogate in a value', () => ({ text: 'a\uD83Db' })],
    ['a NUL in a key', () => ({ 'k\u0000': 1 })],
    ['a lone surrogate in a key', () => ({ '\uDFFF': 1 })],
    ['over 128 KiB', () => ({ big: 'x'.repeat(130 * 1024) })],
    [
      'many small keys over 128 KiB',
      () =>
        Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, `${i}`.repeat(4)])),
    ],
  ])('refuses content %s with BAD_USER_INPUT on input.content', async (_what, content) => {
    const team = await buildTeam(app);
    await refusedUnchanged(
      () =>
        app.gql(
          CREATE_ITEM,
          { t: team.id, input: { title: 'x', content: content() } },
          team.owner.token,
        ),
      'input.content',
    );
  });

  it('refuses content nested 5,000 deep (sent as raw JSON) at the edge, naming the variable', async () => {
    const team = await buildTeam(app);
    const deep = '{"d":'.repeat(5000) + '1' + '}'.repeat(5000);
    const body = `{"query":${JSON.stringify(CREATE_ITEM)},"variables":{"t":"${team.id}","input":{"title":"x","content":${deep}}}}`;
    await refusedUnchanged(async () => {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${team.owner.token}`,
        },
        body,
      });
      const json = (await response.json()) as {
        errors?: { extensions?: Record<string, unknown> }[];
      };
      return { status: response.status, errors: json.errors };
    }, 'variables.input');
  });

  it('refuses deep content written as a literal too', async () => {
    const team = await buildTeam(app);
    const literal = '{ d: '.repeat(40) + '1' + ' }'.repeat(40);
    await refusedUnchanged(() =>
      app.gql(
        `mutation { createItem(teamId: "${team.id}", input: { title: "x", content: ${literal} }) { id } }`,
        {},
        team.owner.token,
      ),
    );
  });

  it('accepts multi-line text, tabs, nesting up to 32 levels and unicode keys', async () => {
    const team = await buildTeam(app);
    const content = { notes: 'line one\nline two\r\n\tindented', 'clé 🔑': nested(31) };
    const response = await app.gql<{ createItem: { content: unknown } }>(
      CREATE_ITEM,
      { t: team.id, input: { title: 'x', content } },
      team.owner.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.createItem.content).toEqual(content);
  });
});

describe('cursors: decoded and checked against their type and range', () => {
  const forge = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

  it.each([
    ['a seq over int4', forge(['activity', 2 ** 40])],
    ['a seq of 1e300', forge(['activity', 1e300])],
    ['a negative seq', forge(['activity', -1])],
    ['a fractional seq', forge(['activity', 1.5])],
    ['a string seq', forge(['activity', '1'])],
    [
      'an item cursor',
      forge(['item', '2026-01-01T00:00:00.000000Z', '6f1c1a52-6f0e-4d4e-9a57-1d2e3f4a5b6c']),
    ],
    ['not base64 JSON', '!!!'],
  ])('refuses an activity cursor with %s', async (_what, after) => {
    const team = await buildTeam(app);
    const response = await app.gql(
      `query ($t: ID!, $a: String) { team(id: $t) { activity(after: $a) { totalCount } } }`,
      { t: team.id, a: after },
      team.owner.token,
    );
    expect(response.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  const id = '6f1c1a52-6f0e-4d4e-9a57-1d2e3f4a5b6c';
  it.each([
    ['an impossible date', forge(['item', '2026-02-30T00:00:00.000000Z', id])],
    ['hour 25', forge(['item', '2026-01-01T25:00:00.000000Z', id])],
    ['year 99999', forge(['item', '+99999-01-01T00:00:00.000000Z', id])],
    ['year 0', forge(['item', '0000-01-01T00:00:00.000000Z', id])],
    ['a loose date format', forge(['item', 'Jan 1 2026', id])],
    ['an id that is not a UUID', forge(['item', '2026-01-01T00:00:00.000000Z', 'nope'])],
    ['a missing part', forge(['item', '2026-01-01T00:00:00.000000Z'])],
  ])('refuses an item cursor with %s', async (_what, after) => {
    const team = await buildTeam(app);
    const response = await app.gql(
      `query ($t: ID!, $a: String) { team(id: $t) { items(after: $a) { totalCount } } }`,
      { t: team.id, a: after },
      team.owner.token,
    );
    expect(response.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('pages with the cursors the lists hand out', async () => {
    const team = await buildTeam(app);
    for (const title of ['a', 'b', 'c']) {
      await app.gql(CREATE_ITEM, { t: team.id, input: { title } }, team.owner.token);
    }
    const page = `query ($t: ID!, $a: String) { team(id: $t) {
      items(first: 2, after: $a) { edges { node { title } } pageInfo { endCursor } }
      activity(first: 2, after: $a) { edges { node { seq } } }
    } }`;
    type Page = {
      team: { items: { edges: { node: { title: string } }[]; pageInfo: { endCursor: string } } };
    };
    const first = await app.gql<Page>(
      page.replace(/\n\s*activity.*\n/, '\n'),
      { t: team.id, a: null },
      team.owner.token,
    );
    const next = await app.gql<Page>(
      page.replace(/\n\s*activity.*\n/, '\n'),
      { t: team.id, a: first.data!.team.items.pageInfo.endCursor },
      team.owner.token,
    );
    expect(next.data!.team.items.edges.map((e) => e.node.title)).toEqual(['c']);
  });
});

describe('subscriptions over HTTP', () => {
  it('refuses a subscription sent by POST or GET with 400 and BAD_USER_INPUT', async () => {
    const user = await insertUser(app);
    const post = await app.gql(`subscription { accountEvents { type } }`, {}, user.token);
    expect(post.status).toBe(400);
    expect(errorCode(post)).toBe('BAD_USER_INPUT');
    expect(post.errors![0].message).toMatch(/WebSocket/);
    const get = await fetch(
      `${app.url}?query=${encodeURIComponent('subscription { myActivity { seq } }')}`,
      {
        headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${user.token}` },
      },
    );
    expect(get.status).toBe(400);
    expect(get.headers.get('allow')).toBeNull();
    const body = (await get.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('one identity, one spelling', () => {
  it('refuses removeMember and transferOwnership of the owner by their own id in upper case', async () => {
    const team = await buildTeam(app);
    await addMember(app, team, 'ADMIN');
    const shouted = team.owner.id.toUpperCase();
    const before = await dataFingerprint(app);
    const removed = await app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: shouted },
      team.owner.token,
    );
    expect(errorCode(removed)).toBe('FORBIDDEN');
    const transferred = await app.gql(
      `mutation ($t: ID!, $u: ID!) { transferOwnership(teamId: $t, userId: $u) { id } }`,
      { t: team.id.toUpperCase(), u: shouted },
      team.owner.token,
    );
    expect(errorCode(transferred)).toBe('BAD_USER_INPUT');
    expect(await dataFingerprint(app)).toBe(before);
  });

  it('removes a member named in upper case, as the same member', async () => {
    const team = await buildTeam(app);
    const member = await addMember(app, team, 'MEMBER');
    const removed = await app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: member.id.toUpperCase() },
      team.owner.token,
    );
    expect(removed.data).toEqual({ removeMember: true });
    const [activity] = await app.sql<{ subject_id: string }>(
      `SELECT subject_id FROM activities WHERE team_id = $1 AND action = 'MEMBER_REMOVED'`,
      [team.id],
    );
    expect(activity.subject_id).toBe(member.id);
  });
});
