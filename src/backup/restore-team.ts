import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { ActivityAction } from '../../entities/activity-action.enum';
import { eraseRestoredDeletedPeople } from '../accounts/erase-restored-people';
import { recordActivity } from '../activity/record-activity';
import { lockTeam } from '../db/lock-order';
import { inTransaction } from '../db/transaction';
import type { EventBus } from '../events/event-bus';
import { isUuid } from '../validation/ids';
import { refuse } from './backup-errors';
import type { StoredBackup } from './backup-store';
import { describeIdentity, readDatabaseIdentity, identityKey } from './database-identity';
import type { KeyRing } from './key-ring';
import { partsOf, type ManifestTable } from './manifest';
import { openPart } from './part-io';
import { checkBackup } from './restore-database';
import { columnList, quoteIdent } from './table-catalog';

const TEAMS = 'teams';

export interface TeamRestoreResult {
  backupId: string;
  teamId: string;
  tables: { name: string; rows: number }[];
}

/** COPY text rows of a part, one string per row (COPY escapes newlines inside values). */
async function* copyRows(stream: Readable): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (chunk as Buffer).toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    yield* lines;
  }
  if (rest) yield rest;
}

/** The unescaped value of a column holding a uuid or other escape-free text (\N is NULL). */
const field = (row: string, index: number): string | null => {
  const value = row.split('\t')[index];
  return value === '\\N' || value === undefined ? null : value;
};

async function filterPart(
  backup: StoredBackup,
  table: ManifestTable,
  key: Buffer | undefined,
  column: string,
  wanted: ReadonlySet<string>,
): Promise<string[]> {
  const index = table.columns.indexOf(column);
  const rows: string[] = [];
  for (let part = 0; part < partsOf(table).length; part++) {
    for await (const row of copyRows(openPart(backup, table, key, part))) {
      const value = field(row, index);
      if (value !== null && wanted.has(value)) rows.push(row);
    }
  }
  return rows;
}

/** A team comes back only into the database its backup was taken from. */
async function assertSameDatabase(backup: StoredBackup, dataSource: DataSource): Promise<void> {
  // Cast: TypeORM's driver connection is a pg PoolClient for postgres.
  const runner = dataSource.createQueryRunner();
  try {
    const live = await readDatabaseIdentity((await runner.connect()) as PoolClient);
    const source = backup.manifest.database;
    if (identityKey(source) !== identityKey(live)) {
      throw refuse(
        `backup ${backup.manifest.id} is of ${describeIdentity(source)}, not of this ${describeIdentity(live)}; a team is restored only into the database it was backed up from`,
      );
    }
  } finally {
    await runner.release();
  }
}

/**
 * Brings one deleted team back from a backup into the live database: the team's rows in every
 * table that belongs to it, plus the rows they reference that no longer exist (e.g. users who
 * have since been deleted; their sessions are not restored). Refuses if the team exists. Runs in
 * one transaction that also records TEAM_RESTORED in the team's activity.
 */
export async function restoreTeam(
  backup: StoredBackup,
  keys: KeyRing,
  rawTeamId: string,
  deps: { dataSource: DataSource; bus: EventBus },
): Promise<TeamRestoreResult> {
  const { manifest } = backup;
  // One spelling of the id before anything compares it: the live rows and the backup's text.
  if (!isUuid(rawTeamId)) throw refuse(`"${rawTeamId}" is not a team id`);
  const teamId = rawTeamId.toLowerCase();
  await assertSameDatabase(backup, deps.dataSource);
  const live = await deps.dataSource.query('SELECT 1 FROM teams WHERE id = $1', [teamId]);
  if (live.length) throw refuse(`team ${teamId} exists; only a deleted team can be restored`);
  const key = await checkBackup(backup, keys);

  const teamsTable = manifest.tables.find((t) => t.name === TEAMS);
  if (!teamsTable) throw refuse(`backup ${manifest.id} has no teams table`);
  const ids = new Set([teamId]);
  const selected = new Map<string, string[]>();
  selected.set(TEAMS, await filterPart(backup, teamsTable, key, 'id', ids));
  if (!selected.get(TEAMS)!.length) throw refuse(`team ${teamId} is not in backup ${manifest.id}`);

  // Rows of the team: tables with a foreign key to teams.
  const owned = manifest.tables.filter((t) => t.references.some((r) => r.table === TEAMS));
  const needed = new Map<string, Set<string>>();
  for (const table of owned) {
    const column = table.references.find((r) => r.table === TEAMS)!.column;
    const rows = await filterPart(backup, table, key, column, ids);
    selected.set(table.name, rows);
    // Rows they point at outside the team (users), restored when missing.
    for (const ref of table.references) {
      if (ref.table === TEAMS || owned.some((t) => t.name === ref.table)) continue;
      const index = table.columns.indexOf(ref.column);
      const set = needed.get(ref.table) ?? new Set<string>();
      for (const row of rows) {
        const value = field(row, index);
        if (value !== null) set.add(value);
      }
      needed.set(ref.table, set);
    }
  }
  for (const [name, wanted] of needed) {
    const table = manifest.tables.find((t) => t.name === name);
    if (!table || table.primaryKey.length !== 1)
      throw refuse(`cannot restore rows referenced in ${name}`);
    selected.set(name, await filterPart(backup, table, key, table.primaryKey[0], wanted));
  }

  return inTransaction(deps.dataSource, deps.bus, async (tx, pending) => {
    const tables: TeamRestoreResult['tables'] = [];
    // COPY streams need the connection in its ordinary mode.
    await tx.unpipelined(async (client) => {
      for (const table of manifest.tables) {
        const rows = selected.get(table.name);
        if (!rows?.length) continue;
        const temp = quoteIdent(`restore_${table.name}`);
        const cols = columnList(table.columns);
        await client.query(
          `CREATE TEMP TABLE ${temp} (LIKE ${quoteIdent(table.name)}) ON COMMIT DROP`,
        );
        await pipeline(
          Readable.from(rows.map((row) => `${row}\n`)),
          client.query(copyFrom(`COPY ${temp} (${cols}) FROM STDIN`)),
        );
        const pk = columnList(table.primaryKey);
        try {
          const result = await client.query(
            `INSERT INTO ${quoteIdent(table.name)} (${cols}) SELECT ${cols} FROM ${temp} r
              WHERE NOT EXISTS (SELECT 1 FROM ${quoteIdent(table.name)} t WHERE (${table.primaryKey
                .map((c) => `t.${quoteIdent(c)}`)
                .join(', ')}) = (${table.primaryKey.map((c) => `r.${quoteIdent(c)}`).join(', ')}))`,
          );
          tables.push({ name: table.name, rows: result.rowCount ?? 0 });
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === '23505') {
            throw refuse(
              `cannot restore team ${teamId}: a ${table.name} row clashes with live data (${(error as Error).message}); key ${pk}`,
            );
          }
          throw error;
        }
      }
    });
    // Tokens die with their team: a restore brings the invitations back as history, not as live links.
    let revokedInvitations = 0;
    if (manifest.tables.some((t) => t.name === 'invitations')) {
      // TypeORM returns [rows, affected] for an UPDATE on PostgreSQL.
      const [, affected] = (await tx.query(
        `UPDATE invitations SET status = 'REVOKED', responded_at = now() WHERE team_id = $1 AND status = 'PENDING'`,
        [teamId],
      )) as [unknown[], number];
      revokedInvitations = affected;
    }
    // People who deleted their account since the backup stay erased.
    await eraseRestoredDeletedPeople(tx, teamId);
    const team = await lockTeam(tx, teamId);
    await recordActivity(tx, pending, team, {
      actorId: null,
      action: ActivityAction.TEAM_RESTORED,
      subjectId: teamId,
      names: { team: team.name },
      details: {
        backupId: manifest.id,
        backupCreatedAt: manifest.createdAt,
        revokedInvitations,
      },
    });
    const members: { user_id: string }[] = await tx.query(
      'SELECT user_id FROM memberships WHERE team_id = $1',
      [teamId],
    );
    for (const { user_id } of members)
      pending.add({ kind: 'access-granted', teamId, userId: user_id });
    return { backupId: manifest.id, teamId, tables };
  });
}
