import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { refuse } from './backup-errors';
import { bytes } from './bytes';
import type { StoredBackup } from './backup-store';
import { createDecryptStream } from './encryption';
import type { ManifestTable } from './manifest';

/** Passes data through while hashing and counting it. */
export class HashingTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  /** Called after each chunk (progress). */
  onChunk?: () => void;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.hash.update(bytes(chunk));
    this.bytes += chunk.length;
    this.onChunk?.();
    this.push(chunk);
    callback();
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Gathers small chunks into ~256 KiB ones. COPY … TO STDOUT yields one chunk per row; handing
 * each to gzip and the cipher separately costs more than the work itself.
 */
export class Rechunk extends Transform {
  private pending: Buffer[] = [];
  private size = 0;

  constructor(private readonly target = 256 * 1024) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.target) this.release();
    callback();
  }

  override _flush(callback: () => void): void {
    if (this.size) this.release();
    callback();
  }

  private release(): void {
    this.push(Buffer.concat(this.pending.map(bytes)));
    this.pending = [];
    this.size = 0;
  }
}

export const partAad = (backupId: string, table: string): string =>
  `teamgraph-backup/${backupId}/${table}`;

export async function sha256OfFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const tap = new HashingTap();
  await pipeline(createReadStream(file), tap, new PassThrough().resume());
  return { sha256: tap.hex(), bytes: tap.bytes };
}

/**
 * Checks every stored part against the manifest (size, then SHA-256) before any data is used,
 * so a tampered or truncated backup is refused before a restore writes anything.
 */
export async function checkParts(backup: StoredBackup): Promise<void> {
  const { manifest, store } = backup;
  for (const table of manifest.tables) {
    const size = await store.partSize(backup, table.file);
    if (size === undefined) throw refuse(`backup ${manifest.id}: part ${table.file} is missing`);
    if (size !== table.bytes) {
      throw refuse(
        `backup ${manifest.id}: part ${table.file} is ${size} bytes, the manifest says ${table.bytes} (truncated or altered)`,
      );
    }
    const tap = new HashingTap();
    await pipeline(store.readPart(backup, table.file), tap, new PassThrough().resume());
    if (tap.hex() !== table.sha256) {
      throw refuse(
        `backup ${manifest.id}: part ${table.file} does not match its SHA-256 (tampered or damaged)`,
      );
    }
  }
}

/**
 * A table's COPY text from a stored part: read → decrypt (with the key `unsealManifest` chose,
 * when encrypted) → gunzip.
 */
export function openPart(
  backup: StoredBackup,
  table: ManifestTable,
  key: Buffer | undefined,
): Readable {
  const { manifest } = backup;
  const label = `backup ${manifest.id}: part ${table.file}`;
  const file = backup.store.readPart(backup, table.file);
  const stages: (Readable | Transform)[] = [file];
  if (manifest.encrypted) {
    if (!key) throw refuse(`backup ${manifest.id} is encrypted: set BACKUP_ENCRYPTION_KEY`);
    stages.push(createDecryptStream(key, partAad(manifest.id, table.name), label));
  }
  stages.push(createGunzip());
  const out = new PassThrough();
  // .pipe() does not forward errors: the first failure of any stage fails `out` with a refusal.
  const fail = (error: Error) => {
    for (const stage of stages) stage.destroy();
    out.destroy(
      error.name === 'BackupRefusedError'
        ? error
        : refuse(`${label}: cannot be read (${error.message})`),
    );
  };
  let last: Readable = file;
  for (const stage of stages) {
    stage.on('error', fail);
    if (stage !== file) last = last.pipe(stage as Transform);
  }
  last.pipe(out);
  return out;
}
