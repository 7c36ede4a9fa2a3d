import { Client } from 'pg';
import { oneQueryAtATime, remoteApp } from './remote-app';
import { createScratchDatabase } from './scratch-database';
import { startServerProcess, type ServerProcess } from './server-process';
import type { TestApp } from './test-app';
import { connectLive, type LiveClient } from './ws-client';

/**
 * Two real server processes on one scratch database, sharing whatever `env` names (a Redis,
 * a Redis Cluster), and the sockets a test opens on them.
 */
export class TwoInstances {
  private readonly sockets: LiveClient[] = [];

  private constructor(
    readonly servers: [ServerProcess, ServerProcess],
    readonly a: TestApp,
    readonly b: TestApp,
    /** The database both serve. */
    readonly databaseUrl: string,
    private readonly db: Client,
    private readonly drop: () => Promise<void>,
  ) {}

  static async start(env: Record<string, string>): Promise<TwoInstances> {
    // A copy of the run's migrated template: neither start has migrations left to apply.
    const database = await createScratchDatabase({ migrated: true });
    const db = new Client({ connectionString: database.url });
    await db.connect();
    const servers: ServerProcess[] = [];
    try {
      // One after the other, as a deployment rolls out.
      for (let i = 0; i < 2; i += 1)
        servers.push(await startServerProcess({ DATABASE_URL: database.url, ...env }));
    } catch (error) {
      await Promise.all(servers.map((s) => s.stop()));
      await db.end();
      await database.drop();
      throw error;
    }
    const [first, second] = servers;
    const sql = oneQueryAtATime(db);
    return new TwoInstances(
      [first, second],
      remoteApp(first, sql),
      remoteApp(second, sql),
      database.url,
      db,
      database.drop,
    );
  }

  /** A live socket on `app`, closed by `closeSockets` (or `stop`). */
  async open(app: TestApp, token: string): Promise<LiveClient> {
    const live = await connectLive(app, token);
    this.sockets.push(live);
    return live;
  }

  async closeSockets(): Promise<void> {
    await Promise.all(this.sockets.splice(0).map((socket) => socket.dispose()));
  }

  async stop(): Promise<void> {
    await this.closeSockets();
    await Promise.all(this.servers.map((server) => server.stop()));
    await this.db.end();
    await this.drop();
  }
}
