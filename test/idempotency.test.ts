import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { addMember, buildTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import { IdempotencyStore } from '../src/idempotency/idempotency-store';
import { keyHash, requestHash } from '../src/idempotency/idempotency-key';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * API.md "Operators": an HTTP mutation with an `Idempotency-Key` runs once per (caller, key)
 * for 24 h; a retry with the same body gets the first answer, another body is CONFLICT, and
 * concurrent retries — also while the first is still running — run the mutation once.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ DB_POOL_SIZE: '12' });
});
afterAll(() => app?.stop());

const CREATE_ITEM = `mutation ($t: ID!, $i: CreateItemInput!) { createItem(teamId: $t, input: $i) { id title } }`;

interface Answer {
  status: number;
  replayed: string | null;
  body: {
    data?: { createItem?: { id: string; title: string } | null } | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

async function send(
  body: { query: string; variables?: Record<string, unknown> },
  key: string | null,
  token?: string,
): Promise<Answer> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key !== null ? { 'idempotency-key': key } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: (await response.json()) as Answer['body'],
  };
}

const itemCount = async (teamId: string) =>
  Number(
    (
      await app.sql<{ n: string }>('SELECT count(*) AS n FROM items WHERE team_id = $1', [teamId])
    )[0].n,
  );
const activityCount = async (teamId: string) =>
  Number(
    (
      await app.sql<{ n: string }>('SELECT count(*) AS n FROM activities WHERE team_id = $1', [
        teamId,
      ])
    )[0].n,
  );

let owner: TestUser;
let teamId: string;
beforeAll(async () => {
  const team = await buildTeam(app);
  owner = team.owner;
  teamId = team.id;
});

it('a retry with the same key and body returns the first answer and runs nothing again', async () => {
  const key = randomUUID();
  const request = {
    query: CREATE_ITEM,
    variables: { t: teamId, i: { title: 'once', content: {} } },
  };
  const [items, activities] = [await itemCount(teamId), await activityCount(teamId)];
  const first = await send(request, key, owner.token);
  expect(first.status).toBe(200);
  expect(first.replayed).toBeNull();
  const retry = await send(request, key, owner.token);
  expect(retry.status).toBe(200);
  expect(retry.replayed).toBe('true');
  expect(retry.body).toEqual(first.body);
  expect(await itemCount(teamId)).toBe(items + 1);
  expect(await activityCount(teamId)).toBe(activities + 1);
  // Kept 24 h, stored without the key itself and without the answer in clear text.
  const [row] = await app.sql<{ ttl: number; clear: boolean; raw: boolean }>(
    `SELECT extract(epoch FROM expires_at - claimed_at)::int AS ttl,
            position(convert_to($1, 'UTF8') IN response) > 0 AS clear,
            position(convert_to($2, 'UTF8') IN key_hash) > 0 AS raw
       FROM ops.idempotency_keys ORDER BY claimed_at DESC LIMIT 1`,
    [first.body.data!.createItem!.id, key],
  );
  expect(row).toEqual({ ttl: 24 * 3600, clear: false, raw: false });
});

it('the same key with another body is CONFLICT and changes nothing', async () => {
  const key = randomUUID();
  await send(
    { query: CREATE_ITEM, variables: { t: teamId, i: { title: 'a', content: {} } } },
    key,
    owner.token,
  );
  const items = await itemCount(teamId);
  const other = await send(
    { query: CREATE_ITEM, variables: { t: teamId, i: { title: 'b', content: {} } } },
    key,
    owner.token,
  );
  expect(other.status).toBe(409);
  expect(other.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  expect(await itemCount(teamId)).toBe(items);
});

it('keys are scoped to the caller: another user with the same key and body runs their own', async () => {
  const key = randomUUID();
  const createTeam = { query: 'mutation { createTeam(input: { name: "Scoped" }) { id } }' };
  const other = await buildUser(app);
  const mine = await send(createTeam, key, owner.token);
  const theirs = await send(createTeam, key, other.token);
  expect(theirs.replayed).toBeNull();
  expect(theirs.body).not.toEqual(mine.body);
  const rows = await app.sql<{ id: string }>(
    `SELECT t.id FROM teams t JOIN memberships m ON m.team_id = t.id
      WHERE t.name = 'Scoped' AND m.role = 'OWNER' AND m.user_id = ANY($1)`,
    [[owner.id, other.id]],
  );
  expect(rows).toHaveLength(2);
});

it('concurrent retries with one key run the mutation once and all get its answer', async () => {
  const key = randomUUID();
  const request = {
    query: CREATE_ITEM,
    variables: { t: teamId, i: { title: 'burst', content: {} } },
  };
  const items = await itemCount(teamId);
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => send(request, key, owner.token)),
  );
  expect(await itemCount(teamId)).toBe(items + 1);
  const ids = new Set(answers.map((a) => a.body.data?.createItem?.id));
  expect(ids.size).toBe(1);
  expect([...ids][0]).toEqual(expect.any(String));
  expect(answers.filter((a) => a.replayed === null)).toHaveLength(1);
});

it('a retry that arrives while the first is still running waits for its answer', async () => {
  const key = randomUUID();
  const request = {
    query: CREATE_ITEM,
    variables: { t: teamId, i: { title: 'slow', content: {} } },
  };
  const items = await itemCount(teamId);
  // Hold the team's lock so the first request is stuck inside its transaction.
  const holder = new Client({
    connectionString: (app.app.services.dataSource.options as { url: string }).url,
  });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM teams WHERE id = $1 FOR UPDATE', [teamId]);
  const first = send(request, key, owner.token);
  // The first request has claimed the key once its row is there (still without an answer).
  for (;;) {
    const rows = await app.sql(
      `SELECT 1 FROM ops.idempotency_keys WHERE key_hash = $1 AND response IS NULL`,
      [keyHash(key)],
    );
    if (rows.length) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const retry = send(request, key, owner.token);
  await holder.query('COMMIT');
  await holder.end();
  const [a, b] = await Promise.all([first, retry]);
  expect(b.body).toEqual(a.body);
  expect(b.replayed).toBe('true');
  expect(await itemCount(teamId)).toBe(items + 1);
});

it('a refusal that changed nothing is not kept: the retry runs once it is allowed', async () => {
  const key = randomUUID();
  const outsider = await buildUser(app);
  const team = await buildTeam(app);
  const request = {
    query: CREATE_ITEM,
    variables: { t: team.id, i: { title: 'later', content: {} } },
  };
  const refused = await send(request, key, outsider.token);
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  await addMember(app, team, 'MEMBER', outsider);
  const allowed = await send(request, key, outsider.token);
  expect(allowed.replayed).toBeNull();
  expect(allowed.body.data?.createItem?.title).toBe('later');
  expect(await itemCount(team.id)).toBe(1);
});

it('a malformed key is BAD_USER_INPUT and runs nothing; queries ignore the key', async () => {
  const items = await itemCount(teamId);
  const bad = await send(
    { query: CREATE_ITEM, variables: { t: teamId, i: { title: 'x', content: {} } } },
    'short',
    owner.token,
  );
  expect(bad.status).toBe(400);
  expect(bad.body.errors?.[0]?.extensions).toEqual({
    code: 'BAD_USER_INPUT',
    field: 'Idempotency-Key',
  });
  expect(await itemCount(teamId)).toBe(items);
  const before = await app.sql('SELECT 1 FROM ops.idempotency_keys');
  const query = await send({ query: '{ me { id } }' }, randomUUID(), owner.token);
  expect(query.status).toBe(200);
  expect(query.replayed).toBeNull();
  expect(await app.sql('SELECT 1 FROM ops.idempotency_keys')).toHaveLength(before.length);
});

it('expired keys are pruned, and an expired key can be used again', async () => {
  const dataSource = app.app.services.dataSource;
  const expired = new IdempotencyStore(dataSource, -1_000);
  const fresh = new IdempotencyStore(dataSource);
  const hash = requestHash({ query: 'mutation { x }' });
  const key = randomUUID();
  expect(await expired.claim('test:prune', key, hash)).toEqual({ kind: 'owner' });
  // Expired already: it is taken over as if it were not there.
  expect(await fresh.claim('test:prune', key, hash)).toEqual({ kind: 'owner' });
  expect(await fresh.claim('test:prune', key, hash)).toMatchObject({ kind: 'pending' });
  const other = randomUUID();
  await expired.claim('test:prune', other, hash);
  expect(await fresh.prune()).toBeGreaterThanOrEqual(1);
  const left = await app.sql<{ n: string }>(
    `SELECT count(*) AS n FROM ops.idempotency_keys WHERE expires_at <= now()`,
  );
  expect(Number(left[0].n)).toBe(0);
  expect(
    await app.sql(`SELECT 1 FROM ops.idempotency_keys WHERE scope = 'test:prune'`),
  ).toHaveLength(1);
});
