import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { refuse } from './backup-errors';
import { bytes } from './bytes';
import { databaseIdentitySchema } from './database-identity';
import type { KeyRing } from './key-ring';
import { TIERS } from './tiers';

/**
 * 3 splits a large table into parts (each with its own file, size, hashes and row count); 2 adds
 * the database identity and the key fingerprint; 1 and 2 are still read (one file per table).
 */
export const MANIFEST_FORMAT = 3;
export const MANIFEST_FILE = 'manifest.json';

const partSchema = z.object({
  file: z.string().regex(/^[a-z0-9_.]+$/),
  /** Size and SHA-256 of the stored part (compressed, encrypted): catches tampering before use. */
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * SHA-256 of the part's COPY text as stored (format 1: primary-key order; 2 and 3: heap order):
   * what restore checks while loading (and, for formats 1 and 2, verify compares after a restore).
   */
  dataSha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().min(0),
});

const tableBase = z.object({
  name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
  columns: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).min(1),
  primaryKey: z.array(z.string()).min(1),
  /** Single-column foreign keys: which column points at which table (for single-team restore). */
  references: z.array(z.object({ column: z.string(), table: z.string() })),
  /** Rows of the whole table (format 3: the sum of its parts'). */
  rows: z.number().int().min(0),
});

/** Format 3: the table's heap in consecutive page ranges, one part each (most tables: one). */
const partedTableSchema = tableBase.extend({ parts: z.array(partSchema).min(1) });
/** Formats 1 and 2: one part per table, described on the table itself. */
const wholeTableSchema = tableBase.merge(partSchema.omit({ rows: true }));

const manifestSchema = z
  .object({
    format: z.union([z.literal(1), z.literal(2), z.literal(MANIFEST_FORMAT)]),
    id: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/),
    /** The source of truth for a backup's age (file mtimes are not trusted). */
    createdAt: z.string().datetime(),
    tiers: z.array(z.enum(TIERS)).min(1),
    migration: z.object({ timestamp: z.number(), name: z.string() }),
    encrypted: z.boolean(),
    /** The database the backup came from (format 2 on): list, status, retention and catch-up go by it. */
    database: databaseIdentitySchema.optional(),
    /** Which key sealed it (format 2 on, encrypted): see keyFingerprint. Never the key itself. */
    keyFingerprint: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional(),
    /** Tables in foreign-key order: restore loads them in this order. */
    tables: z.array(z.union([partedTableSchema, wholeTableSchema])).min(1),
    sizeBytes: z.number().int().min(0),
    /** HMAC-SHA256 of the rest, keyed from the encryption key: an edited manifest is refused. */
    mac: z.string().optional(),
  })
  .refine((m) => m.format === 1 || m.database, {
    message: 'a format 2 or 3 manifest names its database',
    path: ['database'],
  })
  .refine((m) => m.format === 1 || !m.encrypted || m.keyFingerprint, {
    message: 'an encrypted format 2 or 3 manifest names its key',
    path: ['keyFingerprint'],
  })
  .refine((m) => m.tables.every((t) => 'parts' in t === m.format >= 3), {
    message: 'format 3 tables list their parts; formats 1 and 2 have one file per table',
    path: ['tables'],
  });

export type BackupManifest = z.infer<typeof manifestSchema>;
export type ManifestTable = BackupManifest['tables'][number];
export type ManifestPart = z.infer<typeof partSchema>;

/** A table's parts in heap order: format 3 lists them, formats 1 and 2 have exactly one. */
export function partsOf(table: ManifestTable): ManifestPart[] {
  if ('parts' in table) return table.parts;
  const { file, bytes, sha256, dataSha256, rows } = table;
  return [{ file, bytes, sha256, dataSha256, rows }];
}

/** Ids sort by creation time: 20261125T020000Z-1a2b3c. */
export function newBackupId(createdAt: Date): string {
  const stamp = createdAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function macKey(key: Buffer): Buffer {
  return Buffer.from(
    hkdfSync('sha256', bytes(key), new Uint8Array(0), 'teamgraph backup manifest', 32),
  );
}

function macOf(manifest: BackupManifest, key: Buffer): string {
  const body: Partial<BackupManifest> = { ...manifest };
  delete body.mac;
  return createHmac('sha256', bytes(macKey(key)))
    .update(canonicalize(body) ?? '')
    .digest('hex');
}

/** The manifest as stored: signed when the backup is encrypted. */
export function serializeManifest(manifest: BackupManifest, key: Buffer | undefined): string {
  const signed = key ? { ...manifest, mac: macOf(manifest, key) } : manifest;
  return `${JSON.stringify(signed, null, 2)}\n`;
}

/** Parses a stored manifest; throws a refusal naming the problem. */
export function parseManifest(text: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refuse('manifest is not valid JSON (truncated or damaged)');
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw refuse(
      `manifest is not a teamgraph backup manifest: ${issue.path.join('.')} ${issue.message}`,
    );
  }
  return result.data;
}

const macMatches = (manifest: BackupManifest, key: Buffer): boolean => {
  const expected = Buffer.from(macOf(manifest, key), 'hex');
  const actual = Buffer.from(manifest.mac ?? '', 'hex');
  return actual.length === expected.length && timingSafeEqual(bytes(actual), bytes(expected));
};

/**
 * Before any data is read: picks the key that sealed an encrypted backup (by its fingerprint;
 * format 1 manifests by trying each key) and checks the manifest is intact. Returns the key for
 * the parts, or undefined for an unencrypted backup.
 */
export function unsealManifest(manifest: BackupManifest, keys: KeyRing): Buffer | undefined {
  if (!manifest.encrypted) return undefined;
  if (!keys.all.length)
    throw refuse(
      `backup ${manifest.id} is encrypted: set BACKUP_ENCRYPTION_KEY (or BACKUP_DECRYPTION_KEYS)`,
    );
  if (manifest.keyFingerprint) {
    const key = keys.byFingerprint(manifest.keyFingerprint, manifest.id);
    if (!macMatches(manifest, key))
      throw refuse(`backup ${manifest.id}: manifest signature does not match (edited)`);
    return key;
  }
  const key = keys.all.find((k) => macMatches(manifest, k));
  if (!key)
    throw refuse(
      `backup ${manifest.id}: manifest signature does not match (edited, or sealed with a key that is neither BACKUP_ENCRYPTION_KEY nor in BACKUP_DECRYPTION_KEYS)`,
    );
  return key;
}
