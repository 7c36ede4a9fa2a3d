import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { buildInvitation } from './factories/invitation.factory';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { insertUser } from './support/fast-users';
import { roundTrips } from './support/pg-statements';
import { errorCode, startTestApp, type TestApp } from './support/test-app';

/**
 * API.md "Conventions clients and tools expect": object identification (`node`, `nodes`) with
 * the visibility of every other edge, and the member and invitation connections.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

type Data = Record<string, unknown>;

async function as<T = Data>(user: TestUser, query: string, variables: Data = {}): Promise<T> {
  const response = await app.gql<T>(query, variables, user.token);
  if (response.errors) throw new Error(`${query}: ${JSON.stringify(response.errors)}`);
  return response.data!;
}

const CALLERS = ['self', 'teammate', 'held', 'former', 'stranger', 'anonymous'] as const;
type CallerKind = (typeof CALLERS)[number];
const KINDS = ['Team', 'Item', 'Activity', 'Invitation', 'User', 'Session'] as const;
type Kind = (typeof KINDS)[number];

/**
 * Who sees each object (API.md): team data to members not held out by the two-factor rule,
 * invitations to OWNER and ADMIN, a user as a whole to themself and current teammates, a
 * session to its owner. `self` is the MEMBER whose profile and session are looked up;
 * `teammate` is the team's OWNER.
 */
const SEES: Record<Kind, Record<Exclude<CallerKind, 'anonymous'>, boolean>> = {
  Team: { self: true, teammate: true, held: false, former: false, stranger: false },
  Item: { self: true, teammate: true, held: false, former: false, stranger: false },
  Activity: { self: true, teammate: true, held: false, former: false, stranger: false },
  Invitation: { self: false, teammate: true, held: false, former: false, stranger: false },
  User: { self: true, teammate: true, held: false, former: false, stranger: false },
  Session: { self: true, teammate: false, held: false, former: false, stranger: false },
};

const NODE = `query ($id: ID!) { node(id: $id) { __typename id } }`;
const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;

describe('node and nodes', () => {
  let team: TestTeam;
  let callers: Record<Exclude<CallerKind, 'anonymous'>, TestUser>;
  const ids = {} as Record<Kind, string>;

  beforeAll(async () => {
    const owner = await insertUser(app);
    team = await buildTeam(app, owner, 'Node team');
    const self = await addMember(app, team, 'MEMBER', await insertUser(app));
    const held = await addMember(app, team, 'MEMBER', await insertUser(app));
    const former = await addMember(app, team, 'MEMBER', await insertUser(app));
    await as(former, `mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t: team.id });
    const stranger = await insertUser(app);
    callers = { self, teammate: owner, held, former, stranger };
    // The team requires two-factor; everyone but `held` has it (a setup shortcut: how the
    // requirement is turned on is tested in two-factor-policy.test.ts).
    await app.sql(`UPDATE users SET two_factor_enabled_at = now() WHERE id = ANY($1::uuid[])`, [
      [owner.id, self.id, former.id, stranger.id],
    ]);
    await app.sql(`UPDATE teams SET two_factor_required = true WHERE id = $1`, [team.id]);

    const item = await as<{ createItem: { id: string } }>(
      self,
      `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "Node item" }) { id } }`,
      { t: team.id },
    );
    const activity = await as<{ team: { activity: { edges: { node: { id: string } }[] } } }>(
      owner,
      `query ($t: ID!) { team(id: $t) { activity(first: 1) { edges { node { id } } } } }`,
      { t: team.id },
    );
    const sessions = await as<{ mySessions: { id: string }[] }>(self, `{ mySessions { id } }`);
    Object.assign(ids, {
      Team: team.id,
      Item: item.createItem.id,
      Activity: activity.team.activity.edges[0].node.id,
      Invitation: (await buildInvitation(app, team)).id,
      User: self.id,
      Session: sessions.mySessions[0].id,
    });
  });

  const tokenOf = (caller: CallerKind) => (caller === 'anonymous' ? null : callers[caller].token);

  describe.each(KINDS)('a %s', (kind) => {
    it.each(CALLERS)(
      'as %s: the object, or null exactly as for an id that does not exist',
      async (caller) => {
        const found = await app.gql(NODE, { id: ids[kind] }, tokenOf(caller));
        const missing = await app.gql(NODE, { id: randomUUID() }, tokenOf(caller));
        if (caller === 'anonymous') {
          // Signed in only, as `user(id)`: the same answer whatever the id.
          expect(errorCode(found)).toBe('UNAUTHENTICATED');
          expect(errorCode(missing)).toBe('UNAUTHENTICATED');
          expect(found.data).toEqual(missing.data);
          return;
        }
        expect(missing.errors).toBeUndefined();
        expect(missing.data).toEqual({ node: null });
        if (SEES[kind][caller]) {
          expect(found.errors).toBeUndefined();
          expect(found.data).toEqual({ node: { __typename: kind, id: ids[kind] } });
        } else {
          expect({ status: found.status, errors: found.errors, data: found.data }).toEqual({
            status: missing.status,
            errors: missing.errors,
            data: missing.data,
          });
        }
      },
    );
  });

  it.each(CALLERS.filter((c) => c !== 'anonymous'))(
    'nodes as %s answers each id in order as node does, in a bounded number of statements',
    async (caller) => {
      const asked = [...KINDS.map((kind) => ids[kind]), randomUUID(), ids.Team];
      const { statements } = await roundTrips(async () => {
        const response = await app.gql<{ nodes: unknown[] }>(
          NODES,
          { ids: asked },
          tokenOf(caller),
        );
        expect(response.errors).toBeUndefined();
        const expected = [...KINDS, null, 'Team' as const].map((kind, i) =>
          kind && SEES[kind][caller as Exclude<CallerKind, 'anonymous'>]
            ? { __typename: kind, id: asked[i] }
            : null,
        );
        expect(response.data!.nodes).toEqual(expected);
      });
      // One statement per kind looked up, plus the viewer's roles and teammates; the
      // session read of the bearer token is left out (the session cache may hold it).
      const counted = statements.filter(
        (sql) => !/\bsessions\b.*token_hash|token_hash.*\bsessions\b/s.test(sql),
      );
      expect(counted.length).toBeLessThanOrEqual(KINDS.length + 3);
    },
  );

  it('nodes answers at most 100 ids: 100 are answered, 101 are BAD_USER_INPUT on ids', async () => {
    const hundred = Array.from({ length: 100 }, () => randomUUID());
    const ok = await app.gql<{ nodes: unknown[] }>(NODES, { ids: hundred }, callers.self.token);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.nodes).toEqual(hundred.map(() => null));
    const over = await app.gql(NODES, { ids: [...hundred, ids.Team] }, callers.self.token);
    expect(errorCode(over)).toBe('BAD_USER_INPUT');
    expect(over.errors![0].extensions?.field).toBe('ids');
  });

  it.each([
    ['node', NODE, { id: 'not-a-uuid' }, { node: null }],
    // `nodes` is a non-null list: the error nulls the whole answer.
    ['nodes', NODES, { ids: [randomUUID(), 'not-a-uuid'] }, null],
  ])(
    '%s refuses an id that is not a UUID with BAD_USER_INPUT',
    async (_name, query, variables, data) => {
      const response = await app.gql(query, variables, callers.self.token);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.data ?? null).toEqual(data);
    },
  );

  it('a fragment on the type reads its fields through node, with their own permissions', async () => {
    const data = await as<{ node: { name: string; myRole: string } }>(
      callers.teammate,
      `query ($id: ID!) { node(id: $id) { ... on Team { name myRole } } }`,
      { id: team.id },
    );
    expect(data.node).toEqual({ name: 'Node team', myRole: 'OWNER' });
  });
});

const MEMBERS = `query ($t: ID!, $first: Int, $after: String) { team(id: $t) {
  memberConnection(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { role user { id displayName } } } } } }`;
const INVITATIONS = `query ($t: ID!, $first: Int, $after: String, $status: InvitationStatus) { team(id: $t) {
  invitationConnection(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email } } } } }`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: Data }[];
}

describe('memberConnection and invitationConnection', () => {
  const MEMBER_COUNT = 23;
  const INVITATION_COUNT = 17;
  let team: TestTeam;
  let member: TestUser;
  let memberIds: string[];
  let invitationIds: string[];

  beforeAll(async () => {
    team = await buildTeam(app, await insertUser(app), 'Paged team');
    member = await addMember(app, team, 'MEMBER', await insertUser(app));
    for (let i = 2; i < MEMBER_COUNT; i++)
      await addMember(app, team, 'MEMBER', await insertUser(app));
    // Several members joined in the same microsecond: the user id breaks the tie.
    await app.sql(
      `UPDATE memberships SET joined_at = '2026-01-01T00:00:00Z'
        WHERE team_id = $1 AND user_id IN (SELECT user_id FROM memberships WHERE team_id = $1 AND role = 'MEMBER' ORDER BY user_id LIMIT 6)`,
      [team.id],
    );
    memberIds = (
      await app.sql<{ user_id: string }>(
        `SELECT user_id FROM memberships WHERE team_id = $1 ORDER BY joined_at, user_id`,
        [team.id],
      )
    ).map((r) => r.user_id);
    for (let i = 0; i < INVITATION_COUNT; i++) await buildInvitation(app, team);
    await app.sql(
      `UPDATE invitations SET created_at = '2026-01-01T00:00:00Z'
        WHERE id IN (SELECT id FROM invitations WHERE team_id = $1 ORDER BY id LIMIT 5)`,
      [team.id],
    );
    invitationIds = (
      await app.sql<{ id: string }>(
        `SELECT id FROM invitations WHERE team_id = $1 ORDER BY created_at DESC, id`,
        [team.id],
      )
    ).map((r) => r.id);
  });

  async function pageThrough(
    query: string,
    field: 'memberConnection' | 'invitationConnection',
    size: number,
    key: (node: Data) => string,
  ): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: { team: Record<string, Page> } = await as(team.owner, query, {
        t: team.id,
        first: size,
        after,
      });
      const page = data.team[field];
      expect(page.edges.length).toBeLessThanOrEqual(size);
      seen.push(...page.edges.map((edge) => key(edge.node)));
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      if (!page.pageInfo.hasNextPage) return seen;
      expect(page.edges.length).toBe(size);
      after = page.pageInfo.endCursor;
    }
  }

  it('pages through the members with no gap or duplicate, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), async (size) => {
        const seen = await pageThrough(MEMBERS, 'memberConnection', size, (node) =>
          String((node.user as Data).id),
        );
        expect(seen).toEqual(memberIds);
      }),
      { numRuns: 8 },
    );
  });

  it('pages through the invitations with no gap or duplicate, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 25 }), async (size) => {
        const seen = await pageThrough(INVITATIONS, 'invitationConnection', size, (node) =>
          String(node.id),
        );
        expect(seen).toEqual(invitationIds);
      }),
      { numRuns: 8 },
    );
  });

  it('counts all members and invitations, defaults to 20 and refuses a page over 100', async () => {
    const members = await as<{ team: { memberConnection: Page } }>(team.owner, MEMBERS, {
      t: team.id,
    });
    expect(members.team.memberConnection.totalCount).toBe(MEMBER_COUNT);
    expect(members.team.memberConnection.edges).toHaveLength(20);
    const invitations = await as<{ team: { invitationConnection: Page } }>(
      team.owner,
      INVITATIONS,
      {
        t: team.id,
        status: 'PENDING',
      },
    );
    expect(invitations.team.invitationConnection.totalCount).toBe(INVITATION_COUNT);
    const revoked = await as<{ team: { invitationConnection: Page } }>(team.owner, INVITATIONS, {
      t: team.id,
      status: 'REVOKED',
    });
    expect(revoked.team.invitationConnection).toMatchObject({ totalCount: 0, edges: [] });
    const over = await app.gql(MEMBERS, { t: team.id, first: 101 }, team.owner.token);
    expect(errorCode(over)).toBe('BAD_USER_INPUT');
  });

  it("refuses another list's cursor and a forged one as BAD_USER_INPUT on after", async () => {
    const invitations = await as<{ team: { invitationConnection: Page } }>(
      team.owner,
      INVITATIONS,
      {
        t: team.id,
        first: 1,
      },
    );
    const invitationCursor = invitations.team.invitationConnection.pageInfo.endCursor;
    for (const after of [
      invitationCursor,
      'bm90LWEtY3Vyc29y',
      Buffer.from('["member","x","y"]').toString('base64url'),
    ]) {
      const response = await app.gql(MEMBERS, { t: team.id, first: 2, after }, team.owner.token);
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions?.field).toBe('after');
    }
  });

  it('invitationConnection is for OWNER and ADMIN only, as the plain list', async () => {
    const response = await app.gql(INVITATIONS, { t: team.id }, member.token);
    expect(errorCode(response)).toBe('FORBIDDEN');
    const plain = await app.gql(
      `query ($t: ID!) { team(id: $t) { invitations { id } } }`,
      { t: team.id },
      member.token,
    );
    expect(errorCode(plain)).toBe('FORBIDDEN');
  });

  it('the deprecated plain lists still answer the same rows', async () => {
    const data = await as<{
      team: { members: { user: { id: string } }[]; invitations: { id: string }[] };
    }>(
      team.owner,
      `query ($t: ID!) { team(id: $t) { members { user { id } } invitations { id } } }`,
      { t: team.id },
    );
    expect(data.team.members.map((m) => m.user.id)).toEqual(memberIds);
    expect(data.team.invitations.map((i) => i.id)).toEqual(invitationIds);
  });

  it.each([
    ['memberConnection', MEMBERS],
    ['invitationConnection', INVITATIONS],
  ])('%s reads a page in the same number of statements whatever its size', async (_name, query) => {
    const count = async (first: number) => {
      const { statements } = await roundTrips(() => as(team.owner, query, { t: team.id, first }));
      return statements.filter((sql) => !/token_hash/.test(sql)).length;
    };
    const small = await count(2);
    const large = await count(20);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(4);
  });
});

describe('query cost of nodes and the connections', () => {
  const ITEMS_OF_NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Team {
    items(first: 100) { edges { node { id title } } } } } }`;

  it('counts nodes as one object per id asked: many teams each with a full page is refused', async () => {
    const user = await insertUser(app);
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
    // Each id may be a team with 100 items (203 objects): 100 of them is far over the limit…
    const over = await app.gql(ITEMS_OF_NODES, { ids: ids(100) }, user.token);
    expect(over.status).toBe(400);
    expect(over.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'COST_LIMIT',
    });
    expect(over.errors![0].extensions!.cost).toBeGreaterThan(100 * 200);
    // …while a few fit.
    const few = await app.gql(ITEMS_OF_NODES, { ids: ids(10) }, user.token);
    expect(few.errors).toBeUndefined();
  });

  it('prices memberConnection and invitationConnection by their page size', async () => {
    const owner = await insertUser(app);
    const team = await buildTeam(app, owner);
    const pageOfPages = `query ($t: ID!, $n: Int) { team(id: $t) {
      memberConnection(first: $n) { edges { node { team { invitationConnection(first: $n) { edges { node { id } } } } } } } } }`;
    const big = await app.gql(pageOfPages, { t: team.id, n: 100 }, owner.token);
    expect(big.errors![0].extensions).toMatchObject({ reason: 'COST_LIMIT' });
    const small = await app.gql(pageOfPages, { t: team.id, n: 5 }, owner.token);
    expect(small.errors).toBeUndefined();
  });
});
