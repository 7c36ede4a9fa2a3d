import argon2 from 'argon2';

/** OWASP's argon2id recommendation: m=19 MiB, t=2, p=1. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, OPTIONS);

export const verifyPassword = (hash: string, password: string): Promise<boolean> =>
  argon2.verify(hash, password).catch(() => false);

/** True when the stored hash was made with other parameters, so log-in upgrades it. */
export const passwordNeedsRehash = (hash: string): boolean => argon2.needsRehash(hash, OPTIONS);

/** A real hash to verify against for unknown e-mails, so both paths cost the same. */
let dummyHash: Promise<string> | undefined;
export const timingDummyHash = (): Promise<string> =>
  (dummyHash ??= hashPassword('teamgraph-timing-equaliser-password'));
