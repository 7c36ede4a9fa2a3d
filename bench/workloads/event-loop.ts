import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { computeActivityHash } from '../../src/db/activity-hash';
import { gql } from '../lib/graphql';
import { combine, jsonHeaders, runLoad, type LoadResult } from '../lib/load';
import { createScratchDatabase } from '../lib/postgres';
import { startTeamgraph } from '../lib/processes';
import { loopDelay } from '../lib/served-metrics';
import { BENCH_PASSWORD, createTeams, createUsers, type BenchUser } from '../lib/seed';
import { round } from '../lib/stats';
import type { Workload } from '../lib/workload';
import { TEAM_QUERY } from './http-query';

const MEMBERS = 10;
const CONNECTIONS = 10;

/** What a hostile client sends: the slowest input for the strength estimator. */
const hostilePassword = () => randomBytes(192).toString('base64').slice(0, 256);

/** A valid hash chain of `rows` activities for the team, inserted with SQL. */
async function longLog(pool: Pool, teamId: string, actorId: string, rows: number): Promise<void> {
  let previous = '';
  const start = Date.now() - rows * 1000;
  for (let from = 1; from <= rows; from += 2000) {
    const batch = [];
    for (let seq = from; seq < Math.min(rows + 1, from + 2000); seq += 1) {
      const row = {
        teamId,
        seq,
        actorId,
        action: 'ITEM_UPDATED',
        subjectType: 'Item',
        subjectId: randomUUID(),
        summary: `Bench edit ${seq}`,
        details: { changedFields: { title: { old: `v${seq - 1}`, new: `v${seq}` } } },
        createdAt: new Date(start + seq * 1000),
      };
      previous = computeActivityHash(previous, row);
      batch.push({ ...row, hash: previous });
    }
    await pool.query(
      `INSERT INTO activities (id, team_id, seq, actor_id, action, subject_type, subject_id, summary, details, created_at, hash)
       SELECT gen_random_uuid(), $1, seq, $2, action, 'Item', subject_id, summary, details, created_at, hash
         FROM unnest($3::int[], $4::text[], $5::uuid[], $6::text[], $7::jsonb[], $8::timestamptz[], $9::text[])
           AS r(seq, action, subject_id, summary, details, created_at, hash)`,
      [
        teamId,
        actorId,
        batch.map((r) => r.seq),
        batch.map((r) => r.action),
        batch.map((r) => r.subjectId),
        batch.map((r) => r.summary),
        batch.map((r) => JSON.stringify(r.details)),
        batch.map((r) => r.createdAt.toISOString()),
        batch.map((r) => r.hash),
      ],
    );
  }
  await pool.query(`UPDATE teams SET last_seq = $2, last_hash = $3 WHERE id = $1`, [
    teamId,
    rows,
    previous,
  ]);
}

type HostileKind = 'signUp' | 'changePassword' | 'verifyActivityLog';
const HOSTILE_KINDS: HostileKind[] = ['signUp', 'changePassword', 'verifyActivityLog'];

/**
 * One hostile client per kind, each looping until `stop`: sign-up with a 256-character
 * password, changing the password to another 256-character one, verifying the long log.
 * Returns how many requests of each kind were answered.
 */
/** Each hostile user's password as their last change left it (kept across rounds). */
const passwords = new Map<string, string>();

function hostileTraffic(url: string, users: BenchUser[], teamId: string, stop: () => boolean) {
  const sent = { signUp: 0, changePassword: 0, verifyActivityLog: 0, failed: 0 };
  const client = async (kind: HostileKind, user: BenchUser) => {
    const send: Record<HostileKind, () => Promise<unknown>> = {
      signUp: () =>
        gql(url, `mutation ($i: SignUpInput!) { signUp(input: $i) { token } }`, {
          i: {
            email: `hostile-${randomUUID()}@bench.example.com`,
            displayName: 'H',
            password: hostilePassword(),
          },
        }),
      changePassword: () => {
        const next = hostilePassword();
        return gql(
          url,
          `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
          { c: passwords.get(user.id) ?? BENCH_PASSWORD, n: next },
          user.token,
        ).then(() => passwords.set(user.id, next));
      },
      verifyActivityLog: () =>
        gql(
          url,
          `query ($t: ID!) { verifyActivityLog(teamId: $t) { intact } }`,
          { t: teamId },
          user.token,
        ),
    };
    while (!stop()) {
      await send[kind]().then(
        () => (sent[kind] += 1),
        () => (sent.failed += 1),
      );
    }
  };
  return { sent, done: Promise.all(HOSTILE_KINDS.map((kind, i) => client(kind, users[i]))) };
}

export const eventLoop: Workload = {
  id: 8,
  name: 'event-loop',
  title: 'Event-loop delay under hostile requests',
  async run({ options, postgres, scope, log }) {
    const logRows = options.quick ? 5_000 : 50_000;
    const db = scope.add(await createScratchDatabase(postgres, 'loop'), (d) => d.drop());
    const server = scope.add(await startTeamgraph(options, 'teamgraph-loop', db.url), (s) =>
      s.stop(),
    );
    const users = await createUsers(db.pool, MEMBERS, 'loop');
    const [team] = await createTeams(db.pool, users, MEMBERS, 'loop');
    await longLog(db.pool, team.id, team.owner.id, logRows);
    const url = `${server.origin}/graphql`;
    const check = await gql<{ verifyActivityLog: { intact: boolean } }>(
      url,
      `query ($t: ID!) { verifyActivityLog(teamId: $t) { intact } }`,
      { t: team.id },
      team.owner.token,
    );
    if (!check.verifyActivityLog.intact) throw new Error('the seeded log does not verify');

    const body = JSON.stringify({ query: TEAM_QUERY, variables: { id: team.id } });
    const normal = (seconds: number) =>
      runLoad({
        url,
        connections: CONNECTIONS,
        seconds,
        request: (n) => ({ headers: jsonHeaders(team.members[n % MEMBERS].token), body }),
      });
    const seconds = options.quick ? 3 : 6;
    const rounds = options.quick ? 1 : 3;
    await normal(1);
    const calm: LoadResult[] = [];
    const hostile: LoadResult[] = [];
    const calmLoop: number[] = [];
    const hostileLoop: number[] = [];
    let hostileMax = 0;
    const totals = { signUp: 0, changePassword: 0, verifyActivityLog: 0, failed: 0 };
    // Alternating rounds, so load from elsewhere on the machine hits both sides alike.
    for (let r = 0; r < rounds; r += 1) {
      await loopDelay(server.origin);
      calm.push(await normal(seconds));
      calmLoop.push((await loopDelay(server.origin)).p99Ms);
      let stopped = false;
      const attack = hostileTraffic(
        url,
        users.slice(1, 1 + HOSTILE_KINDS.length),
        team.id,
        () => stopped,
      );
      await loopDelay(server.origin);
      hostile.push(await normal(seconds));
      const delay = await loopDelay(server.origin);
      stopped = true;
      await attack.done;
      hostileLoop.push(delay.p99Ms);
      hostileMax = Math.max(hostileMax, delay.maxMs);
      for (const key of Object.keys(totals) as (keyof typeof totals)[])
        totals[key] += attack.sent[key];
      log(
        `  round ${r + 1}: calm p99 ${calm[r].p99Ms} ms (loop p99 ${calmLoop[r]} ms); hostile p99 ${hostile[r].p99Ms} ms (loop p99 ${delay.p99Ms} ms, max ${delay.maxMs} ms); hostile sent ${JSON.stringify(attack.sent)}`,
      );
    }
    const c = combine(calm);
    const h = combine(hostile);
    const loopP99 = Math.max(...hostileLoop);
    const calmP99 = Math.max(...calmLoop);
    const latencyRatio = h.p99Ms / Math.max(1, c.p99Ms);
    return {
      rows: [
        {
          measure: 'event-loop delay p99 with hostile requests',
          teamgraph: `${loopP99} ms (max ${hostileMax} ms)`,
          baseline: `${calmP99} ms without them`,
          ratio: round(loopP99 / Math.max(1, calmP99), 2),
          target: '< 20 ms',
          met: loopP99 < 20,
        },
        {
          measure: 'normal request p99, with ÷ without hostile requests',
          teamgraph: `${h.p99Ms} ms (${h.requestsPerSecond} req/s)`,
          baseline: `${c.p99Ms} ms (${c.requestsPerSecond} req/s)`,
          ratio: round(latencyRatio, 2),
          target: 'unchanged (≤ 1.25×)',
          met: latencyRatio <= 1.25,
        },
      ],
      metrics: { calm: c, hostile: h, calmLoop, hostileLoop, hostileMax, hostileSent: totals },
      notes: [
        `${CONNECTIONS} connections of the http-query team query; alongside, one hostile client each loops over signUp, changePassword (both with 256-character random passwords) and verifyActivityLog on a ${logRows}-row log (answered in all: ${JSON.stringify(totals)}). ${rounds} alternating round(s) of ${seconds} s; loop delay is prom-client's monitorEventLoopDelay (10 ms resolution) read from /metrics at the start and end of each round. Worst round reported.`,
      ],
    };
  },
};
