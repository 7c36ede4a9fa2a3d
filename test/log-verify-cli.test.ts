import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { chainRows, exportOf, newKey, rowContent } from './support/generated-log';

/** `teamgraph log verify`: offline, what it checked on stdout, the first failure and exit codes. */
const ROOT = path.join(__dirname, '..');
const TEAM = '0b4c7e1a-5d2f-4c8e-9a61-3f7d2e9b8c10';
const key = newKey('k1', '2025-01-01T00:00:00.000Z');
const pin = `--key=k1=${key.publicKey}`;
const rows = chainRows(TEAM, fc.sample(rowContent, { numRuns: 12, seed: 11 }));
const honest = exportOf(TEAM, rows, key, '2026-03-01T12:00:00.000Z');

function teamgraph(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'support', 'swc-register.cjs'),
        path.join(ROOT, 'src', 'cli', 'teamgraph.ts'),
        ...args,
      ],
      // No database in the environment: the check reads nothing but the file.
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

let dir: string;
const write = (name: string, content: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
};
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'log-verify-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('verifies an honest export against a pinned key and says what it checked', async () => {
  const { code, stdout, stderr } = await teamgraph([
    'log',
    'verify',
    write('honest.json', honest),
    pin,
  ]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toContain(`team ${TEAM}, 12 rows`);
  expect(stdout).toContain('signed by key "k1" (a pinned key)');
  expect(stdout).toContain('the hash chain follows from row 1 to 12');
  expect(stdout).toContain(`equals the signed root ${honest.checkpoint.rootHash}`);
  expect(stdout.trim().split('\n').at(-1)).toBe('verified: every check held');
});

it('without --key uses the file’s keys and says so', async () => {
  const { code, stdout } = await teamgraph(['log', 'verify', write('unpinned.json', honest)]);
  expect(code).toBe(0);
  expect(stdout).toContain('a key from the file itself');
});

it('names the first failure and exits 1', async () => {
  const altered = JSON.parse(JSON.stringify(honest)) as typeof honest;
  altered.rows[6]!.details = { ...altered.rows[6]!.details, changed: 1 };
  const chain = await teamgraph(['log', 'verify', write('altered.json', altered), pin]);
  expect(chain.code).toBe(1);
  expect(chain.stderr).toMatch(/^FAILED chain at row 7: /m);

  const stranger = newKey('k1', '2025-01-01T00:00:00.000Z');
  const forged = exportOf(TEAM, rows.slice(0, 10), stranger, '2026-03-01T12:00:00.000Z');
  const signature = await teamgraph(['log', 'verify', write('forged.json', forged), pin]);
  expect(signature.code).toBe(1);
  expect(signature.stderr).toContain(
    'FAILED signature: the signature does not verify under key "k1"',
  );
  expect(signature.stdout).not.toContain('verified');

  const truncated = { ...honest, rows: honest.rows.slice(0, 11) };
  const short = await teamgraph(['log', 'verify', write('short.json', truncated), pin]);
  expect(short.code).toBe(1);
  expect(short.stderr).toContain('FAILED format: the file holds 11 rows, the checkpoint covers 12');

  const notJson = await teamgraph(['log', 'verify', write('broken.json', '{"format":')]);
  expect(notJson.code).toBe(1);
  expect(notJson.stderr).toMatch(/^FAILED format: .* is not JSON/);
});

it('exits 2 for usage errors, 0 for --help', async () => {
  const none = await teamgraph(['log', 'verify']);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('usage: teamgraph log verify');
  const badKey = await teamgraph([
    'log',
    'verify',
    write('k.json', honest),
    '--key',
    'k1=notbase64!',
  ]);
  expect(badKey.code).toBe(2);
  expect(badKey.stderr).toContain('--key "k1=notbase64!" is not <keyId>=<base64 of 32 bytes>');
  const missing = await teamgraph(['log', 'verify', path.join(dir, 'absent.json')]);
  expect(missing.code).toBe(2);
  expect((await teamgraph(['log', 'nothing'])).code).toBe(2);
  const help = await teamgraph(['log', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('usage: teamgraph log');
  expect((await teamgraph(['--help'])).stdout).toContain('log');
});
