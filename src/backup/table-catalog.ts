import type { ClientBase } from 'pg';

export interface CatalogTable {
  name: string;
  columns: string[];
  primaryKey: string[];
  references: { column: string; table: string }[];
}

/** Tables the backup never contains: the migration ledger belongs to the schema, not the data. */
const EXCLUDED = new Set(['migrations', 'typeorm_metadata']);

/**
 * The application's tables in the current schema, parents before children (foreign-key order),
 * so a restore can load them in order with every constraint checked.
 */
export async function readTableCatalog(client: ClientBase): Promise<CatalogTable[]> {
  const { rows: columns } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const { rows: keys } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT cl.relname AS table_name, a.attname AS column_name
       FROM pg_index i
       JOIN pg_class cl ON cl.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum = k.attnum
      WHERE i.indisprimary
      ORDER BY cl.relname, k.ord`,
  );
  const { rows: fks } = await client.query<{
    table_name: string;
    column_name: string | null;
    target: string;
  }>(
    `SELECT cl.relname AS table_name, tc.relname AS target,
            CASE WHEN array_length(con.conkey, 1) = 1 THEN a.attname END AS column_name
       FROM pg_constraint con
       JOIN pg_class cl ON cl.oid = con.conrelid
       JOIN pg_class tc ON tc.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
       LEFT JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum = con.conkey[1]
      WHERE con.contype = 'f'`,
  );

  const tables = new Map<string, CatalogTable>();
  for (const { table_name, column_name } of columns) {
    if (EXCLUDED.has(table_name)) continue;
    const table = tables.get(table_name) ?? {
      name: table_name,
      columns: [],
      primaryKey: [],
      references: [],
    };
    table.columns.push(column_name);
    tables.set(table_name, table);
  }
  for (const { table_name, column_name } of keys)
    tables.get(table_name)?.primaryKey.push(column_name);
  for (const { table_name, column_name, target } of fks) {
    if (column_name)
      tables.get(table_name)?.references.push({ column: column_name, table: target });
  }
  const parents = new Map<string, Set<string>>();
  for (const { table_name, target } of fks) {
    if (table_name === target || !tables.has(table_name)) continue;
    parents.set(table_name, (parents.get(table_name) ?? new Set()).add(target));
  }

  const ordered: CatalogTable[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (ordered.some((t) => t.name === name) || !tables.has(name)) return;
    if (visiting.has(name)) throw new Error(`foreign keys form a cycle through ${name}`);
    visiting.add(name);
    for (const parent of [...(parents.get(name) ?? [])].sort()) visit(parent);
    visiting.delete(name);
    ordered.push(tables.get(name)!);
  };
  for (const name of [...tables.keys()].sort()) visit(name);
  for (const table of ordered) {
    if (!table.primaryKey.length)
      throw new Error(`table ${table.name} has no primary key; it cannot be backed up`);
  }
  return ordered;
}

/** `"a", "b"` for SQL; names come from the catalog or a validated manifest, quoted anyway. */
export const columnList = (names: string[]): string =>
  names.map((n) => `"${n.replace(/"/g, '""')}"`).join(', ');

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Format 1 backups: the table's text in primary-key order (the same on the source and on a
 * restored copy, whatever their physical layout), at the price of a sort or an index scan.
 */
export const canonicalCopyTo = (table: {
  name: string;
  columns: string[];
  primaryKey: string[];
}): string =>
  `COPY (SELECT ${columnList(table.columns)} FROM ${quoteIdent(table.name)} ORDER BY ${columnList(
    table.primaryKey,
  )}) TO STDOUT`;

/**
 * Format 2 backups: the table's text in heap order, a plain sequential scan as `pg_dump` reads
 * it. A table restored by one COPY into an empty heap reads back in the same order, which is
 * what verify compares (with synchronized scans off, so a scan starts at the first block).
 */
export const heapCopyTo = (table: { name: string; columns: string[] }): string =>
  `COPY ${quoteIdent(table.name)} (${columnList(table.columns)}) TO STDOUT`;

/**
 * Format 3 parts of a large table: the rows on pages [from, to) in heap order, a TID Range Scan
 * (PostgreSQL 14+). Without `to` the range is open-ended, so rows on pages added after the page
 * count was read (it is only an estimate of the snapshot's heap) are never missed; ranges never
 * overlap, so no row is read twice.
 */
export const heapRangeCopyTo = (
  table: { name: string; columns: string[] },
  from: number,
  to: number | undefined,
): string =>
  `COPY (SELECT ${columnList(table.columns)} FROM ${quoteIdent(table.name)} WHERE ctid >= '(${Math.trunc(
    from,
  )},0)'::tid${to === undefined ? '' : ` AND ctid < '(${Math.trunc(to)},0)'::tid`}) TO STDOUT`;
