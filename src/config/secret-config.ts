import { decryptionKeysSetting, encryptionKeySetting } from './key-settings';

/** The key TOTP secrets are sealed with in the database, and a rotation's older keys. */
export const secretConfigSchema = {
  TOTP_ENCRYPTION_KEY: encryptionKeySetting,
  TOTP_DECRYPTION_KEYS: decryptionKeysSetting,
};

/** Production keeps the key outside the database and its data directory: it must be given. */
export function checkSecretConfig(config: {
  NODE_ENV: string;
  TOTP_ENCRYPTION_KEY?: Buffer;
}): string | null {
  if (config.NODE_ENV === 'production' && !config.TOTP_ENCRYPTION_KEY) {
    return 'TOTP_ENCRYPTION_KEY: required when NODE_ENV=production: two-factor secrets are stored sealed with it (create one with `openssl rand -base64 32`)';
  }
  return null;
}
