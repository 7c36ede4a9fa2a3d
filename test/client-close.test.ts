import WebSocket from 'ws';
import { createTeamgraphClient } from '../client/src';
import { buildUser } from './factories/user.factory';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Closing the kit's client is never an error, even when the server is refusing its socket at
 * that moment (a session ended elsewhere): the page closes its client then, and a rejection
 * there would surface as an uncaught error in the browser.
 */
describe('closing the client kit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('resolves when the socket is refused while connecting (a revoked token)', async () => {
    const user = await buildUser(app);
    const loggedOut = await app.gql(`mutation { logOut }`, {}, user.token);
    expect(loggedOut.errors).toBeUndefined();
    const client = createTeamgraphClient({
      url: app.url,
      token: user.token,
      webSocketImpl: WebSocket,
    });
    const refusal = new Promise<number>((resolve) =>
      client.ws.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    const feed = client.followAccountEvents({ onEvent: () => undefined, onEnded: () => undefined });
    // Closed while the connection is still being set up: graphql-ws's dispose() waits for it,
    // and the server's refusal arrives meanwhile.
    await expect(client.close()).resolves.toBeUndefined();
    expect([4401, 4403]).toContain(await refusal);
    feed.stop();
  });
});
