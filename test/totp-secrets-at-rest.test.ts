import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bytes } from '../src/backup/bytes';
import { openPart } from '../src/backup/part-io';
import { loadConfig } from '../src/config/config';
import { sealStoredSecrets } from '../src/db/seal-stored-secrets';
import { currentSecretKeys, SecretKeys, useSecretKeys } from '../src/db/sealed-secrets';
import { devSecretKeyFile, secretKeysFromConfig } from '../src/db/secret-keys-from-config';
import { buildUser, type TestUser } from './factories/user.factory';
import { databaseUrlOf, dumpTables } from './support/backup-fixtures';
import { useBackupSuite } from './support/backup-suite';
import { enableTwoFactor, totpCode } from './support/two-factor';

/**
 * TOTP secrets at rest: the users table and every backup hold them sealed (AES-256-GCM under a
 * key kept outside the database), plain ones from before are sealed at start-up, and a key
 * rotation re-seals them under the new key.
 */
const suite = useBackupSuite();

const LOG_IN = `mutation ($email: String!, $password: String!, $code: String) {
  logIn(email: $email, password: $password, code: $code) { token }
}`;

/** Logs in with the code of the step after the set-up's (which a code may not reuse). */
const logInWithNextCode = async (user: TestUser, secret: string) =>
  suite.app.gql<{ logIn: { token: string } }>(LOG_IN, {
    email: user.email,
    password: user.password,
    code: await totpCode(secret, 1),
  });

const storedSecrets = (userId: string) =>
  suite.app.sql<{ secret: string | null; pending: string | null }>(
    `SELECT two_factor_secret AS secret, two_factor_pending_secret AS pending
       FROM users WHERE id = $1`,
    [userId],
  );

/** Every file under `dir`, as stored and, for gzip members, as they unpack. */
function filesUnder(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return filesUnder(file);
    const data = readFileSync(file);
    return data[0] === 0x1f && data[1] === 0x8b ? [data, gunzipSync(data)] : [data];
  });
}

it('the users table holds the secret sealed, and two-factor log-in still works', async () => {
  const user = await buildUser(suite.app);
  const { secret } = await enableTwoFactor(suite.app, user);
  const [stored] = await storedSecrets(user.id);
  expect(stored.secret).toMatch(/^sealed:v1:[0-9a-f]{16}:/);
  expect(stored.secret).not.toContain(secret);
  const table = JSON.stringify(await dumpTables(databaseUrlOf(suite.app), ['users']));
  expect(table).not.toContain(secret);
  const answer = await logInWithNextCode(user, secret);
  expect(answer.errors).toBeUndefined();
  expect(answer.data?.logIn.token).toEqual(expect.any(String));
});

it('a backup carries the sealed secrets only', async () => {
  const user = await buildUser(suite.app);
  const { secret } = await enableTwoFactor(suite.app, user);
  // Unencrypted on purpose: the backup's own key must not be what hides the secrets.
  const service = suite.service(undefined);
  const manifest = await service.run(['daily']);
  const backup = await service.get(manifest.id);
  const users = backup.manifest.tables.find((t) => t.name === 'users')!;
  const chunks: Uint8Array[] = [];
  for await (const chunk of openPart(backup, users, undefined)) chunks.push(bytes(chunk as Buffer));
  const usersPart = Buffer.concat(chunks).toString('utf8');
  expect(usersPart).toContain(user.email);
  expect(usersPart).toMatch(/sealed:v1:/);
  expect(usersPart).not.toContain(secret);
  const files = filesUnder(suite.storage.dir);
  expect(files.length).toBeGreaterThan(0);
  for (const data of files) expect(data.includes(secret)).toBe(false);
});

it('seals plain secrets stored before sealing at start-up, and re-seals after a key rotation', async () => {
  const user = await buildUser(suite.app);
  const { secret } = await enableTwoFactor(suite.app, user);
  // As a database from before sealing has it.
  await suite.app.sql(`UPDATE users SET two_factor_secret = $2 WHERE id = $1`, [user.id, secret]);
  const dataSource = suite.app.app.services.dataSource;
  const devKeys = currentSecretKeys();
  expect(await sealStoredSecrets(dataSource, devKeys)).toBe(1);
  const [sealed] = await storedSecrets(user.id);
  expect(sealed.secret).toMatch(new RegExp(`^sealed:v1:${devKeys.currentId}:`));
  expect(sealed.secret).not.toContain(secret);
  // Nothing left: a second start-up seals nothing.
  expect(await sealStoredSecrets(dataSource, devKeys)).toBe(0);

  // Rotation: the new key seals, the old one only opens; start-up re-seals every secret.
  const config = suite.app.app.services.config;
  const oldKey = Buffer.from(readFileSync(devSecretKeyFile(config.DATA_DIR), 'utf8'), 'base64');
  const newKey = randomBytes(32);
  const rotated = new SecretKeys(newKey, [oldKey]);
  useSecretKeys(rotated);
  try {
    const [{ n }] = await suite.app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM users
        WHERE two_factor_secret IS NOT NULL OR two_factor_pending_secret IS NOT NULL`,
    );
    expect(await sealStoredSecrets(dataSource, rotated)).toBe(n);
    const [resealed] = await storedSecrets(user.id);
    expect(resealed.secret).toMatch(new RegExp(`^sealed:v1:${rotated.currentId}:`));
    // The old key can be retired: the new one alone opens everything.
    expect(new SecretKeys(newKey).open(resealed.secret!)).toBe(secret);
    // A key nobody configured is named, with what to do.
    expect(() => devKeys.open(resealed.secret!)).toThrow(/TOTP_DECRYPTION_KEYS/);
    const answer = await logInWithNextCode(user, secret);
    expect(answer.errors).toBeUndefined();
  } finally {
    const back = new SecretKeys(oldKey, [newKey]);
    useSecretKeys(back);
    await sealStoredSecrets(dataSource, back);
  }
});

it('refuses a production start without TOTP_ENCRYPTION_KEY, and a key that is not 32 bytes', () => {
  const production = {
    NODE_ENV: 'production',
    BACKUP_SCHEDULER: 'off',
    CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 9).toString('base64'),
  };
  expect(() => loadConfig(production)).toThrow(
    /TOTP_ENCRYPTION_KEY: required when NODE_ENV=production/,
  );
  expect(() =>
    loadConfig({ ...production, TOTP_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }),
  ).toThrow(/TOTP_ENCRYPTION_KEY/);
  const key = randomBytes(32);
  expect(
    loadConfig({ ...production, TOTP_ENCRYPTION_KEY: key.toString('base64') }).TOTP_ENCRYPTION_KEY,
  ).toEqual(key);
});

it('without a key, development makes one in DATA_DIR, readable by its owner only, and keeps it', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'teamgraph-data-'));
  try {
    const settings = { DATA_DIR: path.join(dataDir, 'nested'), TOTP_DECRYPTION_KEYS: [] };
    const first = secretKeysFromConfig(settings);
    const again = secretKeysFromConfig(settings);
    expect(again.currentId).toBe(first.currentId);
    expect(again.open(first.seal('JBSWY3DPEHPK3PXP'))).toBe('JBSWY3DPEHPK3PXP');
    expect(statSync(devSecretKeyFile(settings.DATA_DIR)).mode & 0o777).toBe(0o600);
    // A configured key wins over the file.
    const configured = secretKeysFromConfig({ ...settings, TOTP_ENCRYPTION_KEY: randomBytes(32) });
    expect(configured.currentId).not.toBe(first.currentId);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
