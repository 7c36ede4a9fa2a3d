import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { BackupService } from '../../src/backup/backup-service';
import type { BackupStore } from '../../src/backup/backup-store';
import { FileBackupStore } from '../../src/backup/file-store';
import { KeyRing } from '../../src/backup/key-ring';
import { createLogger } from '../../src/logging/logger';
import { buildTeam, addMember, type TestTeam } from '../factories/team.factory';
import { buildUser, type TestUser } from '../factories/user.factory';
import { APP_TABLES } from './counts';
import type { TestApp } from './test-app';

export { APP_TABLES };

/** Values COPY must escape: tabs, newlines, backslashes, a literal \N, quotes, non-ASCII. */
export const NASTY_TEXT =
  'tab\there\nnew line\\back\\slash \\N "quoted" \'single\' émoji 🚀 \r end';

export const testKey = (): Buffer => randomBytes(32);

export function tempBackupDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'teamgraph-backups-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The keys of a process: `key` seals, `older` only open (a default would swallow null). */
export const keys = (key: Buffer | null | undefined, older: Buffer[] = []): KeyRing =>
  new KeyRing(key ?? undefined, older);

/** A service on a folder (a path) or any store. */
export function backupService(
  databaseUrl: string,
  where: string | BackupStore,
  key: Buffer | undefined,
  options: {
    now?: () => Date;
    keep?: Partial<Record<'daily' | 'weekly' | 'monthly', number>>;
    older?: Buffer[];
    jobs?: number;
    partPages?: number;
  } = {},
): BackupService {
  return new BackupService({
    databaseUrl,
    store: typeof where === 'string' ? new FileBackupStore(where) : where,
    keys: keys(key, options.older),
    jobs: options.jobs,
    partPages: options.partPages,
    retention: {
      keep: { daily: 7, weekly: 4, monthly: 1, ...options.keep },
      maxAgeMs: 31 * 24 * 3600 * 1000,
    },
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    now: options.now,
  });
}

/** The suite database's URL (the one the app runs on). */
export const databaseUrlOf = (app: TestApp): string => app.app.services.config.DATABASE_URL!;

/** Every row of every application table as text, in a stable order: equal dumps = equal data. */
export async function dumpTables(
  url: string,
  tables = APP_TABLES,
): Promise<Record<string, string[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TIME ZONE 'UTC'`);
    const dump: Record<string, string[]> = {};
    for (const table of tables) {
      const { rows } = await client.query<{ r: string }>(
        `SELECT t::text AS r FROM ${table} t ORDER BY 1`,
      );
      dump[table] = rows.map((row) => row.r);
    }
    return dump;
  } finally {
    await client.end();
  }
}

export async function queryUrl<T extends Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** The public schema's indexes, keys and foreign keys, one line each, sorted. */
export const indexesAndConstraints = (url: string) =>
  queryUrl<{ def: string }>(
    url,
    `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'public'
     UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace
     ORDER BY 1`,
  );

/** The user triggers and whether each is enabled, one line each, sorted. */
export const userTriggers = (url: string) =>
  queryUrl<{ def: string }>(
    url,
    `SELECT tgrelid::regclass || ' ' || tgname || ' enabled=' || tgenabled::text AS def
       FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
  );

export interface SeededTeam {
  team: TestTeam;
  member: TestUser;
  itemId: string;
  invitationId: string;
}

/**
 * A team with a member, an item and an invitation whose text columns hold NASTY_TEXT, plus a
 * second session, a revoked session and a null-actor activity: every table, every awkward value.
 */
export async function seedTeam(app: TestApp, name = NASTY_TEXT): Promise<SeededTeam> {
  const owner = await buildUser(app);
  const team = await buildTeam(app, owner);
  // Tabs and line breaks are refused in names at the API's edge; rows written before that
  // rule (or by an operator) still hold them, and backups must carry them intact.
  team.name = name.slice(0, 90);
  await app.sql(`UPDATE teams SET name = $2 WHERE id = $1`, [team.id, team.name]);
  await app.sql(`UPDATE users SET display_name = $2 WHERE id = $1`, [
    owner.id,
    `Owner ${NASTY_TEXT}`,
  ]);
  const member = await addMember(app, team, 'MEMBER');
  await app.sql(
    `INSERT INTO sessions (user_id, token_hash, expires_at, revoked_at, user_agent)
     VALUES ($1, $2, now() + interval '1 day', now(), $3), ($1, $4, now() + interval '2 days', NULL, NULL)`,
    [member.id, randomBytes(32).toString('hex'), NASTY_TEXT, randomBytes(32).toString('hex')],
  );
  const [item] = await app.sql<{ id: string }>(
    `INSERT INTO items (team_id, title, content, created_by_id, updated_by_id, version)
     VALUES ($1, $2, $3, $4, $5, 3) RETURNING id`,
    [
      team.id,
      NASTY_TEXT,
      JSON.stringify({
        text: NASTY_TEXT,
        nested: { list: [1, 2.5, null, true], empty: {} },
        n: 1e-7,
      }),
      owner.id,
      member.id,
    ],
  );
  const [invitation] = await app.sql<{ id: string }>(
    `INSERT INTO invitations (team_id, email, role, status, token_hash, invited_by_id, expires_at)
     VALUES ($1, $2, 'MEMBER', 'PENDING', $3, $4, now() + interval '7 days') RETURNING id`,
    [
      team.id,
      `invitee-${randomBytes(3).toString('hex')}@example.com`,
      randomBytes(32).toString('hex'),
      owner.id,
    ],
  );
  // Account tables: sign-up left a verification link; a recovery code of the member.
  await app.sql(`INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, [
    member.id,
    randomBytes(32).toString('hex'),
  ]);
  // The log's tables: the member vouches for the team's newest signed checkpoint.
  const newest = await app.gql<{ activityCheckpoint: { treeSize: number; rootHash: string } }>(
    `query ($t: ID!) { activityCheckpoint(teamId: $t) { treeSize rootHash } }`,
    { t: team.id },
    member.token,
  );
  const witnessed = await app.gql(
    `mutation ($t: ID!, $n: Int!, $r: String!) {
      witnessCheckpoint(teamId: $t, treeSize: $n, rootHash: $r) { witnesses } }`,
    {
      t: team.id,
      n: newest.data!.activityCheckpoint.treeSize,
      r: newest.data!.activityCheckpoint.rootHash,
    },
    member.token,
  );
  if (witnessed.errors) throw new Error(JSON.stringify(witnessed.errors));
  return { team, member, itemId: item.id, invitationId: invitation.id };
}
