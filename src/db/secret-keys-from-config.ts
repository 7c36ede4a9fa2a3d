import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretKeys } from './sealed-secrets';

/** Where a development instance keeps the key it made itself (see secretKeysFromConfig). */
export const devSecretKeyFile = (dataDir: string): string => path.join(dataDir, 'totp-secret.key');

/**
 * TOTP_ENCRYPTION_KEY (with TOTP_DECRYPTION_KEYS after a rotation). Without one — refused in
 * production by the configuration check — a development or test instance uses a random key it
 * writes once into DATA_DIR (readable by its owner only), so every instance on that directory
 * shares it and a restart still opens what it sealed.
 */
export function secretKeysFromConfig(config: {
  TOTP_ENCRYPTION_KEY?: Buffer;
  TOTP_DECRYPTION_KEYS: Buffer[];
  DATA_DIR: string;
}): SecretKeys {
  if (config.TOTP_ENCRYPTION_KEY)
    return new SecretKeys(config.TOTP_ENCRYPTION_KEY, config.TOTP_DECRYPTION_KEYS);
  return new SecretKeys(devKey(devSecretKeyFile(config.DATA_DIR)), config.TOTP_DECRYPTION_KEYS);
}

/**
 * The 32 random bytes in `file`, made first if there is none; instances starting together agree
 * on one. Development keys only (stored secrets, checkpoint signing).
 */
export function devKey(file: string): Buffer {
  try {
    return readKey(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under another name, then linked: a reader never sees a half-written key.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64'), { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  return readKey(file);
}

function readKey(file: string): Buffer {
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key in base64`);
  return key;
}
