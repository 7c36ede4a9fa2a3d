import { passwordPool } from '../workers/password-pool';

/** OWASP's argon2id recommendation: m=19 MiB, t=2, p=1. */
const PARAMETERS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Hashes in the password pool's worker threads, at background priority (see PasswordPool). */
export const hashPassword = (password: string): Promise<string> =>
  passwordPool().run('hashPassword', { password, parameters: PARAMETERS });

/** False for a wrong password and for a stored hash that is not argon2's. */
export const verifyPassword = (passwordHash: string, password: string): Promise<boolean> =>
  passwordPool().run('verifyPassword', { passwordHash, password });

/** True when the stored hash was made with other parameters, so log-in upgrades it. */
export function passwordNeedsRehash(passwordHash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  if (!match) return true;
  const [m, t, p] = match.slice(1).map(Number);
  return m !== PARAMETERS.memoryCost || t !== PARAMETERS.timeCost || p !== PARAMETERS.parallelism;
}

/** A real hash to verify against for unknown e-mails, so both paths cost the same. */
let dummyHash: Promise<string> | undefined;
export const timingDummyHash = (): Promise<string> =>
  (dummyHash ??= hashPassword('teamgraph-timing-equaliser-password'));
