import WebSocket from 'ws';
import { createTeamgraphClient, type TeamgraphClient } from '../client/src';
import {
  CreateItemDocument,
  CreateTeamDocument,
  SignUpDocument,
} from '../client/generated/graphql';
import { STRONG_PASSWORD } from './factories/user.factory';
import { collectActivity } from './support/activity-collector';
import { createScratchDatabase } from './support/scratch-database';
import { startServerProcess, type ServerProcess } from './support/server-process';
import { startProxy, type CuttableProxy } from './support/tcp-proxy';

/**
 * The kit resumes a feed across a real server restart (a new process on the same database,
 * reached on a new port): the rows written while it was away arrive once, in order.
 */
describe('client kit across a server restart', () => {
  let database: { url: string; drop(): Promise<void> };
  let server: ServerProcess | undefined;
  let proxy: CuttableProxy;
  let client: TeamgraphClient;

  const portOf = (url: string) => Number(new URL(url).port);

  /** A direct (not proxied) client of one server process, for the writes. */
  const direct = (url: string, token?: string) =>
    createTeamgraphClient({ url, token, webSocketImpl: WebSocket });

  beforeAll(async () => {
    database = await createScratchDatabase();
    server = await startServerProcess({ DATABASE_URL: database.url });
    proxy = await startProxy(portOf(server.url));
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await server?.stop();
    await database?.drop();
  });

  it('loses and doubles nothing', async () => {
    const first = direct(server!.url);
    const { signUp } = await first.request(SignUpDocument, {
      input: {
        email: `restart-${Date.now()}@example.com`,
        displayName: 'Rita Restart',
        password: STRONG_PASSWORD,
      },
    });
    const token = signUp.token;
    const writer = direct(server!.url, token);
    const { createTeam } = await writer.request(CreateTeamDocument, { name: 'Restart team' });
    const teamId = createTeam.id;
    const create = (c: TeamgraphClient, title: string) =>
      c.request(CreateItemDocument, { teamId, input: { title, content: {} } });

    client = createTeamgraphClient({
      url: proxy.url('/graphql'),
      token,
      webSocketImpl: WebSocket,
      backoff: { initialMs: 20, maxMs: 300 },
    });
    const seen = collectActivity();
    const follow = client.followTeamActivity(teamId, seen, { afterSeq: 0 });
    await create(writer, 'before the restart');
    await seen.waitForSeq(2);

    await server!.stop();
    server = await startServerProcess({ DATABASE_URL: database.url });
    const second = direct(server.url, token);
    await create(second, 'while the kit was away, 1');
    await create(second, 'while the kit was away, 2');
    proxy.retarget(portOf(server.url));
    await seen.waitForSeq(4, 20_000);
    await create(second, 'after it came back');
    await seen.waitForSeq(5);

    expect(seen.activities.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.activities.map((a) => a.summary).slice(2)).toEqual([
      'Rita Restart created "while the kit was away, 1"',
      'Rita Restart created "while the kit was away, 2"',
      'Rita Restart created "after it came back"',
    ]);
    expect(seen.gaps).toEqual([]);
    expect(seen.tampers).toEqual([]);
    expect(follow.stats.reconnects).toBeGreaterThanOrEqual(1);
    follow.stop();
    await Promise.all([first.close(), writer.close(), second.close()]);
  }, 90_000);
});
