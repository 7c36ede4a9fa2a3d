import { createHmac } from 'node:crypto';
import { refuse } from './backup-errors';
import { bytes } from './bytes';

/**
 * Names a key without revealing it: HMAC-SHA256 of a fixed label under the key, truncated.
 * Knowing the fingerprint does not help find the key; it only says which key sealed a backup.
 */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', bytes(key))
    .update('teamgraph backup key fingerprint')
    .digest('hex')
    .slice(0, 32);
}

/**
 * The keys a process may use: `current` seals new backups (BACKUP_ENCRYPTION_KEY); `older` only
 * open backups sealed before a rotation (BACKUP_DECRYPTION_KEYS).
 */
export class KeyRing {
  readonly all: readonly Buffer[];

  constructor(
    readonly current: Buffer | undefined,
    readonly older: readonly Buffer[] = [],
  ) {
    this.all = current ? [current, ...older] : [...older];
  }

  get currentFingerprint(): string | undefined {
    return this.current ? keyFingerprint(this.current) : undefined;
  }

  /** The key whose fingerprint is `fingerprint`, or a refusal naming what was tried. */
  byFingerprint(fingerprint: string, backupId: string): Buffer {
    const key = this.all.find((k) => keyFingerprint(k) === fingerprint);
    if (key) return key;
    const known = this.all.map(keyFingerprint);
    throw refuse(
      `backup ${backupId} was sealed with key ${fingerprint}; ` +
        (known.length
          ? `none of the configured keys fits (BACKUP_ENCRYPTION_KEY and BACKUP_DECRYPTION_KEYS have ${known.join(', ')})`
          : 'no key is configured: set BACKUP_ENCRYPTION_KEY or add it to BACKUP_DECRYPTION_KEYS'),
    );
  }
}

export const NO_KEYS = new KeyRing(undefined);
