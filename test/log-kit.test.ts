import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import WebSocket from 'ws';
import {
  createTeamgraphClient,
  verifyCheckpoint,
  type FollowPosition,
  type SigningKey,
  type TeamgraphClient,
} from '../client/src';
import { CreateItemDocument } from '../client/generated/graphql';
import { leafHash, verifyInclusion } from '../client/src/log-verification/merkle-tree';
import { canonicalActivity } from '../client/src/activity-hash';
import { exportTeamLog } from '../src/activity/log-export';
import { verifyLogExport } from '../client/src/log-verification/log-export';
import { independentlyVerifyExport } from './support/independent-log-verifier';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { collectActivity, type ActivityCollector } from './support/activity-collector';
import { rewriteTeamLog } from './support/log-forgery';
import { createScratchDatabase } from './support/scratch-database';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

/**
 * The kit verifies the team log against the real server as it follows it: every row in a signed
 * checkpoint, each checkpoint consistent with the one it kept, witnessed; and it reports the
 * attacks of an operator who alters the database behind the server, with the evidence.
 */
const seed = () => randomBytes(32).toString('base64');
// Every write signs a checkpoint, so each live row carries one (the default is every 100 rows or 10 s).
const signingEnv = (key: string) => ({ CHECKPOINT_SIGNING_KEY: key, CHECKPOINT_EVERY_ROWS: '1' });

interface Kit {
  client: TeamgraphClient;
  /** Operation names of the proofs asked for, in order. */
  asked: string[];
}

describe('the kit verifies the team log against the server', () => {
  let app: TestApp;
  let owner: TestUser;
  let team: TestTeam;
  let keys: SigningKey[];
  const clients: TeamgraphClient[] = [];

  const kit = (token: string, options: { url?: string; signingKeys?: SigningKey[] } = {}): Kit => {
    const asked: string[] = [];
    const client = createTeamgraphClient({
      url: options.url ?? app.url,
      token,
      webSocketImpl: WebSocket,
      backoff: { initialMs: 20, maxMs: 200 },
      signingKeys: options.signingKeys,
      fetch: (input, init) => {
        const body = String(init?.body ?? '');
        for (const name of [
          'activityInclusionProof',
          'activityConsistencyProof',
          'witnessCheckpoint',
        ])
          if (body.includes(name)) asked.push(name);
        return fetch(input, init);
      },
    });
    clients.push(client);
    return { client, asked };
  };

  const createItem = async (
    title: string,
    on: TestApp = app,
    token = owner.token,
    teamId = team.id,
  ) => {
    const result = await on.gql<{ createItem: { id: string } }>(
      CreateItemDocument.toString(),
      { teamId, input: { title, content: {} } },
      token,
    );
    expect(result.errors).toBeUndefined();
    const [row] = await on.sql<{ seq: number }>(`SELECT last_seq AS seq FROM teams WHERE id = $1`, [
      teamId,
    ]);
    return row.seq;
  };

  const verifiedUpTo = (seen: ActivityCollector, seq: number) =>
    waitUntil(
      () => seen.verified.some((v) => v.verifiedSeq >= seq && v.witnesses !== undefined),
      `rows up to ${seq} verified and witnessed`,
    );

  const publishedKeys = async (on: TestApp) =>
    (
      await on.gql<{ signingKeys: SigningKey[] }>(
        `{ signingKeys { keyId publicKey validFrom validUntil } }`,
      )
    ).data!.signingKeys;

  beforeAll(async () => {
    app = await startTestApp(signingEnv(seed()));
    owner = await buildUser(app);
    team = await buildTeam(app, owner, 'Verified team');
    keys = await publishedKeys(app);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await app?.stop();
  });

  it('checks every row against signed checkpoints, with one inclusion proof in all, and witnesses them', async () => {
    const seen = collectActivity();
    const { client, asked } = kit(owner.token, { signingKeys: keys });
    const follow = client.followTeamActivity(team.id, seen);
    await seen.started;
    let last = 0;
    for (let i = 0; i < 6; i += 1) last = await createItem(`row ${i}`);
    await seen.waitForSeq(last);
    await verifiedUpTo(seen, last);
    expect(seen.tampers).toEqual([]);
    expect(seen.forks).toEqual([]);
    // Anchoring needs one inclusion proof; the rows after it are proved by the roots they give.
    expect(asked.filter((name) => name === 'activityInclusionProof')).toHaveLength(1);
    const witnessed = seen.verified.filter((v) => v.witnesses !== undefined).at(-1)!;
    expect(witnessed.witnesses).toBe(1);
    expect(witnessed.checkpoint).toMatchObject({
      teamId: team.id,
      treeSize: last,
      keyId: keys[0]!.keyId,
    });
    expect(await verifyCheckpoint(witnessed.checkpoint, keys)).toMatchObject({ valid: true });
    const [{ count }] = await app.sql<{ count: number }>(
      `SELECT count(*)::int AS count FROM checkpoint_witnesses WHERE team_id = $1 AND tree_size = $2 AND user_id = $3`,
      [team.id, last, owner.id],
    );
    expect(count).toBe(1);
    expect(follow.position(team.id)?.log).toMatchObject({
      trust: 'pinned',
      kept: { treeSize: last },
    });
    follow.stop();
  });

  it('keeps its checkpoint with the resume position and goes on from it after a restart', async () => {
    const first = collectActivity();
    const before = kit(owner.token);
    const follow = before.client.followTeamActivity(team.id, first);
    await first.started;
    const seq = await createItem('before the restart');
    await verifiedUpTo(first, seq);
    await follow.idle?.();
    const saved = JSON.parse(JSON.stringify(follow.position(team.id))) as FollowPosition;
    follow.stop();
    // Trust on first use, stated and stored.
    expect(saved.log).toMatchObject({ trust: 'first-use', kept: { treeSize: seq } });
    expect(saved.log?.keys.map((k) => k.keyId)).toEqual(keys.map((k) => k.keyId));

    let last = seq;
    for (let i = 0; i < 3; i += 1) last = await createItem(`while stopped ${i}`);
    const again = collectActivity();
    const after = kit(owner.token);
    const resumed = after.client.followTeamActivity(team.id, again, {
      afterSeq: saved.seq,
      lastHash: saved.hash,
      log: saved.log,
    });
    await again.waitForSeq(last);
    await verifiedUpTo(again, last);
    expect(again.activities.map((a) => a.seq)).toEqual([seq + 1, seq + 2, seq + 3]);
    expect(again.tampers).toEqual([]);
    expect(again.forks).toEqual([]);
    // The stored range needs no anchor: no inclusion proof at all.
    expect(after.asked).not.toContain('activityInclusionProof');
    resumed.stop();
  });

  it('the server’s export verifies under the kit’s verifier and the independent one alike', async () => {
    const last = await createItem('exported');
    const text: string[] = [];
    for await (const line of exportTeamLog(
      app.app.services.dataSource,
      app.app.services.activityProofs,
      team.id,
    ))
      text.push(line);
    const file = JSON.parse(text.join('')) as { rows: { details: Record<string, unknown> }[] };
    expect(file.rows).toHaveLength(last);
    const kitVerdict = await verifyLogExport(file, { pinnedKeys: keys });
    expect(kitVerdict.failure).toBeUndefined();
    expect(independentlyVerifyExport(file, keys)).toEqual({ ok: true });
    // Altered in the file: both name the same step and row.
    const altered = JSON.parse(JSON.stringify(file)) as typeof file;
    altered.rows[1]!.details = { ...altered.rows[1]!.details, altered: true };
    expect((await verifyLogExport(altered, { pinnedKeys: keys })).failure).toMatchObject({
      step: 'chain',
      seq: 2,
    });
    expect(independentlyVerifyExport(altered, keys)).toEqual({ ok: false, step: 'chain', seq: 2 });
  });

  it('after an account is deleted, earlier checkpoints and proofs still verify', async () => {
    const member = await addMember(app, team, 'MEMBER');
    const seen = collectActivity();
    const { client } = kit(owner.token, { signingKeys: keys });
    const follow = client.followTeamActivity(team.id, seen);
    await seen.started;
    const theirs = await createItem('their item', app, member.token);
    await verifiedUpTo(seen, theirs);
    const before = seen.verified.at(-1)!.checkpoint;
    const row = seen.activities.find((a) => a.seq === theirs)!;

    const deleted = await app.gql(
      `mutation ($p: String!) { deleteAccount(password: $p) }`,
      { p: member.password },
      member.token,
    );
    expect(deleted.errors).toBeUndefined();
    const last = await createItem('after the deletion');
    await verifiedUpTo(seen, last);
    expect(seen.tampers).toEqual([]);
    expect(seen.forks).toEqual([]);

    // The row as served now: the name is gone, the leaf and its proof in the old checkpoint hold.
    const page = await app.gql<{ team: { activity: { edges: { node: typeof row }[] } } }>(
      `query ($t: ID!) { team(id: $t) { activity(first: 100) { edges { node {
        id seq action subjectType subjectId summary summaryDigest details createdAt hash team { id } actor { id displayName } } } } } }`,
      { t: team.id },
      owner.token,
    );
    const now = page.data!.team.activity.edges.map((e) => e.node).find((a) => a.seq === theirs)!;
    // The summary named them; its text is erased, its salted digest (what the leaf seals) stays.
    expect(row.summary).toContain(member.displayName);
    expect(now.summary).not.toContain(member.displayName);
    expect(now.actor?.displayName).toBe('a deleted user');
    const proof = await app.gql<{ activityInclusionProof: string[] }>(
      `query ($t: ID!, $s: Int!, $n: Int!) { activityInclusionProof(teamId: $t, seq: $s, treeSize: $n) }`,
      { t: team.id, s: theirs, n: before.treeSize },
      owner.token,
    );
    const leaf = await leafHash(new TextEncoder().encode(canonicalActivity(now)));
    expect(
      await verifyInclusion(
        theirs - 1,
        before.treeSize,
        leaf,
        proof.data!.activityInclusionProof.map((h) => Buffer.from(h, 'base64')),
        Buffer.from(before.rootHash, 'base64'),
      ),
    ).toBe(true);
    expect(canonicalActivity(now)).toBe(canonicalActivity(row));

    // A client that reads the whole log from row 1 now verifies it too.
    const fresh = collectActivity();
    const whole = kit(owner.token, { signingKeys: keys }).client.followTeamActivity(
      team.id,
      fresh,
      { afterSeq: 0 },
    );
    await fresh.waitForSeq(last);
    await verifiedUpTo(fresh, last);
    expect(fresh.tampers).toEqual([]);
    whole.stop();
    follow.stop();
  });
});

describe('attacks by an operator who alters the database behind the server', () => {
  const clients: TeamgraphClient[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const stop of stops.reverse()) await stop();
  });

  const kitOn = (on: TestApp, token: string, signingKeys?: SigningKey[]) => {
    const client = createTeamgraphClient({
      url: on.url,
      token,
      webSocketImpl: WebSocket,
      backoff: { initialMs: 20, maxMs: 200 },
      signingKeys,
    });
    clients.push(client);
    return client;
  };
  const write = async (on: TestApp, token: string, teamId: string, title: string) => {
    const result = await on.gql(
      CreateItemDocument.toString(),
      { teamId, input: { title, content: {} } },
      token,
    );
    expect(result.errors).toBeUndefined();
    const [row] = await on.sql<{ seq: number }>(`SELECT last_seq AS seq FROM teams WHERE id = $1`, [
      teamId,
    ]);
    return row.seq;
  };
  /** Follows until the rows up to `seq` are verified; returns the collector and the stored position. */
  const followVerified = async (
    client: TeamgraphClient,
    teamId: string,
    seq: () => Promise<number>,
  ) => {
    const seen = collectActivity();
    const follow = client.followTeamActivity(teamId, seen, { afterSeq: 0 });
    const last = await seq();
    await waitUntil(
      () => seen.verified.some((v) => v.verifiedSeq >= last && v.witnesses !== undefined),
      `rows up to ${last} verified`,
    );
    await follow.idle?.();
    return { seen, follow, last };
  };
  const started = async (env: Record<string, string>, databaseUrl?: string) => {
    const started = await startTestApp(env, databaseUrl ? ({ databaseUrl } as TestApp) : undefined);
    stops.push(() => started.stop());
    return started;
  };

  it('(1) a row rewritten, the chain re-hashed, the tree rebuilt and re-signed with a new key', async () => {
    const honest = await started(signingEnv(seed()));
    const owner = await buildUser(honest);
    const team = await buildTeam(honest, owner, 'Rewritten');
    const pinned = await (async () =>
      (
        await honest.gql<{ signingKeys: SigningKey[] }>(
          `{ signingKeys { keyId publicKey validFrom validUntil } }`,
        )
      ).data!.signingKeys)();
    const { follow, last } = await followVerified(kitOn(honest, owner.token), team.id, async () => {
      let seq = 0;
      for (let i = 0; i < 4; i += 1) seq = await write(honest, owner.token, team.id, `honest ${i}`);
      return seq;
    });
    const saved = follow.position(team.id)!;
    follow.stop();

    await rewriteTeamLog(honest.sql, team.id, {
      edit: (row) => {
        if (row.seq === 2) row.details = { ...row.details, rewritten: true };
      },
    });
    // A new deployment on the same database signs with a key of its own.
    const forger = await started(signingEnv(seed()), honest.databaseUrl);
    const newest = await write(forger, owner.token, team.id, 'after the rewrite');

    // Trusting keys on first use: the new key is taken, but the new tree does not extend the kept one.
    const tofu = collectActivity();
    const resumed = kitOn(forger, owner.token).followTeamActivity(team.id, tofu, {
      afterSeq: saved.seq,
      lastHash: saved.hash,
      log: saved.log,
    });
    await waitUntil(() => tofu.forks.length >= 2, 'the fork reported twice (witness, consistency)');
    const hows = tofu.forks.map((f) => f.how).sort();
    expect(hows).toEqual(['consistency', 'witness']);
    const keysNow = (
      await forger.gql<{ signingKeys: SigningKey[] }>(
        `{ signingKeys { keyId publicKey validFrom validUntil } }`,
      )
    ).data!.signingKeys;
    for (const fork of tofu.forks) {
      expect(fork.kept).toMatchObject({ teamId: team.id, treeSize: last, keyId: pinned[0]!.keyId });
      // Both sides are signed: the evidence stands on its own.
      expect(await verifyCheckpoint(fork.kept, keysNow)).toMatchObject({ valid: true });
      expect(await verifyCheckpoint(fork.other, keysNow)).toMatchObject({ valid: true });
      expect(fork.other.keyId).not.toBe(fork.kept.keyId);
    }
    const witness = tofu.forks.find((f) => f.how === 'witness')!;
    expect(witness.other.treeSize).toBe(last);
    expect(witness.other.rootHash).not.toBe(witness.kept.rootHash);
    expect(witness.reported).toEqual({ treeSize: last, rootHash: saved.log!.kept!.rootHash });
    const consistency = tofu.forks.find((f) => f.how === 'consistency')!;
    expect(consistency.other.treeSize).toBe(newest);
    expect(consistency.proof?.length).toBeGreaterThan(0);
    resumed.stop();

    // With the first key pinned, the new key's checkpoints are refused outright.
    const strict = collectActivity();
    const pinnedFollow = kitOn(forger, owner.token, pinned).followTeamActivity(team.id, strict, {
      afterSeq: saved.seq,
      lastHash: saved.hash,
      log: saved.log,
    });
    await waitUntil(() => strict.tampers.some((t) => t.kind === 'log'), 'the new key refused');
    expect(strict.tampers.find((t) => t.kind === 'log')).toMatchObject({
      kind: 'log',
      checkpoint: { keyId: expect.not.stringMatching(pinned[0]!.keyId) },
      message: expect.stringContaining('not trusted'),
    });
    pinnedFollow.stop();
  });

  it('(2) two members shown two histories (two databases sharing a prefix): the fork is proved when they meet', async () => {
    const key = seed();
    const db1 = await createScratchDatabase({ migrated: true });
    stops.push(() => db1.drop());
    const setup = await startTestApp(signingEnv(key), { databaseUrl: db1.url } as TestApp);
    const owner = await buildUser(setup);
    const team = await buildTeam(setup, owner, 'Forked');
    const member = await addMember(setup, team, 'MEMBER');
    for (let i = 0; i < 3; i += 1) await write(setup, owner.token, team.id, `shared ${i}`);
    await setup.app.stop();
    // The second database starts as a copy of the first: the shared prefix, the same key.
    const db2 = await cloneDatabase(db1.url);
    stops.push(() => db2.drop());
    const one = await started(signingEnv(key), db1.url);
    const two = await started(signingEnv(key), db2.url);
    const diverged = await write(one, owner.token, team.id, 'only on the first');
    expect(await write(two, owner.token, team.id, 'only on the second')).toBe(diverged);

    // Each member, on their own server, sees a history that verifies.
    const a = await followVerified(kitOn(one, owner.token), team.id, async () => diverged);
    const b = await followVerified(kitOn(two, member.token), team.id, async () => diverged);
    for (const { seen } of [a, b]) {
      expect(seen.forks).toEqual([]);
      expect(seen.tampers).toEqual([]);
    }
    const saved = b.follow.position(team.id)!;
    b.follow.stop();

    // The member's client reaches the first server (another instance, a restart): it reports the
    // checkpoint it verified, and the server that signed another root for that size says so.
    const met = collectActivity();
    const follow = kitOn(one, member.token).followTeamActivity(team.id, met, {
      afterSeq: saved.seq,
      lastHash: saved.hash,
      log: saved.log,
    });
    await waitUntil(() => met.forks.some((f) => f.how === 'witness'), 'the witness CONFLICT');
    const fork = met.forks.find((f) => f.how === 'witness')!;
    expect(fork.kept).toEqual(saved.log!.kept);
    expect(fork.other.treeSize).toBe(fork.kept.treeSize);
    expect(fork.other.rootHash).not.toBe(fork.kept.rootHash);
    expect(fork.reported).toEqual({ treeSize: fork.kept.treeSize, rootHash: fork.kept.rootHash });
    // One key signed both roots for one size: proof that the operator forked the log.
    const keys = (
      await one.gql<{ signingKeys: SigningKey[] }>(
        `{ signingKeys { keyId publicKey validFrom validUntil } }`,
      )
    ).data!.signingKeys;
    expect(fork.kept.keyId).toBe(fork.other.keyId);
    expect(await verifyCheckpoint(fork.kept, keys)).toMatchObject({ valid: true });
    expect(await verifyCheckpoint(fork.other, keys)).toMatchObject({ valid: true });
    follow.stop();
    a.follow.stop();
  });

  it('(3) the last rows dropped, then the log goes on: the kept checkpoint is not extended', async () => {
    const on = await started(signingEnv(seed()));
    const owner = await buildUser(on);
    const team = await buildTeam(on, owner, 'Truncated');
    const { seen, follow, last } = await followVerified(
      kitOn(on, owner.token),
      team.id,
      async () => {
        let seq = 0;
        for (let i = 0; i < 5; i += 1) seq = await write(on, owner.token, team.id, `kept ${i}`);
        return seq;
      },
    );
    await rewriteTeamLog(on.sql, team.id, { keep: last - 2 });
    let newest = 0;
    for (let i = 0; i < 3; i += 1)
      newest = await write(on, owner.token, team.id, `after the drop ${i}`);
    expect(newest).toBe(last + 1);
    await waitUntil(() => seen.forks.length > 0, 'the truncation reported');
    expect(seen.forks[0]).toMatchObject({
      how: 'consistency',
      kept: { treeSize: last },
      other: { treeSize: newest },
    });
    expect(seen.forks[0]!.proof?.length).toBeGreaterThan(0);
    // The chain sees it too: the first row past the kept ones does not follow.
    await waitUntil(() => seen.chainTampers().length > 0, 'the chain break');
    expect(seen.chainTampers()[0]).toMatchObject({ seq: newest });
    follow.stop();
  });
});

/** A copy of a database (no connection may be open to it while it is copied). */
async function cloneDatabase(sourceUrl: string) {
  const admin = process.env.TEST_ADMIN_DATABASE_URL!;
  const name = `tg_test_${randomBytes(6).toString('hex')}`;
  const source = new URL(sourceUrl).pathname.slice(1);
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name} TEMPLATE ${source}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
