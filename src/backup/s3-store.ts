import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type MultipartUpload,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { refuse } from './backup-errors';
import {
  BACKUP_ID_PATTERN,
  type BackupStore,
  type BackupWrite,
  type StorageScan,
  type StoredBackup,
} from './backup-store';
import { MANIFEST_FILE, parseManifest } from './manifest';
import type { S3Location } from '../config/s3-location';

export interface S3StoreOptions extends S3Location {
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Multipart part size: memory taken per upload is about queueSize × this. */
const PART_BYTES = 8 * 1024 * 1024;
const UPLOAD_QUEUE = 2;

export function createS3Client(options: S3StoreOptions): S3Client {
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: Boolean(options.endpoint),
    credentials: options.credentials,
    // Checksums only where S3 requires them: other S3-compatible stores reject the newer headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * BACKUP_STORAGE=s3://bucket/prefix: `<prefix>/<id>/<part>` objects, uploaded as streaming
 * multipart uploads, then `<prefix>/<id>/manifest.json` last. A backup without its manifest is
 * unfinished: never listed, deleted once abandoned (or at once when its writer fails).
 */
export class S3BackupStore implements BackupStore {
  readonly client: S3Client;

  constructor(
    readonly options: S3StoreOptions,
    client?: S3Client,
  ) {
    this.client = client ?? createS3Client(options);
  }

  get description(): string {
    return `s3://${this.options.bucket}${this.options.prefix ? `/${this.options.prefix}` : ''}`;
  }

  private key(...parts: string[]): string {
    return [this.options.prefix, ...parts].filter(Boolean).join('/');
  }

  /** Every object of ours (or of one backup), grouped by backup id. */
  private async objectsById(only?: string): Promise<Map<string, _Object[]>> {
    const base = this.key('');
    const start = base ? `${base}/` : '';
    const listed = only ? `${start}${only}/` : start;
    const byId = new Map<string, _Object[]>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: listed,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const rest = (object.Key ?? '').slice(start.length);
        const [id, file, ...deeper] = rest.split('/');
        // Anything else under the prefix is not ours: never listed, never deleted.
        if (!BACKUP_ID_PATTERN.test(id) || !file || deeper.length) continue;
        byId.set(id, [...(byId.get(id) ?? []), object]);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return byId;
  }

  /**
   * Multipart uploads never completed (a writer killed mid-part), by backup id. Their parts are
   * invisible to listings but are data all the same: retention aborts them. Stores that cannot
   * list them (NotImplemented) are left to their own expiry.
   */
  private async uploadsById(only?: string): Promise<Map<string, MultipartUpload[]>> {
    const base = this.key('');
    const start = base ? `${base}/` : '';
    const byId = new Map<string, MultipartUpload[]>();
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.options.bucket,
            Prefix: only ? `${start}${only}/` : start,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        );
        for (const upload of page.Uploads ?? []) {
          const [id] = (upload.Key ?? '').slice(start.length).split('/');
          if (BACKUP_ID_PATTERN.test(id)) byId.set(id, [...(byId.get(id) ?? []), upload]);
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch (error) {
      if ((error as { name?: string }).name !== 'NotImplemented') throw error;
    }
    return byId;
  }

  private async readManifest(id: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(id, MANIFEST_FILE) }),
      );
      return await object.Body!.transformToString('utf8');
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  private backup(id: string, text: string, storedAtMs?: number): StoredBackup {
    const manifest = parseManifest(text);
    if (manifest.id !== id) throw refuse(`manifest id ${manifest.id} does not match its prefix`);
    return { manifest, store: this, location: `${this.description}/${id}`, storedAtMs };
  }

  async scan(): Promise<StorageScan> {
    const result: StorageScan = { backups: [], invalid: [], unfinished: [] };
    const objectsById = await this.objectsById();
    for (const [id, uploads] of await this.uploadsById()) {
      if (objectsById.has(id)) continue;
      const modifiedMs = Math.max(...uploads.map((u) => u.Initiated?.getTime() ?? 0));
      result.unfinished.push({ name: id, modifiedMs });
    }
    for (const [id, objects] of objectsById) {
      const manifestObject = objects.find((o) => o.Key === this.key(id, MANIFEST_FILE));
      const modifiedMs = Math.max(...objects.map((o) => o.LastModified?.getTime() ?? 0));
      if (!manifestObject) {
        result.unfinished.push({ name: id, modifiedMs });
        continue;
      }
      try {
        const text = await this.readManifest(id);
        if (text === undefined) result.unfinished.push({ name: id, modifiedMs });
        else result.backups.push(this.backup(id, text, manifestObject.LastModified?.getTime()));
      } catch (error) {
        result.invalid.push({
          name: id,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    result.backups.sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt));
    return result;
  }

  async get(id: string): Promise<StoredBackup> {
    if (!BACKUP_ID_PATTERN.test(id))
      throw refuse(`"${id}" is not a backup id (see \`teamgraph backup list\`)`);
    const text = await this.readManifest(id);
    if (text === undefined) throw refuse(`backup ${id} not found in ${this.description}`);
    return this.backup(id, text);
  }

  readPart(backup: StoredBackup, file: string): Readable {
    // A lazy stream: the request starts when the data is first wanted.
    const { client } = this;
    const command = new GetObjectCommand({
      Bucket: this.options.bucket,
      Key: this.key(backup.manifest.id, file),
    });
    return Readable.from(
      (async function* () {
        const object = await client.send(command);
        yield* object.Body as Readable;
      })(),
      { objectMode: false },
    );
  }

  async partSize(backup: StoredBackup, file: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(backup.manifest.id, file),
        }),
      );
      return head.ContentLength;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NotFound' || name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async begin(id: string): Promise<BackupWrite> {
    const uploads = new Set<Upload>();
    return {
      writePart: async (file, body) => {
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.options.bucket, Key: this.key(id, file), Body: body },
          partSize: PART_BYTES,
          queueSize: UPLOAD_QUEUE,
          // An upload that fails is aborted, so its parts do not linger in the bucket.
          leavePartsOnError: false,
        });
        uploads.add(upload);
        // A failed source must fail the upload too (it would otherwise wait for more data).
        const failed = new Promise<never>((_, reject) => {
          body.once('error', (error) => {
            void upload.abort().catch(() => undefined);
            reject(error);
          });
        });
        try {
          await Promise.race([upload.done(), failed]);
        } finally {
          uploads.delete(upload);
        }
      },
      commit: async (manifestText) => {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: this.key(id, MANIFEST_FILE),
            Body: manifestText,
            ContentType: 'application/json',
          }),
        );
      },
      abort: async () => {
        for (const upload of uploads) await upload.abort().catch(() => undefined);
        await this.remove(id);
      },
    };
  }

  async remove(name: string): Promise<void> {
    if (!BACKUP_ID_PATTERN.test(name)) throw new Error(`refusing to remove ${name}`);
    const manifestKey = this.key(name, MANIFEST_FILE);
    // The manifest first: a half-removed backup never looks complete.
    await this.client.send(
      new DeleteObjectsCommand({
        Bucket: this.options.bucket,
        Delete: { Objects: [{ Key: manifestKey }] },
      }),
    );
    for (const upload of (await this.uploadsById(name)).get(name) ?? []) {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: upload.Key!,
          UploadId: upload.UploadId!,
        }),
      );
    }
    const objects = (await this.objectsById(name)).get(name) ?? [];
    for (let i = 0; i < objects.length; i += 1000) {
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: objects.slice(i, i + 1000).map((o) => ({ Key: o.Key! })) },
        }),
      );
    }
  }
}
