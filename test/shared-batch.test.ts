import { MAX_RETRY_FETCHES, SharedBatch } from '../src/loaders/shared-batch';
import { buildUser } from './factories/user.factory';
import { startTestApp, type TestApp } from './support/test-app';

/** The cross-request batch behind the user and role loaders (live fan-out and busy HTTP). */
describe('SharedBatch', () => {
  const recording = () => {
    const calls: string[][] = [];
    const batch = new SharedBatch<string>(async (keys) => {
      calls.push([...keys]);
      return new Map(keys.filter((k) => !k.startsWith('missing')).map((k) => [k, `value of ${k}`]));
    });
    return { calls, batch };
  };

  it('answers every load of one turn with a single fetch of the distinct keys', async () => {
    const { calls, batch } = recording();
    const results = await Promise.all([batch.load('a'), batch.load('b'), batch.load('a')]);
    expect(results).toEqual(['value of a', 'value of b', 'value of a']);
    expect(calls).toEqual([['a', 'b']]);
  });

  it('fetches again in a later turn: nothing is cached', async () => {
    const { calls, batch } = recording();
    await batch.load('a');
    await batch.load('a');
    expect(calls).toEqual([['a'], ['a']]);
  });

  it('resolves keys the fetch did not find to null', async () => {
    const { batch } = recording();
    await expect(Promise.all([batch.load('missing-1'), batch.load('b')])).resolves.toEqual([
      null,
      'value of b',
    ]);
  });

  it('a key that fails its batch fails alone: the other callers get their values', async () => {
    const calls: string[][] = [];
    const batch = new SharedBatch<string>(async (keys) => {
      calls.push([...keys]);
      if (keys.includes('bad')) throw new Error('bad key');
      return new Map(keys.map((k) => [k, k]));
    });
    const keys = Array.from({ length: 100 }, (_, i) => (i === 37 ? 'bad' : `k${i}`));
    const outcomes = await Promise.allSettled([...keys, 'k3'].map((k) => batch.load(k)));
    expect(outcomes.map((o) => o.status)).toEqual(
      [...keys, 'k3'].map((k) => (k === 'bad' ? 'rejected' : 'fulfilled')),
    );
    expect(outcomes[37]).toMatchObject({ reason: new Error('bad key') });
    expect(outcomes[100]).toEqual({ status: 'fulfilled', value: 'k3' });
    // Halved until the bad key is alone: two fetches per level, not one per key.
    expect(calls.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(100)));
    expect(calls.at(-1)).toEqual(['bad']);
  });

  it('a failure of every key costs a bounded number of fetches', async () => {
    let fetches = 0;
    const batch = new SharedBatch<string>(async () => {
      fetches += 1;
      throw new Error('database down');
    });
    const keys = Array.from({ length: 5_000 }, (_, i) => `k${i}`);
    const outcomes = await Promise.allSettled(keys.map((k) => batch.load(k)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(fetches).toBeLessThanOrEqual(1 + MAX_RETRY_FETCHES);
  });

  it('rejects every load of a failed batch, and the next batch works', async () => {
    let fail = true;
    const batch = new SharedBatch<string>(async (keys) => {
      if (fail) throw new Error('database down');
      return new Map(keys.map((k) => [k, k]));
    });
    const first = Promise.allSettled([batch.load('a'), batch.load('b')]);
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batch.load('c')).resolves.toBe('c');
  });

  it('keys asked for while the fetches run wait for one to finish, then go together', async () => {
    const calls: string[][] = [];
    const releases: (() => void)[] = [];
    const batch = new SharedBatch<string>(async (keys) => {
      calls.push([...keys]);
      await new Promise<void>((resolve) => releases.push(resolve));
      return new Map(keys.map((k) => [k, k]));
    }, 1);
    const first = batch.load('a');
    await new Promise(setImmediate);
    expect(calls).toEqual([['a']]);
    // Asked in later turns while 'a' is being fetched: nothing is sent yet.
    const later = [batch.load('b')];
    await new Promise(setImmediate);
    later.push(batch.load('c'), batch.load('b'));
    await new Promise(setImmediate);
    expect(calls).toEqual([['a']]);
    releases.shift()!();
    await expect(first).resolves.toBe('a');
    await new Promise(setImmediate);
    expect(calls).toEqual([['a'], ['b', 'c']]);
    releases.shift()!();
    await expect(Promise.all(later)).resolves.toEqual(['b', 'c', 'b']);
    // Idle again: the next key is fetched on the next turn.
    const next = batch.load('d');
    await new Promise(setImmediate);
    expect(calls).toHaveLength(3);
    releases.shift()!();
    await expect(next).resolves.toBe('d');
  });

  it('a failed fetch still lets the waiting keys go', async () => {
    let fetches = 0;
    const releases: (() => void)[] = [];
    const batch = new SharedBatch<string>(async (keys) => {
      const failing = ++fetches === 1;
      await new Promise<void>((resolve) => releases.push(resolve));
      if (failing) throw new Error('database down');
      return new Map(keys.map((k) => [k, k]));
    }, 1);
    const failing = batch.load('a');
    await new Promise(setImmediate);
    const waiting = batch.load('b');
    await new Promise(setImmediate);
    expect(fetches).toBe(1);
    releases.shift()!();
    await expect(failing).rejects.toThrow('database down');
    await new Promise(setImmediate);
    releases.shift()!();
    await expect(waiting).resolves.toBe('b');
  });
});

describe('SharedBatch on PostgreSQL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  }, 60_000);
  afterAll(() => app.stop());

  it('a key that makes the shared statement fail fails alone', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => buildUser(app)));
    const reads = app.app.services.loaderSources.statements;
    const statements: string[][] = [];
    const batch = new SharedBatch(async (ids) => {
      statements.push([...ids]);
      const rows = await reads.usersById(ids);
      return new Map(rows.map((user) => [user.id, user]));
    });
    // Not a uuid: PostgreSQL refuses the whole statement that carries it.
    const keys = [
      ...users.map((u) => u.id).slice(0, 3),
      'not-a-uuid',
      ...users.slice(3).map((u) => u.id),
    ];
    const outcomes = await Promise.allSettled(keys.map((id) => batch.load(id)));
    expect(statements[0]).toEqual(keys);
    expect(outcomes[3]).toMatchObject({ status: 'rejected', reason: { code: '22P02' } });
    const answered = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value?.email] : []));
    expect(answered).toEqual(users.map((u) => u.email));
  });
});
