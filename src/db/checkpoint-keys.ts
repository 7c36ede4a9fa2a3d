import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { decodeSigningKey, type RetiredKey } from '../config/checkpoint-config';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import { CheckpointSigner, type CheckpointPolicy } from './checkpoint-signer';
import { devKey } from './secret-keys-from-config';

/** Where a development instance keeps the signing key it made itself. */
export const devSigningKeyFile = (dataDir: string): string =>
  path.join(dataDir, 'checkpoint-signing.key');

/**
 * CHECKPOINT_SIGNING_KEY, or — outside production, where the configuration check refuses to
 * start without it — a development key made once in DATA_DIR, so instances on one directory
 * and restarts sign with the same key. Logs which one signs.
 */
export function checkpointPolicyFromConfig(
  config: Pick<
    Config,
    | 'CHECKPOINT_SIGNING_KEY'
    | 'CHECKPOINT_SIGNING_KEY_ID'
    | 'CHECKPOINT_EVERY_ROWS'
    | 'CHECKPOINT_INTERVAL'
    | 'BENCH_WITHOUT_MERKLE_TREE'
    | 'DATA_DIR'
  >,
  logger: Logger,
): CheckpointPolicy {
  let key = config.CHECKPOINT_SIGNING_KEY;
  if (!key) {
    const file = devSigningKeyFile(config.DATA_DIR);
    const made = !existsSync(file);
    key = decodeSigningKey(devKey(file).toString('base64'));
    if (!key) throw new Error(`${file} does not hold an Ed25519 seed`);
    logger.warn(
      { file },
      made
        ? 'no CHECKPOINT_SIGNING_KEY: generated a development key to sign activity checkpoints'
        : 'no CHECKPOINT_SIGNING_KEY: signing activity checkpoints with the development key',
    );
  }
  return {
    signer: new CheckpointSigner(key, config.CHECKPOINT_SIGNING_KEY_ID),
    everyRows: config.CHECKPOINT_EVERY_ROWS,
    intervalMs: config.CHECKPOINT_INTERVAL,
    appendTree: !config.BENCH_WITHOUT_MERKLE_TREE,
  };
}

/**
 * Lists the signing key in checkpoint_signing_keys (valid from its first start) and closes the
 * retired keys' validity, so `signingKeys` verifies every checkpoint ever served. Refuses a key
 * id already taken by another public key, and a signing key whose validity has ended.
 */
export async function registerSigningKey(
  dataSource: DataSource,
  signer: CheckpointSigner,
  retired: RetiredKey[],
): Promise<void> {
  if (retired.some((k) => k.keyId === signer.keyId)) {
    throw new Error(`CHECKPOINT_RETIRED_KEYS lists the signing key ${signer.keyId} itself`);
  }
  const publicKey = signer.publicKey.toString('base64');
  await dataSource.query(
    `INSERT INTO checkpoint_signing_keys (key_id, public_key, valid_from) VALUES ($1, $2, $3)
     ON CONFLICT (key_id) DO NOTHING`,
    [signer.keyId, publicKey, new Date()],
  );
  for (const { keyId, validUntil } of retired) {
    await dataSource.query(
      `UPDATE checkpoint_signing_keys SET valid_until = $2 WHERE key_id = $1 AND valid_until IS NULL`,
      [keyId, validUntil],
    );
  }
  const [stored]: { public_key: string; valid_until: Date | null }[] = await dataSource.query(
    `SELECT public_key, valid_until FROM checkpoint_signing_keys WHERE key_id = $1`,
    [signer.keyId],
  );
  if (stored.public_key !== publicKey) {
    throw new Error(
      `CHECKPOINT_SIGNING_KEY_ID ${signer.keyId} already names another public key; choose another id`,
    );
  }
  if (stored.valid_until && stored.valid_until.getTime() <= Date.now()) {
    throw new Error(`the checkpoint signing key ${signer.keyId} was retired; configure a new one`);
  }
}
