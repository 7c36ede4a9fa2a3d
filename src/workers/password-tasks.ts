/**
 * The tasks of the password pool (src/workers/password-pool.ts). Loaded only in its worker
 * threads. The synchronous argon2 calls are deliberate: they run on this niced thread, where
 * the asynchronous ones would hand the work to libuv's thread pool, shared by the whole
 * process and at normal priority.
 */
import { getPriority } from 'node:os';
import { Algorithm, hashSync, verifySync } from '@node-rs/argon2';

export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export function hashPassword(input: { password: string; parameters: Argon2Parameters }): string {
  return hashSync(input.password, { algorithm: Algorithm.Argon2id, ...input.parameters });
}

/** False for a wrong password and for a stored hash argon2 cannot read. */
export function verifyPassword(input: { passwordHash: string; password: string }): boolean {
  try {
    return verifySync(input.passwordHash, input.password);
  } catch {
    return false;
  }
}

/** This thread's niceness (on Linux, per thread), for the tests. */
export function threadPriority(): number {
  return getPriority();
}
