import { liveIdle } from './live-gauges';
import { startTestApp, type TestApp } from './test-app';
import { connectLive, type LiveClient } from './ws-client';

/**
 * A suite's server plus the live clients its tests open; registers the jest hooks that start
 * the server, dispose every client after each test (and wait until the server let go of them
 * too, so each test starts from no socket and no subscription) and stop the server at the end.
 */
export function useLiveApp(env: Record<string, string> = {}) {
  let app: TestApp | undefined;
  const clients: LiveClient[] = [];
  beforeAll(async () => {
    app = await startTestApp(env);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await liveIdle();
  });
  afterAll(async () => {
    await app?.stop();
  });
  const started = (): TestApp => {
    if (!app) throw new Error('the live test app is not started yet');
    return app;
  };
  return {
    get app(): TestApp {
      return started();
    },
    /** Opens a graphql-ws client (closed after the test); null token: anonymous. */
    async open(token: string | null): Promise<LiveClient> {
      const live = await connectLive(started(), token);
      clients.push(live);
      return live;
    },
  };
}
