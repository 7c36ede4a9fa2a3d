import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { refuse } from './backup-errors';
import {
  BACKUP_ID_PATTERN,
  type BackupStore,
  type BackupWrite,
  type StorageScan,
  type StoredBackup,
} from './backup-store';
import { MANIFEST_FILE, parseManifest } from './manifest';
import { HashingTap, sha256OfFile } from './part-io';

const TEMP_PREFIX = '.tmp-';
const TEMP_PATTERN = /^\.tmp-\d{8}T\d{6}Z-[0-9a-f]{6}-[0-9a-f]{8}$/;

async function fsyncPath(file: string): Promise<void> {
  try {
    const handle = await open(file, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems do not support fsync on directories.
  }
}

/**
 * BACKUP_DIR: one folder per backup (`<id>/manifest.json` + one part per table). A backup is
 * written under a temporary name and renamed into place only when complete and checked.
 */
export class FileBackupStore implements BackupStore {
  constructor(readonly dir: string) {}

  get description(): string {
    return this.dir;
  }

  async scan(): Promise<StorageScan> {
    const result: StorageScan = { backups: [], invalid: [], unfinished: [] };
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
      throw error;
    }
    for (const name of names) {
      const full = path.join(this.dir, name);
      // Anything else in the folder is not ours: never listed, never deleted.
      if (!BACKUP_ID_PATTERN.test(name) && !TEMP_PATTERN.test(name)) continue;
      if (name.startsWith(TEMP_PREFIX)) {
        result.unfinished.push({ name, modifiedMs: (await stat(full)).mtimeMs });
        continue;
      }
      try {
        result.backups.push(await this.read(name));
      } catch (error) {
        result.invalid.push({
          name,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    result.backups.sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt));
    return result;
  }

  private async read(id: string): Promise<StoredBackup> {
    const location = path.join(this.dir, id);
    const manifest = parseManifest(await readFile(path.join(location, MANIFEST_FILE), 'utf8'));
    if (manifest.id !== id) throw refuse(`manifest id ${manifest.id} does not match its folder`);
    return { manifest, store: this, location };
  }

  async get(id: string): Promise<StoredBackup> {
    if (!BACKUP_ID_PATTERN.test(id))
      throw refuse(`"${id}" is not a backup id (see \`teamgraph backup list\`)`);
    try {
      await stat(path.join(this.dir, id, MANIFEST_FILE));
    } catch {
      throw refuse(`backup ${id} not found in ${this.dir}`);
    }
    return this.read(id);
  }

  readPart(backup: StoredBackup, file: string): Readable {
    return createReadStream(path.join(backup.location, file));
  }

  async partSize(backup: StoredBackup, file: string): Promise<number | undefined> {
    try {
      return (await stat(path.join(backup.location, file))).size;
    } catch {
      return undefined;
    }
  }

  async begin(id: string): Promise<BackupWrite> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = path.join(this.dir, `${TEMP_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
    await mkdir(temp, { mode: 0o700 });
    const written = new Map<string, string>();
    return {
      writePart: async (file, body) => {
        const target = path.join(temp, file);
        const tap = new HashingTap();
        await pipeline(body, tap, createWriteStream(target, { mode: 0o600 }));
        written.set(file, tap.hex());
      },
      commit: async (manifestText) => {
        // "Checked": what is on disk is what was written, durably, before it is published.
        for (const [file, sha256] of written) {
          const target = path.join(temp, file);
          await fsyncPath(target);
          if ((await sha256OfFile(target)).sha256 !== sha256)
            throw new Error(`part ${file} does not read back as written`);
        }
        const manifestPath = path.join(temp, MANIFEST_FILE);
        await writeFile(manifestPath, manifestText, { mode: 0o600 });
        await fsyncPath(manifestPath);
        await rename(temp, path.join(this.dir, id));
        await fsyncPath(this.dir);
      },
      abort: () => rm(temp, { recursive: true, force: true }),
    };
  }

  async remove(name: string): Promise<void> {
    if (!BACKUP_ID_PATTERN.test(name) && !TEMP_PATTERN.test(name))
      throw new Error(`refusing to remove ${name}`);
    const target = path.join(this.dir, name);
    // The manifest first: a half-removed folder never looks like a backup.
    await rm(path.join(target, MANIFEST_FILE), { force: true });
    await rm(target, { recursive: true, force: true });
  }
}
