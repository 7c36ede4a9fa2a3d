import { getPriority } from 'node:os';
import { Algorithm, hash } from '@node-rs/argon2';
import {
  hashPassword,
  passwordNeedsRehash,
  timingDummyHash,
  verifyPassword,
} from '../src/auth/password-hasher';
import { closePasswordPool, passwordPool, passwordThreads } from '../src/workers/password-pool';

/**
 * Password hashing and verification run in the password pool's worker threads, at background
 * priority, and leave the event loop free while they do. How much that shortens the loop's
 * stalls under load is measured by the benchmarks (bench/workloads/event-loop.ts); the
 * assertions here are about where the work runs and in what order things happen.
 */
const PASSWORD = 'Quartz-Lantern-Meadow-47!';

/** Resolves on the event loop's next check phase. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Turns the event loop until `work` settles; says whether it was still pending after the first turn. */
async function loopTurnsWhile<T>(
  work: Promise<T>,
): Promise<{ value: T; pendingAfterFirstTurn: boolean }> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  await nextTurn();
  const pendingAfterFirstTurn = !settled;
  while (!settled) await nextTurn();
  return { value: await watched, pendingAfterFirstTurn };
}

afterAll(() => closePasswordPool());

describe('password hashing in the password pool', () => {
  it('hashes in the pool, and a hash verifies its password and refuses any other', async () => {
    const before = passwordPool().completed;
    const stored = await hashPassword(PASSWORD);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(passwordPool().completed).toBe(before + 1);
    await expect(verifyPassword(stored, PASSWORD)).resolves.toBe(true);
    await expect(verifyPassword(stored, `${PASSWORD}x`)).resolves.toBe(false);
    await expect(verifyPassword(stored, '')).resolves.toBe(false);
    expect(passwordPool().completed).toBe(before + 4);
    // Salted: the same password never hashes to the same string twice.
    expect(await hashPassword(PASSWORD)).not.toBe(stored);
  });

  it('refuses, without throwing, against a stored hash argon2 cannot read', async () => {
    await expect(verifyPassword('not-a-hash', PASSWORD)).resolves.toBe(false);
    await expect(verifyPassword('$2b$12$abcdefghijklmnopqrstuv', PASSWORD)).resolves.toBe(false);
  });

  it('asks for a rehash of hashes made with other parameters, and verifies them meanwhile', async () => {
    const current = await hashPassword(PASSWORD);
    expect(passwordNeedsRehash(current)).toBe(false);
    const older = await hash(PASSWORD, {
      algorithm: Algorithm.Argon2id,
      memoryCost: 8192,
      timeCost: 3,
      parallelism: 1,
    });
    expect(passwordNeedsRehash(older)).toBe(true);
    await expect(verifyPassword(older, PASSWORD)).resolves.toBe(true);
    const argon2i = await hash(PASSWORD, { algorithm: Algorithm.Argon2i });
    expect(passwordNeedsRehash(argon2i)).toBe(true);
    expect(passwordNeedsRehash('$2b$12$abcdefghijklmnopqrstuv')).toBe(true);
  });

  it('keeps one timing-equaliser hash, current and matching no password tried', async () => {
    const dummy = await timingDummyHash();
    expect(await timingDummyHash()).toBe(dummy);
    expect(passwordNeedsRehash(dummy)).toBe(false);
    await expect(verifyPassword(dummy, PASSWORD)).resolves.toBe(false);
  });

  it('leaves the event loop free while hashes run', async () => {
    // Work run on the event loop's thread would be done before the loop turned once.
    const one = await loopTurnsWhile(hashPassword(PASSWORD));
    expect(one.pendingAfterFirstTurn).toBe(true);
    expect(one.value).toMatch(/^\$argon2id\$/);
    // Several at once: all queue in the pool, the loop keeps turning, each verifies.
    const passwords = Array.from({ length: 3 }, (_, i) => `${PASSWORD}-${i}`);
    const several = await loopTurnsWhile(Promise.all(passwords.map((p) => hashPassword(p))));
    expect(several.pendingAfterFirstTurn).toBe(true);
    const checks = await Promise.all(several.value.map((h, i) => verifyPassword(h, passwords[i])));
    expect(checks).toEqual([true, true, true]);
  });

  (process.platform === 'linux' ? it : it.skip)(
    'runs its threads at background priority (Linux: niceness per thread)',
    async () => {
      const niceness = await passwordPool().run('threadPriority', undefined);
      expect(niceness).toBe(Math.min(19, getPriority() + 10));
    },
  );

  it('sizes the pool to the cores the event loop leaves, from 1 to 4', () => {
    expect(passwordThreads(1)).toBe(1);
    expect(passwordThreads(2)).toBe(1);
    expect(passwordThreads(3)).toBe(2);
    expect(passwordThreads(16)).toBe(4);
  });
});
