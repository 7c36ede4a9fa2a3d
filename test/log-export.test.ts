import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { buildTeam } from './factories/team.factory';
import {
  newestCheckpoint,
  signatureHolds,
  type ServedCheckpoint,
  type ServedKey,
} from './support/log-checks';
import { referenceRoot } from './support/rfc9162-reference';
import { startTestApp, type TestApp } from './support/test-app';

const ROOT = path.join(__dirname, '..');
const KEY = randomBytes(32).toString('base64');
const CREATE_ITEM = `mutation ($t: ID!, $title: String!) { createItem(teamId: $t, input: { title: $title, content: { n: 1 } }) { id } }`;

function teamgraph(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'support', 'swc-register.cjs'),
        path.join(ROOT, 'src', 'cli', 'teamgraph.ts'),
        ...args,
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

interface Export {
  format: string;
  teamId: string;
  rows: (Record<string, unknown> & { seq: number; hash: string })[];
  checkpoint: ServedCheckpoint;
  signingKeys: ServedKey[];
}

/** The checks an outsider runs on an export, written from the format alone. */
function expectVerifies(file: Export) {
  expect(file.format).toBe('teamgraph-log-export/v1');
  expect(file.rows.map((r) => r.seq)).toEqual(file.rows.map((_, i) => i + 1));
  expect(file.rows).toHaveLength(file.checkpoint.treeSize);
  let previous = '';
  const leaves = file.rows.map((row) => {
    const { hash, ...members } = row;
    expect(Object.keys(members).sort()).toEqual([
      'action',
      'actorId',
      'createdAt',
      'details',
      'seq',
      'subjectId',
      'subjectType',
      'summaryDigest',
      'teamId',
    ]);
    const canonical = canonicalize(members) ?? '';
    expect(hash).toBe(
      createHash('sha256')
        .update(previous + canonical)
        .digest('hex'),
    );
    previous = hash;
    return Buffer.from(canonical, 'utf8');
  });
  expect(referenceRoot(leaves).toString('base64')).toBe(file.checkpoint.rootHash);
  expect(signatureHolds(file.checkpoint, file.signingKeys)).toBe(true);
}

describe('teamgraph log export', () => {
  let app: TestApp;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp({ CHECKPOINT_SIGNING_KEY: KEY });
    dir = mkdtempSync(path.join(tmpdir(), 'log-export-'));
    env = { DATABASE_URL: app.databaseUrl, CHECKPOINT_SIGNING_KEY: KEY, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app?.stop();
  });

  it('writes the newest checkpoint with its rows and keys, or the one of --size, and both verify', async () => {
    const team = await buildTeam(app);
    for (let i = 0; i < 6; i += 1) {
      const created = await app.gql(CREATE_ITEM, { t: team.id, title: `T${i}` }, team.owner.token);
      expect(created.errors).toBeUndefined();
    }
    const newest = await newestCheckpoint(app, team.id, team.owner.token);
    const out = path.join(dir, 'newest.json');
    const written = await teamgraph(
      ['log', 'export', '--team', team.id.toUpperCase(), '--out', out],
      env,
    );
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8')) as Export;
    expect(file.teamId).toBe(team.id);
    expect(file.checkpoint).toEqual(newest);
    expectVerifies(file);

    const printed = await teamgraph(['log', 'export', '--team', team.id, '--size', '3'], env);
    expect(printed.code).toBe(0);
    const older = JSON.parse(printed.stdout) as Export;
    expect(older.checkpoint.treeSize).toBe(3);
    expectVerifies(older);
  });

  it('refuses bad usage with 2 and a team or size it does not have with 1, writing nothing', async () => {
    const team = await buildTeam(app);
    const out = path.join(dir, 'never.json');
    for (const args of [
      ['log', 'export'],
      ['log', 'export', '--team', 'not-a-uuid'],
      ['log', 'export', '--team', team.id, '--size', '0'],
      ['log', 'export', '--team', team.id, '--bogus'],
      ['log', 'nonsense'],
    ]) {
      const result = await teamgraph([...args, '--out', out], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/usage: teamgraph log/);
    }
    const missing = await teamgraph(
      [
        'log',
        'export',
        '--team',
        randomBytes(16)
          .toString('hex')
          .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
        '--out',
        out,
      ],
      env,
    );
    expect(missing.code).toBe(1);
    const tooBig = await teamgraph(
      ['log', 'export', '--team', team.id, '--size', '99', '--out', out],
      env,
    );
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toMatch(/has 1 rows, not 99/);
    expect(() => readFileSync(out)).toThrow();
    const help = await teamgraph(['log', 'export', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/teamgraph-log-export\/v1/);
  });
});
