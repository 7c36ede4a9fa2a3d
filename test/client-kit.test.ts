import WebSocket from 'ws';
import { createTeamgraphClient, type TeamgraphClient } from '../client/src';
import { CreateItemDocument, LogOutDocument } from '../client/generated/graphql';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { collectActivity } from './support/activity-collector';
import { startProxy, type CuttableProxy } from './support/tcp-proxy';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The client kit against the real server, through a TCP proxy the test cuts and restores:
 * feeds resume with afterSeq, lose and double nothing, verify the hash chain, stop on
 * ACCESS_REVOKED and on 4403 without retrying.
 */
describe('client kit', () => {
  let app: TestApp;
  let proxy: CuttableProxy;
  let owner: TestUser;
  let team: TestTeam;
  const clients: TeamgraphClient[] = [];

  const kit = (token: string) => {
    const client = createTeamgraphClient({
      url: proxy.url('/graphql'),
      token,
      webSocketImpl: WebSocket,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    clients.push(client);
    return client;
  };

  /** Creates an item directly on the server (not through the proxy); returns its seq. */
  const createItem = async (title: string, token = owner.token) => {
    const result = await app.gql<{ createItem: { id: string } }>(
      CreateItemDocument.toString(),
      { teamId: team.id, input: { title, content: {} } },
      token,
    );
    expect(result.errors).toBeUndefined();
    const [row] = await app.sql<{ seq: number }>(
      `SELECT max(seq) AS seq FROM activities WHERE team_id = $1`,
      [team.id],
    );
    return row.seq;
  };

  const lastSeq = async () =>
    (await app.sql<{ last_seq: number }>(`SELECT last_seq FROM teams WHERE id = $1`, [team.id]))[0]
      .last_seq;

  const storedSeqs = async () =>
    (
      await app.sql<{ seq: number }>(`SELECT seq FROM activities WHERE team_id = $1 ORDER BY seq`, [
        team.id,
      ])
    ).map((r) => r.seq);

  beforeAll(async () => {
    app = await startTestApp();
    proxy = await startProxy(Number(new URL(app.url).port));
    owner = await buildUser(app);
    team = await buildTeam(app, owner, 'Kit team');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy?.close();
    await app?.stop();
  });

  it('loses and doubles nothing while events are published during a cut', async () => {
    const seen = collectActivity();
    const follow = kit(owner.token).followTeamActivity(team.id, seen, { afterSeq: 0 });
    let last = await createItem('before the cut');
    await seen.waitForSeq(last);
    const connectionsBefore = proxy.connections;

    proxy.cut();
    for (let i = 0; i < 5; i += 1) last = await createItem(`during the cut ${i}`);
    proxy.restore();
    await seen.waitForSeq(last);
    last = await createItem('after the cut');
    await seen.waitForSeq(last);

    const seqs = seen.activities.map((a) => a.seq);
    expect(seqs).toEqual(await storedSeqs());
    expect(new Set(seen.activities.map((a) => a.id)).size).toBe(seqs.length);
    expect(seen.gaps).toEqual([]);
    expect(seen.tampers).toEqual([]);
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect(follow.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(follow.position(team.id)).toMatchObject({
      seq: last,
      hash: seen.activities.at(-1)!.hash,
    });
    follow.stop();
    await expect(follow.done).resolves.toMatchObject({ code: 'STOPPED' });
  });

  it('starts at the newest row when given no afterSeq, and still resumes after a cut', async () => {
    const seen = collectActivity();
    const follow = kit(owner.token).followTeamActivity(team.id, seen);
    await seen.started;
    const first = await createItem('live one');
    await seen.waitForSeq(first);
    proxy.cut();
    const during = await createItem('live two, during a cut');
    proxy.restore();
    await seen.waitForSeq(during);
    expect(seen.activities.map((a) => a.seq)).toEqual([first, during]);
    expect(seen.tampers).toEqual([]);
    follow.stop();
  });

  it('starts while the network is down and follows once it is back', async () => {
    proxy.cut();
    const seen = collectActivity();
    const follow = kit(owner.token).followTeamActivity(team.id, seen);
    const during = await createItem('written before the kit could connect');
    proxy.restore();
    // It anchors on the newest row it can read once back (live from then on): write until a
    // row arrives, which proves it started despite the failed first reads.
    for (let attempt = 0; ; attempt += 1) {
      const seq = await createItem(`written after ${attempt}`);
      const arrived = await seen.waitForSeq(seq, 1_000).then(
        () => true,
        () => attempt >= 10 && Promise.reject(new Error('the feed never started')),
      );
      if (arrived) break;
    }
    expect(seen.activities.every((a) => a.seq > during)).toBe(true);
    expect(seen.tampers).toEqual([]);
    follow.stop();
  });

  it('follows all my teams across a cut, filling what it missed', async () => {
    const other = await buildTeam(app, owner, 'Second kit team');
    const seen = collectActivity();
    const client = kit(owner.token);
    const follow = client.followMyActivity(seen);
    // myActivity starts live from now: it is live once a new row arrives, so create until one does.
    for (let attempt = 0; ; attempt += 1) {
      const seq = await createItem(`my feed, first ${attempt}`);
      const arrived = await seen.waitForSeq(seq, 1_000).then(
        () => true,
        () => attempt >= 10 && Promise.reject(new Error('myActivity never went live')),
      );
      if (arrived) break;
    }
    proxy.cut();
    const missed = await createItem('my feed, during the cut');
    const otherTeam = await app.gql<{ createItem: { id: string } }>(
      CreateItemDocument.toString(),
      { teamId: other.id, input: { title: 'other team, during the cut', content: {} } },
      owner.token,
    );
    expect(otherTeam.errors).toBeUndefined();
    proxy.restore();
    await seen.waitFor(
      "both teams' missed rows",
      (all) => all.some((a) => a.team.id === other.id) && all.some((a) => a.seq === missed),
    );
    const mine = seen.activities.filter((a) => a.team.id === team.id).map((a) => a.seq);
    expect(mine).toEqual([...new Set(mine)].sort((a, b) => a - b));
    expect(mine).toContain(missed);
    const fromOther = seen.activities.filter((a) => a.team.id === other.id).map((a) => a.action);
    expect(fromOther).toContain('ITEM_CREATED');
    expect(seen.gaps).toEqual([]);
    expect(seen.tampers).toEqual([]);
    follow.stop();
  });

  it('reports a row altered in the database, anchoring mid-log on the first row it gets', async () => {
    const base = await createItem('tamper base');
    const [{ tree_frontier: frontierAtBase }] = await app.sql<{ tree_frontier: Buffer[] }>(
      `SELECT tree_frontier FROM teams WHERE id = $1`,
      [team.id],
    );
    const altered = await createItem('tamper target');
    const after = await createItem('tamper after');
    await app.sql(
      `UPDATE activities SET details = '{"forged": true}'::jsonb WHERE team_id = $1 AND seq = $2`,
      [team.id, altered],
    );
    // Started mid-log with no hash: anchors on `base`, then checks every row after it.
    const seen = collectActivity();
    const follow = kit(owner.token).followTeamActivity(team.id, seen, { afterSeq: base - 1 });
    await seen.waitForSeq(after);
    const [chainTamper, ...more] = seen.chainTampers();
    expect(more).toEqual([]);
    expect(chainTamper).toMatchObject({ kind: 'chain', teamId: team.id, seq: altered });
    if (chainTamper?.kind === 'chain')
      expect(chainTamper.expectedHash).not.toBe(chainTamper.receivedHash);
    follow.stop();

    // Re-hashing the altered row to hide it breaks the link to the next row instead.
    const [{ hash: forged }] = await app.sql<{ hash: string }>(
      `SELECT md5(random()::text) || md5(random()::text) AS hash`,
    );
    await app.sql(`UPDATE activities SET hash = $3 WHERE team_id = $1 AND seq = $2`, [
      team.id,
      altered,
      forged,
    ]);
    const again = collectActivity();
    const second = kit(owner.token).followTeamActivity(team.id, again, { afterSeq: base - 1 });
    await again.waitForSeq(after);
    expect(again.chainTampers().map((t) => t.seq)).toEqual([altered, after]);
    second.stop();
    // Put the log back for the tests after this one.
    await app.sql(`DELETE FROM activities WHERE team_id = $1 AND seq >= $2`, [team.id, altered]);
    await app.sql(
      `UPDATE teams SET last_seq = $2, last_hash = (SELECT hash FROM activities WHERE team_id = $1 AND seq = $2),
                        tree_frontier = $3 WHERE id = $1`,
      [team.id, base, frontierAtBase],
    );
    // The Merkle tree goes back to `base` leaves too: its subtrees past it went with their rows.
    await app.sql(`DELETE FROM activity_checkpoints WHERE team_id = $1 AND tree_size > $2`, [
      team.id,
      base,
    ]);
  });

  it('ends with ACCESS_REVOKED when the member is removed, and does not come back', async () => {
    const member = await addMember(app, team, 'MEMBER');
    const seen = collectActivity();
    // From the current head, so the item below arrives however late the subscription starts.
    const follow = kit(member.token).followTeamActivity(team.id, seen, {
      afterSeq: await lastSeq(),
    });
    const seq = await createItem('for the member');
    await seen.waitForSeq(seq);
    const removed = await app.gql(
      `mutation ($t: ID!, $u: ID!) { removeMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: member.id },
      owner.token,
    );
    expect(removed.errors).toBeUndefined();
    await expect(follow.done).resolves.toMatchObject({ code: 'ACCESS_REVOKED' });
    expect(seen.ends).toEqual([expect.objectContaining({ code: 'ACCESS_REVOKED' })]);
    expect(follow.stats.reconnects).toBe(0);
  });

  it('stops on a 4403 close (session logged out) without retrying', async () => {
    const user = await buildUser(app);
    await addMember(app, team, 'MEMBER', user);
    const client = kit(user.token);
    const seen = collectActivity();
    const follow = client.followTeamActivity(team.id, seen, { afterSeq: await lastSeq() });
    const seq = await createItem('before log-out');
    await seen.waitForSeq(seq);
    const connections = proxy.connections;
    await client.request(LogOutDocument);
    await expect(follow.done).resolves.toMatchObject({ code: 'FORBIDDEN', closeCode: 4403 });
    expect(seen.ends).toEqual([expect.objectContaining({ closeCode: 4403 })]);
    expect(follow.stats.reconnects).toBe(0);
    // At most the log-out request's own HTTP connection: no socket was opened after it.
    expect(proxy.connections).toBeLessThanOrEqual(connections + 1);
  });

  it('stops at once on a token the server refuses with 4403', async () => {
    const connections = proxy.connections;
    const seen = collectActivity();
    const follow = kit('not-a-session-token').followMyActivity(seen);
    await expect(follow.done).resolves.toMatchObject({ closeCode: 4403 });
    expect(follow.stats.reconnects).toBe(0);
    expect(proxy.connections - connections).toBeLessThanOrEqual(2);
  });
});
