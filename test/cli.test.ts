import { execFile } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { createScratchDatabase } from './support/scratch-database';

/** `teamgraph …`: help that exits 0, `migrate` and `seed` subcommands, a seed that ends with a token. */
const ROOT = path.join(__dirname, '..');

function teamgraph(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'support', 'swc-register.cjs'),
        path.join(ROOT, 'src', 'cli', 'teamgraph.ts'),
        ...args,
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
beforeAll(async () => {
  database = await createScratchDatabase();
});
afterAll(() => database?.drop());

it('teamgraph --help, -h and help print usage and exit 0', async () => {
  for (const { code, stdout } of await Promise.all(
    [['--help'], ['-h'], ['help']].map((args) => teamgraph(args)),
  )) {
    expect(code).toBe(0);
    for (const command of ['migrate', 'seed', 'backup']) expect(stdout).toContain(command);
  }
});

it('teamgraph <command> --help exits 0 with that command’s usage', async () => {
  const commands = ['migrate', 'seed', 'backup'];
  const results = await Promise.all(commands.map((command) => teamgraph([command, '--help'])));
  results.forEach(({ code, stdout }, i) => {
    expect(code).toBe(0);
    expect(stdout).toContain(`usage: teamgraph ${commands[i]}`);
  });
}, 60_000);

it('an unknown command, or none, prints usage and exits 2', async () => {
  const [unknown, none] = await Promise.all([teamgraph(['frobnicate']), teamgraph([])]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('unknown command "frobnicate"');
  expect(none.code).toBe(2);
});

it('names of an object’s own machinery are unknown commands too, and help for them is the usage', async () => {
  const words = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
  const [unknown, help] = await Promise.all([
    Promise.all(words.map((word) => teamgraph([word]))),
    Promise.all(words.map((word) => teamgraph(['help', word]))),
  ]);
  unknown.forEach(({ code, stderr }, i) => {
    expect(code).toBe(2);
    expect(stderr).toContain(`unknown command "${words[i]}"`);
  });
  for (const { code, stdout } of help) {
    expect(code).toBe(0);
    expect(stdout).toContain('usage: teamgraph <command>');
  }
}, 60_000);

it('migrate applies the migrations; seed prints a token on every run', async () => {
  const env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
  const migrated = await teamgraph(['migrate'], env);
  expect(migrated).toMatchObject({ code: 0 });
  expect(migrated.stdout).toMatch(/schema is up to date/);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM migrations');
    expect(rows[0].n).toBeGreaterThanOrEqual(3);
    const tokens = [];
    for (const run of [1, 2]) {
      const seeded = await teamgraph(['seed'], env);
      expect({ run, code: seeded.code }).toEqual({ run, code: 0 });
      const last = seeded.stdout.trim().split('\n').at(-1)!;
      const token = /"Bearer ([A-Za-z0-9_-]{20,})"/.exec(last)?.[1];
      expect(token).toBeDefined();
      tokens.push(token!);
    }
    expect(new Set(tokens).size).toBe(2);
    const { rows: sessions } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE u.email = 'ada@example.com' AND s.revoked_at IS NULL`,
    );
    expect(sessions[0].n).toBeGreaterThanOrEqual(2);
  } finally {
    await client.end();
  }
}, 90_000);

it('seed against an unreachable database says so in one line and exits 2', async () => {
  const result = await teamgraph(['seed'], {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    DB_CONNECT_TIMEOUT: '300ms',
    LOG_LEVEL: 'silent',
  });
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('127.0.0.1:1')]);
}, 30_000);
