import { SharedBatch } from '../src/loaders/shared-batch';

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
});
