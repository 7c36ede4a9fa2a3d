import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { refuse } from './backup-errors';
import { bytes } from './bytes';
import type { StoredBackup } from './backup-store';
import { createDecryptStream } from './encryption';
import { partsOf, type ManifestPart, type ManifestTable } from './manifest';
import { runOnEach } from './parallel-jobs';

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

/**
 * What a part's AES-GCM tag binds it to: its backup and table, and (format 3) its place in the
 * table, so parts cannot be swapped between backups, tables or places in a table.
 */
export const partAad = (backupId: string, table: string, part?: number): string =>
  `teamgraph-backup/${backupId}/${table}${part === undefined ? '' : `/${part}`}`;

/**
 * An order-independent digest of COPY text: the sum, lane by lane modulo 2^64, of every row's
 * SHA-256. The same rows in any order, split over any number of streams (one `tap` each), give
 * the same digest: verify compares a table restored from parts loaded side by side (its heap
 * order interleaves them) with what was loaded.
 */
export class RowDigest {
  rows = 0;
  private readonly lanes = [0n, 0n, 0n, 0n];

  /** Passes one stream of whole COPY rows through, adding each row. */
  tap(): Transform {
    let rest: Buffer = Buffer.alloc(0);
    // Arrow functions: `this` stays the digest.
    const add = (row: Buffer) => this.add(row);
    return new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        // COPY text escapes newlines inside values: every newline ends a row.
        const data = rest.length ? Buffer.concat([bytes(rest), bytes(chunk)]) : chunk;
        let start = 0;
        for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
          add(data.subarray(start, end + 1));
          start = end + 1;
        }
        rest = Buffer.from(bytes(data.subarray(start)));
        callback(null, chunk);
      },
      flush(callback: TransformCallback) {
        if (rest.length) add(rest);
        callback();
      },
    });
  }

  private add(row: Buffer): void {
    const hash = createHash('sha256').update(bytes(row)).digest();
    for (let lane = 0; lane < 4; lane++)
      this.lanes[lane] = BigInt.asUintN(64, this.lanes[lane] + hash.readBigUInt64BE(lane * 8));
    this.rows++;
  }

  hex(): string {
    return this.lanes.map((lane) => lane.toString(16).padStart(16, '0')).join('');
  }
}

export async function sha256OfFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const tap = new HashingTap();
  await pipeline(createReadStream(file), tap, new PassThrough().resume());
  return { sha256: tap.hex(), bytes: tap.bytes };
}

/**
 * Checks every stored part against the manifest (size, then SHA-256) before any data is used,
 * so a tampered or truncated backup is refused before a restore writes anything.
 */
export async function checkParts(backup: StoredBackup, jobs = 2): Promise<void> {
  const { manifest } = backup;
  const queue = manifest.tables.flatMap(partsOf);
  // Parts side by side (hashing is CPU work); the first mismatch stops the others.
  await runOnEach(Array.from({ length: Math.max(1, jobs) }), async (_worker, stop) => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      stop.throwIfAborted();
      await checkPart(backup, part);
    }
  });
}

async function checkPart(backup: StoredBackup, part: ManifestPart): Promise<void> {
  const { manifest, store } = backup;
  const size = await store.partSize(backup, part.file);
  if (size === undefined) throw refuse(`backup ${manifest.id}: part ${part.file} is missing`);
  if (size !== part.bytes) {
    throw refuse(
      `backup ${manifest.id}: part ${part.file} is ${size} bytes, the manifest says ${part.bytes} (truncated or altered)`,
    );
  }
  const tap = new HashingTap();
  await pipeline(store.readPart(backup, part.file), tap, new PassThrough().resume());
  if (tap.hex() !== part.sha256) {
    throw refuse(
      `backup ${manifest.id}: part ${part.file} does not match its SHA-256 (tampered or damaged)`,
    );
  }
}

/**
 * The COPY text of part `index` of a table (`partsOf` order; formats 1 and 2 have only part 0):
 * read → decrypt (with the key `unsealManifest` chose, when encrypted) → gunzip.
 */
export function openPart(
  backup: StoredBackup,
  table: ManifestTable,
  key: Buffer | undefined,
  index = 0,
): Readable {
  const { manifest } = backup;
  const part = partsOf(table)[index];
  const label = `backup ${manifest.id}: part ${part.file}`;
  const file = backup.store.readPart(backup, part.file);
  const stages: (Readable | Transform)[] = [file];
  if (manifest.encrypted) {
    if (!key) throw refuse(`backup ${manifest.id} is encrypted: set BACKUP_ENCRYPTION_KEY`);
    const aad = partAad(manifest.id, table.name, 'parts' in table ? index : undefined);
    stages.push(createDecryptStream(key, aad, label));
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
