import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { csvSetting, durationSetting, onOffSetting } from './settings';

/** The start of an Ed25519 private key's PKCS#8 DER form; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const KEY_FORMAT =
  'an Ed25519 private key in base64: its 32-byte seed (openssl rand -base64 32) or its PKCS#8 DER form';

/** A 32-byte seed or a PKCS#8 DER key, base64; anything else (or another curve) is refused. */
export function decodeSigningKey(value: string): KeyObject | undefined {
  const bytes = Buffer.from(value, 'base64');
  if (bytes.toString('base64') !== value.replace(/\s/g, '')) return undefined;
  const der = bytes.length === 32 ? Buffer.concat([PKCS8_ED25519_PREFIX, bytes]) : bytes;
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

const signingKey = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const key = decodeSigningKey(value);
    if (!key) {
      ctx.addIssue({ code: 'custom', message: `must be ${KEY_FORMAT}` });
      return z.NEVER;
    }
    return key;
  });

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A key that stopped signing, and from when its signatures no longer count. */
export interface RetiredKey {
  keyId: string;
  validUntil: Date;
}

/** `<keyId>@<ISO 8601 time>`, comma-separated. */
const retiredKeys = csvSetting.transform((values, ctx) => {
  const retired: RetiredKey[] = [];
  values.forEach((value, index) => {
    const [keyId, until, ...rest] = value.split('@');
    const validUntil = new Date(until ?? '');
    if (rest.length || !KEY_ID.test(keyId) || Number.isNaN(validUntil.getTime())) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} must be <keyId>@<ISO 8601 time>, e.g. 3f2a9c01d4e5b6a7@2027-01-31T00:00:00Z`,
      });
    } else retired.push({ keyId, validUntil });
  });
  return retired;
});

/** Signed checkpoints of the activity log; documented in docs/operations.md. */
export const checkpointConfigSchema = {
  /** The operator's Ed25519 key; unset outside production: a development key in DATA_DIR. */
  CHECKPOINT_SIGNING_KEY: signingKey,
  /** Unset: derived from the public key (the first 8 bytes of its SHA-256, hex). */
  CHECKPOINT_SIGNING_KEY_ID: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.string().regex(KEY_ID, 'must be 1-64 of A-Z a-z 0-9 . _ -').optional()),
  CHECKPOINT_RETIRED_KEYS: retiredKeys,
  /** A write makes a checkpoint when this many rows came since the last one (at most 100)... */
  CHECKPOINT_EVERY_ROWS: z.coerce.number().int().min(1).max(100).default(100),
  /** ...or when the last one is this old (at most 10 s). */
  CHECKPOINT_INTERVAL: durationSetting('10s').refine((ms) => ms >= 1 && ms <= 10_000, {
    message: 'must be between 1ms and 10s',
  }),
  /** Benchmarks only: write activity without the tree or checkpoints, to measure what they cost. */
  BENCH_WITHOUT_MERKLE_TREE: onOffSetting('off'),
};

/** Production signs with the operator's key, never with one it made itself. */
export function checkCheckpointConfig(config: {
  NODE_ENV: string;
  CHECKPOINT_SIGNING_KEY?: KeyObject;
  CHECKPOINT_SIGNING_KEY_ID?: string;
  CHECKPOINT_RETIRED_KEYS: RetiredKey[];
  BENCH_WITHOUT_MERKLE_TREE: boolean;
}): string | null {
  if (config.NODE_ENV === 'production' && config.BENCH_WITHOUT_MERKLE_TREE) {
    return 'BENCH_WITHOUT_MERKLE_TREE: benchmark-only, refused when NODE_ENV=production';
  }
  if (config.NODE_ENV === 'production' && !config.CHECKPOINT_SIGNING_KEY) {
    return 'CHECKPOINT_SIGNING_KEY: required when NODE_ENV=production: it signs the activity log checkpoints members verify (create one with `openssl rand -base64 32`)';
  }
  const id = config.CHECKPOINT_SIGNING_KEY_ID;
  if (id && config.CHECKPOINT_RETIRED_KEYS.some((k) => k.keyId === id)) {
    return `CHECKPOINT_RETIRED_KEYS: lists the signing key ${id} itself`;
  }
  return null;
}
