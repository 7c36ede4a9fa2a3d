import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type OperationDefinitionNode } from 'graphql';
import WebSocket from 'ws';
import { createTeamgraphClient, TeamgraphError, type TeamgraphClient } from '../client/src';
import {
  CreateItemDocument,
  CreateTeamDocument,
  MyTeamsDocument,
  TeamActivityDocument,
} from '../client/generated/graphql';
import { relayOperations } from '../client/relay/operations';
import { documentHash, manifestJson } from '../client/trusted-documents-manifest';
import { insertUser } from './support/fast-users';
import { collectActivity } from './support/activity-collector';
import { PRODUCTION_ENV } from './support/production-env';
import { readGraphqlResponse, startTestApp, type TestApp } from './support/test-app';
import { connectLive, endCode, subscribe, type LiveClient } from './support/ws-client';
import type { TestUser } from './factories/user.factory';

/**
 * Trusted documents (API.md, "Conventions clients and tools expect"): the manifest of
 * first-party operations is complete and current, and a production server with
 * TRUSTED_DOCUMENTS=require runs those alone, by hash or by text, over HTTP and WebSocket.
 */
const ROOT = join(__dirname, '..');
const byHash = (text: string) => ({
  extensions: { persistedQuery: { version: 1, sha256Hash: documentHash(text) } },
});
const NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND';
/** Not a first-party operation: a valid mutation the server would otherwise run. */
const FOREIGN_CREATE = `mutation ($name: String!) { createTeam(input: { name: $name }) { id } }`;

const operationNames = (text: string) =>
  parse(text)
    .definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')
    .map((d) => d.name?.value);

describe('the trusted-document manifest', () => {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'client', 'trusted-documents.json'), 'utf8'),
  ) as Record<string, string>;

  it('is current (npm run build writes it from client/generated)', () => {
    expect(readFileSync(join(ROOT, 'client', 'trusted-documents.json'), 'utf8')).toBe(
      manifestJson(),
    );
  });

  it("holds every operation of client/operations and the Relay client's, each under the SHA-256 of its text", () => {
    const dir = join(ROOT, 'client', 'operations');
    const declared = readdirSync(dir)
      .filter((file) => file.endsWith('.graphql'))
      .flatMap((file) => operationNames(readFileSync(join(dir, file), 'utf8')))
      .concat(relayOperations.map(({ params }) => params.name));
    const inManifest = Object.values(manifest).flatMap(operationNames);
    expect(declared.length).toBeGreaterThan(20);
    expect([...inManifest].sort()).toEqual([...declared].sort());
    for (const [hash, text] of Object.entries(manifest)) expect(documentHash(text)).toBe(hash);
  });

  it('covers every document the web page and the kit send: none is written outside client/operations', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? sources(join(dir, entry.name))
          : /\.tsx?$/.test(entry.name)
            ? [join(dir, entry.name)]
            : [],
      );
    const inline = /[`'"]\s*(query|mutation|subscription|fragment)\b[^`'"]*[{(]/;
    const written = [...sources(join(ROOT, 'web', 'src')), ...sources(join(ROOT, 'client', 'src'))]
      .filter((file) => inline.test(readFileSync(file, 'utf8')))
      .map((file) => file.slice(ROOT.length + 1));
    expect(written).toEqual([]);
  });
});

describe('TRUSTED_DOCUMENTS=require in production', () => {
  let app: TestApp;
  let user: TestUser;
  const sockets: LiveClient[] = [];
  const kits: TeamgraphClient[] = [];

  const post = async (body: Record<string, unknown>, token: string | null = user.token) =>
    readGraphqlResponse<Record<string, unknown>>(
      await fetch(app.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      }),
    );
  const live = async () => {
    const socket = await connectLive(app, user.token);
    sockets.push(socket);
    return socket;
  };
  const kit = (trustedDocuments: boolean) => {
    const client = createTeamgraphClient({
      url: app.url,
      token: user.token,
      webSocketImpl: WebSocket,
      trustedDocuments,
    });
    kits.push(client);
    return client;
  };
  const teamsNamed = async (name: string) =>
    Number(
      (await app.sql<{ n: string }>(`SELECT count(*) AS n FROM teams WHERE name = $1`, [name]))[0]
        .n,
    );

  beforeAll(async () => {
    app = await startTestApp({ ...PRODUCTION_ENV, TRUSTED_DOCUMENTS: 'require' });
    user = await insertUser(app);
  });

  afterAll(async () => {
    await Promise.all([...sockets.map((s) => s.dispose()), ...kits.map((k) => k.close())]);
    await app?.stop();
  });

  describe('over HTTP', () => {
    it('runs a manifest query by its hash alone and by its text', async () => {
      for (const body of [byHash(String(MyTeamsDocument)), { query: String(MyTeamsDocument) }]) {
        const answer = await post(body);
        expect(answer.errors).toBeUndefined();
        expect(answer.data).toMatchObject({ me: { id: user.id } });
      }
    });

    it('runs a manifest mutation by its hash', async () => {
      const answer = await post({
        ...byHash(String(CreateTeamDocument)),
        variables: { name: 'By hash' },
      });
      expect(answer.errors).toBeUndefined();
      expect(await teamsNamed('By hash')).toBe(1);
    });

    it.each([
      ['another document', FOREIGN_CREATE],
      ['a manifest mutation with its whitespace changed', `${String(CreateTeamDocument)} `],
    ])('answers %s with PERSISTED_QUERY_NOT_FOUND and runs nothing', async (_what, query) => {
      for (const body of [{ query }, { query, ...byHash(query) }, byHash(query)]) {
        const answer = await post({ ...body, variables: { name: 'Refused' } });
        expect(answer.status).toBe(200);
        expect(answer.errors?.[0]?.extensions?.code).toBe(NOT_FOUND);
        expect(answer.data).toBeUndefined();
      }
      expect(await teamsNamed('Refused')).toBe(0);
    });

    it('refuses to register a document through automatic persisted queries', async () => {
      const query = '{ __typename }';
      expect((await post({ query, ...byHash(query) })).errors?.[0]?.extensions?.code).toBe(
        NOT_FOUND,
      );
      expect((await post(byHash(query))).errors?.[0]?.extensions?.code).toBe(NOT_FOUND);
    });

    it('answers another document sent by GET with PERSISTED_QUERY_NOT_FOUND', async () => {
      const url = new URL(app.url);
      url.searchParams.set('query', '{ __typename }');
      const answer = await readGraphqlResponse(
        await fetch(url, { headers: { 'apollo-require-preflight': 'true' } }),
      );
      expect(answer.errors?.[0]?.extensions?.code).toBe(NOT_FOUND);
    });
  });

  describe('over WebSocket', () => {
    it('runs a manifest query and mutation by hash and by text', async () => {
      const socket = await live();
      for (const document of [byHash(String(MyTeamsDocument)), String(MyTeamsDocument)]) {
        const feed = subscribe(socket, document);
        await feed.untilComplete();
        expect(feed.results).toEqual([
          { data: expect.objectContaining({ me: expect.objectContaining({ id: user.id }) }) },
        ]);
      }
      const created = subscribe(socket, byHash(String(CreateTeamDocument)), { name: 'Over ws' });
      await created.untilComplete();
      expect(created.results[0]?.errors).toBeUndefined();
      expect(await teamsNamed('Over ws')).toBe(1);
    });

    it('follows a manifest subscription sent by its hash', async () => {
      const team = await kit(false).request(CreateTeamDocument, { name: 'Followed' });
      const socket = await live();
      const feed = subscribe(socket, byHash(String(TeamActivityDocument)), {
        teamId: team.createTeam.id,
        afterSeq: 0,
      });
      await kit(false).request(CreateItemDocument, {
        teamId: team.createTeam.id,
        input: { title: 'Seen live', content: {} },
      });
      await feed.untilValue<{ summary: string }>(
        'teamActivity',
        (activity) => activity.summary.includes('Seen live'),
        'the new item',
        15_000,
      );
    });

    it.each([
      ['another document', FOREIGN_CREATE],
      ['a manifest mutation with its whitespace changed', `${String(CreateTeamDocument)} `],
    ])('answers %s with PERSISTED_QUERY_NOT_FOUND and runs nothing', async (_what, query) => {
      const socket = await live();
      for (const document of [query, { query, ...byHash(query) }, byHash(query)]) {
        const feed = subscribe(socket, document, { name: 'Refused over ws' });
        await feed.untilComplete();
        expect(endCode(feed)).toBe(NOT_FOUND);
      }
      expect(await teamsNamed('Refused over ws')).toBe(0);
    });

    it('refuses a subscription that is not in the manifest', async () => {
      const socket = await live();
      const feed = subscribe(socket, `subscription { myActivity { id } }`);
      await feed.untilComplete();
      expect(endCode(feed)).toBe(NOT_FOUND);
    });
  });

  describe('the kit', () => {
    it('works end to end by hash: queries, mutations and a live feed', async () => {
      const client = kit(true);
      const { createTeam } = await client.request(CreateTeamDocument, { name: 'Kit by hash' });
      const { me } = await client.request(MyTeamsDocument);
      expect(me?.teams.map((t) => t.team.id)).toContain(createTeam.id);
      const seen = collectActivity();
      const follow = client.followTeamActivity(createTeam.id, seen, { afterSeq: 0 });
      await seen.started;
      await client.request(CreateItemDocument, {
        teamId: createTeam.id,
        input: { title: 'Kit item', content: {} },
      });
      await seen.waitFor(
        'the kit item',
        (rows) => rows.some((r) => r.summary.includes('Kit item')),
        15_000,
      );
      expect(seen.ends).toEqual([]);
      follow.stop();
    });

    it('is refused a document of its own with PERSISTED_QUERY_NOT_FOUND', async () => {
      const refused = kit(true).request({ toString: () => '{ __typename }' }, {});
      await expect(refused).rejects.toBeInstanceOf(TeamgraphError);
      await expect(refused).rejects.toMatchObject({ code: NOT_FOUND });
    });
  });
});

describe('TRUSTED_DOCUMENTS=off (the default)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  it('knows the manifest by hash and still runs any other document', async () => {
    const send = async (body: Record<string, unknown>) =>
      readGraphqlResponse(
        await fetch(app.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    const unknownHash = await send({ ...byHash('query { __typename }') });
    expect(unknownHash.errors?.[0]?.extensions?.code).toBe(NOT_FOUND);
    expect((await send({ query: '{ __typename }' })).data).toEqual({ __typename: 'Query' });
    const signedOut = await send(byHash(String(MyTeamsDocument)));
    expect(signedOut.errors).toBeUndefined();
    expect(signedOut.data).toEqual({ me: null });
  });
});
