import type { Readable } from 'node:stream';
import type { BackupManifest } from './manifest';

/** Backup ids sort by creation time: 20261125T020000Z-1a2b3c. */
export const BACKUP_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export interface StoredBackup {
  manifest: BackupManifest;
  store: BackupStore;
  /** Where it lives, for people: a folder, or s3://bucket/prefix/id. */
  location: string;
  /** When the store itself says the manifest was written (S3 LastModified); not for files. */
  storedAtMs?: number;
}

export interface StorageScan {
  /** Complete backups (their manifest is there and parses), newest first. */
  backups: StoredBackup[];
  /** Entries that are not a readable backup (damaged manifest, stray folders). */
  invalid: { name: string; reason: string }[];
  /** Unfinished writes (no manifest yet): never listed, removed once abandoned. */
  unfinished: { name: string; modifiedMs: number }[];
}

/** One backup being written: parts first, the manifest last (only then does it count). */
export interface BackupWrite {
  /** Stores one part from a stream (never kept whole in memory). */
  writePart(file: string, body: Readable): Promise<void>;
  /** Writes the manifest, which makes the backup complete and visible. */
  commit(manifestText: string): Promise<void>;
  /** Removes whatever was written. */
  abort(): Promise<void>;
}

/**
 * Where backups live: a folder (BACKUP_DIR) or an S3-compatible bucket (BACKUP_STORAGE=s3://…).
 * Every backup command works the same on either.
 */
export interface BackupStore {
  /** For messages and logs: the folder, or s3://bucket/prefix. */
  readonly description: string;
  scan(): Promise<StorageScan>;
  /** A complete backup by id; a refusal when there is none. */
  get(id: string): Promise<StoredBackup>;
  /** The stored bytes of one part, and their size (undefined when missing). */
  readPart(backup: StoredBackup, file: string): Readable;
  partSize(backup: StoredBackup, file: string): Promise<number | undefined>;
  begin(id: string): Promise<BackupWrite>;
  /** Deletes a backup or unfinished write by name; the manifest goes first. */
  remove(name: string): Promise<void>;
}
