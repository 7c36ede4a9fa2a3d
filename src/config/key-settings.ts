import { z } from 'zod';
import { csvSetting } from './settings';

/** Encryption keys as operators give them (backups, stored secrets): 32 bytes in base64. */

const KEY_FORMAT = '32 bytes in base64 (openssl rand -base64 32)';

const decodeKey = (value: string): Buffer | undefined => {
  const key = Buffer.from(value, 'base64');
  return key.length === 32 && key.toString('base64') === value.replace(/\s/g, '') ? key : undefined;
};

/** The key that seals from now on (optional). */
export const encryptionKeySetting = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const key = decodeKey(value);
    if (!key) {
      ctx.addIssue({ code: 'custom', message: `must be ${KEY_FORMAT}` });
      return z.NEVER;
    }
    return key;
  });

/** Older keys, comma-separated: they open what was sealed before a rotation, never seal. */
export const decryptionKeysSetting = csvSetting.transform((values, ctx) => {
  const keys: Buffer[] = [];
  values.forEach((value, index) => {
    const key = decodeKey(value);
    if (key) keys.push(key);
    else ctx.addIssue({ code: 'custom', message: `key ${index + 1} must be ${KEY_FORMAT}` });
  });
  return keys;
});
