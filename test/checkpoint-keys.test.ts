import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../src/config/config';
import { registerSigningKey } from '../src/db/checkpoint-keys';
import { CheckpointSigner } from '../src/db/checkpoint-signer';
import { decodeSigningKey } from '../src/config/checkpoint-config';
import { buildTeam } from './factories/team.factory';
import { newestCheckpoint, servedKeys, signatureHolds } from './support/log-checks';
import { PRODUCTION_ENV } from './support/production-env';
import { startTestApp, type TestApp } from './support/test-app';

const ROOT = path.join(__dirname, '..');
const RENAME = `mutation ($t: ID!, $name: String!) { renameTeam(teamId: $t, name: $name) { id } }`;
const seed = () => randomBytes(32).toString('base64');

describe('the checkpoint signing key in the configuration', () => {
  const production: Record<string, string> = { ...PRODUCTION_ENV, BACKUP_SCHEDULER: 'off' };
  const withoutKey = Object.fromEntries(
    Object.entries(production).filter(([name]) => name !== 'CHECKPOINT_SIGNING_KEY'),
  );

  it('is required in production, and refused when it is not an Ed25519 key (without echoing it)', () => {
    expect(() => loadConfig(withoutKey)).toThrow(
      /CHECKPOINT_SIGNING_KEY: required when NODE_ENV=production/,
    );
    const bad = Buffer.alloc(31, 1).toString('base64');
    expect(() => loadConfig({ ...production, CHECKPOINT_SIGNING_KEY: bad })).toThrow(
      /CHECKPOINT_SIGNING_KEY: must be an Ed25519 private key/,
    );
    expect(() => loadConfig({ ...production, CHECKPOINT_SIGNING_KEY: bad })).not.toThrow(bad);
    // Another curve's PKCS#8 key is not an Ed25519 key.
    const x25519 = generateKeyPairSync('x25519')
      .privateKey.export({ format: 'der', type: 'pkcs8' })
      .toString('base64');
    expect(() => loadConfig({ ...production, CHECKPOINT_SIGNING_KEY: x25519 })).toThrow(
      /CHECKPOINT_SIGNING_KEY/,
    );
  });

  it('takes a 32-byte seed or a PKCS#8 key, and the same seed signs the same way in both forms', () => {
    const raw = seed();
    const fromSeed = new CheckpointSigner(
      loadConfig({ ...production, CHECKPOINT_SIGNING_KEY: raw }).CHECKPOINT_SIGNING_KEY!,
    );
    const pkcs8 = decodeSigningKey(raw)!
      .export({ format: 'der', type: 'pkcs8' })
      .toString('base64');
    const fromDer = new CheckpointSigner(
      loadConfig({ ...production, CHECKPOINT_SIGNING_KEY: pkcs8 }).CHECKPOINT_SIGNING_KEY!,
    );
    expect(fromDer.publicKey).toEqual(fromSeed.publicKey);
    expect(fromSeed.publicKey).toHaveLength(32);
    expect(fromSeed.keyId).toMatch(/^[0-9a-f]{16}$/);
    const fields = { teamId: 'x', treeSize: 1, rootHash: 'r', timestamp: new Date(0) };
    expect(fromDer.sign(fields)).toBe(fromSeed.sign(fields));
  });

  it('reads retired keys as <keyId>@<time>, and refuses the signing key among them', () => {
    const config = loadConfig({
      ...production,
      CHECKPOINT_RETIRED_KEYS: 'old-1@2026-11-01T00:00:00Z, old-2@2026-12-01T00:00:00.000Z',
    });
    expect(config.CHECKPOINT_RETIRED_KEYS).toEqual([
      { keyId: 'old-1', validUntil: new Date('2026-11-01T00:00:00Z') },
      { keyId: 'old-2', validUntil: new Date('2026-12-01T00:00:00Z') },
    ]);
    expect(() => loadConfig({ ...production, CHECKPOINT_RETIRED_KEYS: 'old-1' })).toThrow(
      /CHECKPOINT_RETIRED_KEYS: entry 1 must be <keyId>@<ISO 8601 time>/,
    );
    expect(() =>
      loadConfig({
        ...production,
        CHECKPOINT_SIGNING_KEY_ID: 'current',
        CHECKPOINT_RETIRED_KEYS: 'current@2026-11-01T00:00:00Z',
      }),
    ).toThrow(/lists the signing key current itself/);
  });

  it('a production server without it does not start: it names the variable and exits 2', async () => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'support', 'swc-register.cjs'),
        path.join(ROOT, 'src', 'main.ts'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...withoutKey, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(2);
    expect(output).toMatch(/CHECKPOINT_SIGNING_KEY: required when NODE_ENV=production/);
  });
});

describe('key rotation', () => {
  let first: TestApp;
  let second: TestApp | undefined;
  const firstKey = seed();
  const firstId = new CheckpointSigner(decodeSigningKey(firstKey)!).keyId;
  beforeAll(async () => {
    first = await startTestApp({ CHECKPOINT_SIGNING_KEY: firstKey });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('keeps checkpoints signed before a rotation verifiable under the retired key, within its validity', async () => {
    const team = await buildTeam(first);
    const before = await newestCheckpoint(first, team.id, team.owner.token);
    expect(before.keyId).toBe(firstId);

    // The deploy that rotates: a new key, the old one retired from now on.
    const retiredAt = new Date();
    second = await startTestApp(
      {
        CHECKPOINT_SIGNING_KEY: seed(),
        CHECKPOINT_SIGNING_KEY_ID: 'second',
        CHECKPOINT_RETIRED_KEYS: `${firstId}@${retiredAt.toISOString()}`,
      },
      first,
    );
    const renamed = await second.gql(RENAME, { t: team.id, name: 'Rotated' }, team.owner.token);
    expect(renamed.errors).toBeUndefined();
    const after = await newestCheckpoint(second, team.id, team.owner.token);
    expect(after.keyId).toBe('second');

    const keys = await servedKeys(second);
    expect(keys.find((k) => k.keyId === firstId)?.validUntil).toBe(retiredAt.toISOString());
    expect(keys.find((k) => k.keyId === 'second')?.validUntil).toBeNull();
    expect(signatureHolds(before, keys)).toBe(true);
    expect(signatureHolds(after, keys)).toBe(true);
    // Under the wrong key, or outside its key's validity, a signature does not hold.
    expect(signatureHolds({ ...before, keyId: 'second' }, keys)).toBe(false);
    const retired = keys.map((k) =>
      k.keyId === firstId
        ? { ...k, validUntil: new Date(Date.parse(before.timestamp)).toISOString() }
        : k,
    );
    expect(signatureHolds(before, retired)).toBe(false);
  });

  it('refuses a key id that already names another public key, a retired signing key, and retiring the signing key itself', async () => {
    const dataSource = first.app.services.dataSource;
    const impostor = new CheckpointSigner(decodeSigningKey(seed())!, 'second');
    await expect(registerSigningKey(dataSource, impostor, [])).rejects.toThrow(
      /already names another public key/,
    );
    const retiredSigner = new CheckpointSigner(decodeSigningKey(firstKey)!);
    await expect(registerSigningKey(dataSource, retiredSigner, [])).rejects.toThrow(/was retired/);
    const current = new CheckpointSigner(decodeSigningKey(seed())!);
    await expect(
      registerSigningKey(dataSource, current, [{ keyId: current.keyId, validUntil: new Date() }]),
    ).rejects.toThrow(/lists the signing key .* itself/);
  });
});
