import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { ValueTransformer } from 'typeorm';

/**
 * Secrets kept in the database (TOTP secrets) are stored sealed with AES-256-GCM under a key
 * that lives outside it, so a leaked table or backup holds no second factor. A sealed value
 * names its key: `sealed:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url), so after a rotation
 * the older keys still open what they sealed until start-up has sealed it again.
 */
const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;

/** Names a key without revealing it: an HMAC of a fixed label under the key, truncated. */
export const secretKeyId = (key: Buffer): string =>
  createHmac('sha256', key).update('teamgraph stored secret key id').digest('hex').slice(0, 16);

export const isSealed = (value: string): boolean => value.startsWith(PREFIX);

export class SecretKeys {
  readonly currentId: string;
  private readonly byId: Map<string, Buffer>;

  /** `current` seals; `older` (a rotation's previous keys) only open. */
  constructor(
    private readonly current: Buffer,
    older: readonly Buffer[] = [],
  ) {
    this.currentId = secretKeyId(current);
    this.byId = new Map([...older, current].map((key) => [secretKeyId(key), key]));
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, sealed, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return `${PREFIX}${this.currentId}:${parts.join(':')}`;
  }

  /** The plain value; one stored before sealing existed is returned as it is. */
  open(stored: string): string {
    if (!isSealed(stored)) return stored;
    const [keyId, iv, sealed, tag] = stored.slice(PREFIX.length).split(':');
    const key = this.byId.get(keyId);
    if (!key) {
      throw new Error(
        `a stored secret is sealed with key ${keyId}, which is not configured ` +
          `(TOTP_ENCRYPTION_KEY is ${this.currentId}; add the old key to TOTP_DECRYPTION_KEYS)`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([
      decipher.update(Buffer.from(sealed, 'base64url')),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  }

  /** Sealed under the current key already: nothing for a re-seal to do. */
  isCurrent(stored: string): boolean {
    return stored.startsWith(`${PREFIX}${this.currentId}:`);
  }
}

/** The process's keys: set once at start-up, before the first row is read or written. */
let processKeys: SecretKeys | undefined;

export function useSecretKeys(keys: SecretKeys): void {
  processKeys = keys;
}

export const currentSecretKeys = (): SecretKeys => {
  if (!processKeys) throw new Error('stored secrets are sealed, but no key was set at start-up');
  return processKeys;
};

/** The column transformer: entities carry the plain secret, the table only its sealed form. */
export const sealedSecret: ValueTransformer = {
  to: (value: unknown) => (typeof value === 'string' ? currentSecretKeys().seal(value) : value),
  from: (value: unknown) => (typeof value === 'string' ? currentSecretKeys().open(value) : value),
};
