import { TimeoutError, withTimeout } from '../src/util/with-timeout';

/** The one timeout race behind readiness checks, Redis waits and the tests' own waits. */
describe('withTimeout', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('rejects with a named TimeoutError once the time is up', async () => {
    const never = new Promise<never>(() => undefined);
    const error: unknown = await withTimeout(never, 20, 'a reply').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      name: 'TimeoutError',
      what: 'a reply',
      ms: 20,
      message: 'timed out after 20 ms waiting for a reply',
    });
  });

  it('settles as the work does when it is in time', async () => {
    await expect(withTimeout(Promise.resolve('done'), 1_000, 'work')).resolves.toBe('done');
    const failure = new Error('work failed');
    await expect(withTimeout(Promise.reject(failure), 1_000, 'work')).rejects.toBe(failure);
  });

  it('leaves no timer behind, however the race ends', async () => {
    jest.useFakeTimers();
    await withTimeout(Promise.resolve(1), 60_000, 'resolved work');
    expect(jest.getTimerCount()).toBe(0);

    await withTimeout(Promise.reject(new Error('no')), 60_000, 'failed work').catch(() => 0);
    expect(jest.getTimerCount()).toBe(0);

    const late = withTimeout(new Promise<never>(() => undefined), 60_000, 'late work');
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(60_000);
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive while it waits', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    let finish = (): void => undefined;
    const work = new Promise<void>((resolve) => (finish = resolve));
    const before = timeouts();
    const waiting = withTimeout(work, 60_000, 'work');
    // An unreferenced timer is not among the resources that keep the event loop running.
    expect(timeouts()).toBe(before);
    finish();
    await waiting;
  });
});
