import { createContext } from '../src/server/create-context';
import type { Activity } from '../entities/activity.entity';
import { liveSubscriber } from '../resolvers/live-subscriber';
import { LiveActivityFeed } from '../src/live/live-activity-feed';
import { buildTeam } from './factories/team.factory';
import { startTestApp, type TestApp } from './support/test-app';

const RENAME = `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`;

/**
 * A reader that stalls (a slow mobile link) must not make the server buffer without bound:
 * past the limit, buffered activity is dropped and read back from the table when the reader
 * catches up — still every seq once, in order.
 */
describe('live feed: a stalled reader', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.stop();
  });

  it('keeps at most the buffer limit and still delivers every seq once, in order', async () => {
    const team = await buildTeam(app);
    const { services } = app.app;
    const context = await createContext(services, {
      authorization: `Bearer ${team.owner.token}`,
      ip: '127.0.0.1',
      userAgent: null,
    });
    const feed = new LiveActivityFeed({
      services,
      subscriber: liveSubscriber(context),
      onAccessLost: 'end',
      followJoins: false,
      maxBuffered: 5,
    });
    try {
      await feed.follow(team.id, 1, false);
      let most = 0;
      for (let i = 0; i < 30; i += 1) {
        const response = await app.gql(
          RENAME,
          { teamId: team.id, name: `n${i}` },
          team.owner.token,
        );
        expect(response.errors).toBeUndefined();
        most = Math.max(most, feed.bufferedEvents());
      }
      expect(most).toBeLessThanOrEqual(5 + 1);
      const seqs: number[] = [];
      while (seqs.length < 30) {
        const { value, done } = await feed.next();
        if (done) break;
        seqs.push((value as Activity).seq);
      }
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
      expect(feed.bufferedEvents()).toBe(0);
    } finally {
      await feed.return();
    }
    expect(services.bus.listenerCount()).toBe(0);
  });
});
