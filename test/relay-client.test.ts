import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ConcreteRequest } from 'relay-runtime';
import WebSocket from 'ws';
import { createTeamgraphClient, operations, TeamgraphError } from '../client/src';
import {
  commit,
  createRelayClient,
  followTeamActivity,
  hasNext,
  loadNext,
  loadQuery,
  refetchNode,
  viewFragment,
  type RelayClient,
} from '../client/relay';
import { relayOperations } from '../client/relay/operations';
import itemCreateMutation, {
  type itemCreateMutation as ItemCreateMutation,
} from '../client/relay/__generated__/itemCreateMutation.graphql';
import itemQuery, {
  type itemQuery as ItemQuery,
} from '../client/relay/__generated__/itemQuery.graphql';
import itemUpdateMutation, {
  type itemUpdateMutation as ItemUpdateMutation,
} from '../client/relay/__generated__/itemUpdateMutation.graphql';
import itemFragment, { type item_item$data } from '../client/relay/__generated__/item_item.graphql';
import teamActivityQuery, {
  type teamActivityQuery as TeamActivityQuery,
} from '../client/relay/__generated__/teamActivityQuery.graphql';
import teamActivityFragment, {
  type teamActivity_team$data,
} from '../client/relay/__generated__/teamActivity_team.graphql';
import teamMembersQuery, {
  type teamMembersQuery as TeamMembersQuery,
} from '../client/relay/__generated__/teamMembersQuery.graphql';
import teamMembersFragment, {
  type teamMembers_team$data,
} from '../client/relay/__generated__/teamMembers_team.graphql';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import type { TestUser } from './factories/user.factory';
import { insertUser } from './support/fast-users';
import { countSubscriptionsRunning, subscriptionsRunning } from './support/live-gauges';
import { PRODUCTION_ENV } from './support/production-env';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A Relay app against the real server: relay-compiler's artifacts (committed, checked fresh
 * below) run by relay-runtime over HTTP and graphql-ws, with the store, its connection handler
 * and the generated `node(id:)` queries doing what a React Relay app's hooks would.
 */
let app: TestApp;
let team: TestTeam;
let member: TestUser;
const clients: RelayClient[] = [];

/** What each client sent over HTTP, in order: which operation, with which variables. */
interface SentOperation {
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
}

function relayAs(user: TestUser, sent: SentOperation[] = []): RelayClient {
  const client = createRelayClient({
    url: app.url,
    token: user.token,
    webSocketImpl: WebSocket,
    fetch: (input, init) => {
      sent.push(JSON.parse(String(init?.body)) as SentOperation);
      return fetch(input, init);
    },
  });
  clients.push(client);
  return client;
}

/** An artifact as relay-compiler writes it: a Request (an operation) or a Fragment. */
interface GeneratedNode {
  kind: string;
  params?: { name: string };
}

const ACTIVITY_PAGE = 4;
const MEMBER_PAGE = 3;
const MAX_LOADS = 10;

beforeAll(async () => {
  app = await startTestApp();
  const owner = await insertUser(app);
  team = await buildTeam(app, owner, 'Relay team');
  // 8 members (3 pages of 3) and 11 activity rows (3 pages of 4): TEAM_CREATED, 10 items.
  for (let i = 0; i < 7; i += 1) {
    const joined = await addMember(
      app,
      team,
      i % 3 === 0 ? 'ADMIN' : 'MEMBER',
      await insertUser(app),
    );
    if (i === 0) member = joined;
  }
  for (let i = 0; i < 10; i += 1) {
    const created = await app.gql(
      `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title }) { id } }`,
      { t: team.id, title: `Item ${i}` },
      i % 2 ? owner.token : member.token,
    );
    if (created.errors) throw new Error(JSON.stringify(created.errors));
  }
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(() => app?.stop());

describe('the committed Relay artifacts', () => {
  it('are what relay-compiler writes from the documents and the emitted schema', async () => {
    const relay = path.join(__dirname, '..', 'client', 'relay');
    const compiler = path.join(__dirname, '..', 'node_modules', '.bin', 'relay-compiler');
    // --validate exits non-zero, naming the stale artifacts, instead of writing them.
    await expect(
      promisify(execFile)(
        compiler,
        ['--validate', '--output', 'quiet-with-errors', 'relay.config.json'],
        {
          cwd: relay,
        },
      ),
    ).resolves.toBeDefined();
  });

  it('are all listed in relayOperations, so the trusted-document manifest holds every one', async () => {
    const generated = path.join(__dirname, '..', 'client', 'relay', '__generated__');
    const artifacts = await Promise.all(
      readdirSync(generated).map(
        async (file) =>
          ((await import(path.join(generated, file))) as { default: GeneratedNode }).default,
      ),
    );
    const requests = artifacts.filter((node) => node.kind === 'Request');
    expect(requests.length).toBeGreaterThan(0);
    expect(relayOperations.map(({ params }) => params.name).sort()).toEqual(
      requests.map((request) => request.params!.name).sort(),
    );
  });
});

describe('a Relay client on teamgraph', () => {
  it("pages a team's activity to the end with @connection, each row once, newest first", async () => {
    const sent: SentOperation[] = [];
    const { environment } = relayAs(team.owner, sent);
    const query = await loadQuery<TeamActivityQuery>(environment, teamActivityQuery, {
      teamId: team.id,
      count: ACTIVITY_PAGE,
    });
    const ref = query.data.team;
    const view = viewFragment<teamActivity_team$data>(environment, teamActivityFragment, ref);
    expect(view.data.activity.edges).toHaveLength(ACTIVITY_PAGE);

    let loads = 0;
    // Bounded: a connection that never ends fails the assertions below instead of hanging.
    while (loads < MAX_LOADS && hasNext(environment, teamActivityFragment, ref)) {
      await loadNext(environment, teamActivityFragment, ref, ACTIVITY_PAGE);
      loads += 1;
    }

    const stored = await app.sql<{ id: string; seq: number }>(
      `SELECT id, seq FROM activities WHERE team_id = $1 ORDER BY seq DESC`,
      [team.id],
    );
    expect(stored).toHaveLength(11);
    const edges = view.data.activity.edges.map(({ node }) => ({ id: node.id, seq: node.seq }));
    expect(edges).toEqual(stored);
    expect(view.data.activity.totalCount).toBe(stored.length);
    expect(loads).toBe(Math.ceil(stored.length / ACTIVITY_PAGE) - 1);
    // Each later page came through the generated query on node(id:), after the previous end.
    expect(sent.map((operation) => operation.operationName)).toEqual([
      'teamActivityQuery',
      ...Array(loads).fill('teamActivityPaginationQuery'),
    ]);
    const pages = sent.slice(1);
    for (const [index, page] of pages.entries()) {
      expect(page.query).toContain('node(id: $id)');
      expect(page.variables).toMatchObject({ id: team.id, count: ACTIVITY_PAGE });
      expect(page.variables.cursor).toEqual(expect.any(String));
      if (index > 0) expect(page.variables.cursor).not.toBe(pages[index - 1]!.variables.cursor);
    }
    view.dispose();
    query.dispose();
  });

  it("pages a team's members to the end with @connection, oldest membership first", async () => {
    const sent: SentOperation[] = [];
    const { environment } = relayAs(member, sent);
    const query = await loadQuery<TeamMembersQuery>(environment, teamMembersQuery, {
      teamId: team.id,
      count: MEMBER_PAGE,
    });
    const ref = query.data.team;
    let loads = 1; // the load that reaches the end answers false
    while (
      loads < MAX_LOADS &&
      (await loadNext(environment, teamMembersFragment, ref, MEMBER_PAGE))
    )
      loads += 1;

    const view = viewFragment<teamMembers_team$data>(environment, teamMembersFragment, ref);
    const stored = await app.sql<{ user_id: string; role: string }>(
      `SELECT user_id, role FROM memberships WHERE team_id = $1 ORDER BY joined_at, user_id`,
      [team.id],
    );
    expect(stored).toHaveLength(8);
    expect(
      view.data.memberConnection.edges.map(({ node }) => ({
        user_id: node.user.id,
        role: node.role,
      })),
    ).toEqual(stored);
    expect(view.data.memberConnection.totalCount).toBe(8);
    expect(loads).toBe(Math.ceil(stored.length / MEMBER_PAGE) - 1);
    expect(sent.filter((s) => s.operationName === 'teamMembersPaginationQuery')).toHaveLength(
      loads,
    );
    // At the end there is nothing more to load: no request is sent.
    expect(await loadNext(environment, teamMembersFragment, ref, MEMBER_PAGE)).toBe(false);
    expect(sent).toHaveLength(1 + loads);
    view.dispose();
    query.dispose();
  });

  it('rejects loadNext once the caller was removed: node(id:) answers null, nothing merges', async () => {
    const leaving = await addMember(app, team, 'MEMBER', await insertUser(app));
    const { environment } = relayAs(leaving);
    const query = await loadQuery<TeamMembersQuery>(environment, teamMembersQuery, {
      teamId: team.id,
      count: MEMBER_PAGE,
    });
    const ref = query.data.team;
    const removed = await app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: leaving.id },
      team.owner.token,
    );
    expect(removed.errors).toBeUndefined();

    await expect(loadNext(environment, teamMembersFragment, ref, MEMBER_PAGE)).rejects.toThrow(
      'node(id:) answered null',
    );
    const view = viewFragment<teamMembers_team$data>(environment, teamMembersFragment, ref);
    expect(view.data.memberConnection.edges).toHaveLength(MEMBER_PAGE);
    view.dispose();
    query.dispose();
  });

  it('refetches an item through node(id:) after another user changed it', async () => {
    const sent: SentOperation[] = [];
    const { environment } = relayAs(team.owner, sent);
    const { environment: theirs } = relayAs(member);
    const created = await commit<ItemCreateMutation>(environment, itemCreateMutation, {
      teamId: team.id,
      input: { title: 'Before', content: { step: 1 } },
    });
    const id = created.createItem.id;
    const query = await loadQuery<ItemQuery>(environment, itemQuery, { id });
    const view = viewFragment<item_item$data>(environment, itemFragment, query.data.item);
    expect(view.data).toMatchObject({ id, title: 'Before', version: 1 });

    await commit<ItemUpdateMutation>(theirs, itemUpdateMutation, {
      id,
      input: { title: 'After', content: { step: 2 } },
      expectedVersion: 1,
    });
    // Another client's change does not reach this store by itself.
    expect(view.data).toMatchObject({ title: 'Before', version: 1 });

    const refetched = await refetchNode(environment, itemFragment, id);
    expect(refetched).not.toBeNull();
    expect(sent.at(-1)).toMatchObject({ operationName: 'itemRefetchQuery', variables: { id } });
    expect(sent.at(-1)!.query).toContain('node(id: $id)');
    const [row] = await app.sql<{
      title: string;
      version: number;
      content: unknown;
      updated_by_id: string;
    }>(`SELECT title, version, content, updated_by_id FROM items WHERE id = $1`, [id]);
    expect(row).toEqual({
      title: 'After',
      version: 2,
      content: { step: 2 },
      updated_by_id: member.id,
    });
    // Normalized by id: the view read through item(id:) shows what node(id:) brought.
    expect(view.data).toMatchObject({
      id,
      title: row!.title,
      version: row!.version,
      content: row!.content,
      updatedBy: { id: row!.updated_by_id, displayName: member.displayName },
    });
    view.dispose();
    query.dispose();
  });

  it("answers node(id:) with null for another team's item, and item(id:) with FORBIDDEN", async () => {
    const stranger = await insertUser(app);
    const theirTeam = await buildTeam(app, stranger, 'Elsewhere');
    const { environment: theirs } = relayAs(stranger);
    const { createItem } = await commit<ItemCreateMutation>(theirs, itemCreateMutation, {
      teamId: theirTeam.id,
      input: { title: 'Not yours', content: {} },
    });
    // The same refetch its owner can run…
    expect(await refetchNode(theirs, itemFragment, createItem.id)).not.toBeNull();

    const { environment } = relayAs(team.owner);
    expect(await refetchNode(environment, itemFragment, createItem.id)).toBeNull();
    const refused = await loadQuery<ItemQuery>(environment, itemQuery, { id: createItem.id }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TeamgraphError);
    expect((refused as TeamgraphError).code).toBe('FORBIDDEN');
  });

  it("follows teamActivity into the store: a mutation's row is prepended to the connection", async () => {
    const { environment } = relayAs(team.owner);
    const query = await loadQuery<TeamActivityQuery>(environment, teamActivityQuery, {
      teamId: team.id,
      count: ACTIVITY_PAGE,
    });
    const view = viewFragment<teamActivity_team$data>(
      environment,
      teamActivityFragment,
      query.data.team,
    );
    const before = view.data.activity.edges.map(({ node }) => node.id);
    const newestSeq = view.data.activity.edges[0]!.node.seq;

    const errors: Error[] = [];
    const delivered: number[] = [];
    // From two rows back: those replay first, and Relay keeps the connection free of repeats.
    const feed = followTeamActivity(environment, team.id, newestSeq - 2, {
      onActivity: (activity) => delivered.push(activity.seq),
      onError: (error) => errors.push(error),
    });
    const { environment: theirs } = relayAs(member);
    const { createItem } = await commit<ItemCreateMutation>(theirs, itemCreateMutation, {
      teamId: team.id,
      input: { title: 'Live', content: {} },
    });

    const after = await view.until(
      (data) => data.activity.edges[0]?.node.subjectId === createItem.id,
    );
    const [row] = await app.sql<{ id: string; seq: number; action: string; actor_id: string }>(
      `SELECT id, seq, action, actor_id FROM activities WHERE team_id = $1 AND subject_id = $2`,
      [team.id, createItem.id],
    );
    expect(after.activity.edges[0]!.node).toMatchObject({
      id: row!.id,
      seq: newestSeq + 1,
      action: 'ITEM_CREATED',
      actor: { id: member.id, displayName: member.displayName },
    });
    expect(row).toMatchObject({ seq: newestSeq + 1, action: 'ITEM_CREATED', actor_id: member.id });
    expect(after.activity.edges.map(({ node }) => node.id)).toEqual([row!.id, ...before]);
    expect(delivered).toEqual([newestSeq - 1, newestSeq, newestSeq + 1]);
    expect(errors).toEqual([]);
    feed.dispose();
    view.dispose();
    query.dispose();
  });

  it("ends a removed member's feed: the removal lands in the store, then ACCESS_REVOKED", async () => {
    const leaving = await addMember(app, team, 'MEMBER', await insertUser(app));
    const { environment } = relayAs(leaving);
    const query = await loadQuery<TeamActivityQuery>(environment, teamActivityQuery, {
      teamId: team.id,
      count: ACTIVITY_PAGE,
    });
    const view = viewFragment<teamActivity_team$data>(
      environment,
      teamActivityFragment,
      query.data.team,
    );
    const newestSeq = view.data.activity.edges[0]!.node.seq;
    const running = await countSubscriptionsRunning();
    const ended = new Promise<Error>((resolve, reject) => {
      followTeamActivity(environment, team.id, newestSeq, {
        onError: resolve,
        onCompleted: () => reject(new Error('completed without ACCESS_REVOKED')),
      });
    });
    // Removed once the feed runs: a removal before it would refuse the subscription instead.
    await subscriptionsRunning(running + 1);
    const removed = await app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: leaving.id },
      team.owner.token,
    );
    expect(removed.errors).toBeUndefined();

    const failure = await ended;
    expect(failure).toBeInstanceOf(TeamgraphError);
    expect((failure as TeamgraphError).code).toBe('ACCESS_REVOKED');
    // The row that ended the access reached the store before the end.
    expect(view.data.activity.edges[0]!.node).toMatchObject({
      seq: newestSeq + 1,
      action: 'MEMBER_REMOVED',
      subjectId: leaving.id,
    });
    view.dispose();
    query.dispose();
  });

  it("refuses a feed of another team's activity: the error carries FORBIDDEN", async () => {
    const stranger = await insertUser(app);
    const { environment } = relayAs(stranger);
    const failure = await new Promise<Error>((resolve, reject) => {
      followTeamActivity(environment, team.id, 0, {
        onActivity: () => reject(new Error('a stranger received a row')),
        onError: resolve,
        onCompleted: () => reject(new Error('completed without a refusal')),
      });
    });
    expect(failure).toBeInstanceOf(TeamgraphError);
    expect((failure as TeamgraphError).code).toBe('FORBIDDEN');
  });
});

describe('a Relay client against a server that runs trusted documents only', () => {
  let strict: TestApp;
  let owner: TestUser;
  let teamId: string;
  const relayOn = (trustedDocuments: boolean, sent: SentOperation[] = []) => {
    const client = createRelayClient({
      url: strict.url,
      token: owner.token,
      webSocketImpl: WebSocket,
      trustedDocuments,
      fetch: (input, init) => {
        sent.push(JSON.parse(String(init?.body)) as SentOperation);
        return fetch(input, init);
      },
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    strict = await startTestApp({ ...PRODUCTION_ENV, TRUSTED_DOCUMENTS: 'require' });
    owner = await insertUser(strict);
    const kit = createTeamgraphClient({
      url: strict.url,
      token: owner.token,
      webSocketImpl: WebSocket,
      trustedDocuments: true,
    });
    teamId = (await kit.request(operations.CreateTeamDocument, { name: 'Strict' })).createTeam.id;
    await kit.close();
  });
  afterAll(() => strict?.stop());

  it('pages, mutates and follows by hash alone, over HTTP and graphql-ws', async () => {
    const sent: SentOperation[] = [];
    const { environment } = relayOn(true, sent);
    const { createItem } = await commit<ItemCreateMutation>(environment, itemCreateMutation, {
      teamId,
      input: { title: 'By hash', content: {} },
    });
    const query = await loadQuery<TeamActivityQuery>(environment, teamActivityQuery, {
      teamId,
      count: 1,
    });
    const ref = query.data.team;
    const view = viewFragment<teamActivity_team$data>(environment, teamActivityFragment, ref);
    while (hasNext(environment, teamActivityFragment, ref))
      await loadNext(environment, teamActivityFragment, ref, 1);
    expect(view.data.activity.edges.map(({ node }) => node.action)).toEqual([
      'ITEM_CREATED',
      'TEAM_CREATED',
    ]);

    const errors: Error[] = [];
    const feed = followTeamActivity(environment, teamId, 2, {
      onError: (error) => errors.push(error),
    });
    const second = await commit<ItemCreateMutation>(environment, itemCreateMutation, {
      teamId,
      input: { title: 'Live by hash', content: {} },
    });
    await view.until((data) => data.activity.edges[0]?.node.subjectId === second.createItem.id);
    expect(errors).toEqual([]);
    expect(createItem.id).not.toBe(second.createItem.id);
    feed.dispose();
    // No text went over HTTP: every operation named by its manifest hash.
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const body of sent) {
      expect(body.query).toBeUndefined();
      expect(body).toMatchObject({
        extensions: { persistedQuery: { sha256Hash: expect.any(String) } },
      });
    }
    view.dispose();
    query.dispose();
  });

  it('runs the same documents sent as text, and refuses a Relay document the manifest lacks', async () => {
    const { environment } = relayOn(false);
    const query = await loadQuery<TeamActivityQuery>(environment, teamActivityQuery, {
      teamId,
      count: 1,
    });
    const view = viewFragment<teamActivity_team$data>(
      environment,
      teamActivityFragment,
      query.data.team,
    );
    expect(view.data.activity.edges).toHaveLength(1);
    view.dispose();
    query.dispose();

    // The same query, one comment longer: a document of its own, in no manifest.
    const altered = {
      ...teamActivityQuery,
      params: {
        ...teamActivityQuery.params,
        cacheID: 'altered',
        text: `${teamActivityQuery.params.text}# altered\n`,
      },
    } as ConcreteRequest;
    for (const trustedDocuments of [false, true]) {
      const refused = await loadQuery<TeamActivityQuery>(
        relayOn(trustedDocuments).environment,
        altered,
        {
          teamId,
          count: 1,
        },
      ).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(TeamgraphError);
      expect((refused as TeamgraphError).code).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });
});
