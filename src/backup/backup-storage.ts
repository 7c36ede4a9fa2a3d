import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { refuse } from './backup-errors';
import { MANIFEST_FILE, parseManifest, type BackupManifest } from './manifest';

const TEMP_PREFIX = '.tmp-';
const ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
const TEMP_PATTERN = /^\.tmp-\d{8}T\d{6}Z-[0-9a-f]{6}-[0-9a-f]{8}$/;

export interface StoredBackup {
  manifest: BackupManifest;
  dir: string;
}

export interface StorageScan {
  /** Complete backups, newest first. */
  backups: StoredBackup[];
  /** Entries that are not a readable backup (damaged manifest, stray folders). */
  invalid: { name: string; reason: string }[];
  /** Unfinished writes: never listed, removed once abandoned. */
  temps: { name: string; mtimeMs: number }[];
}

/**
 * BACKUP_DIR: one folder per backup (`<id>/manifest.json` + one part per table). A backup is
 * written under a temporary name and renamed into place only when complete and checked.
 */
export class BackupStorage {
  constructor(readonly dir: string) {}

  async scan(): Promise<StorageScan> {
    const result: StorageScan = { backups: [], invalid: [], temps: [] };
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
      if (!ID_PATTERN.test(name) && !TEMP_PATTERN.test(name)) continue;
      if (name.startsWith(TEMP_PREFIX)) {
        result.temps.push({ name, mtimeMs: (await stat(full)).mtimeMs });
        continue;
      }
      try {
        const manifest = parseManifest(await readFile(path.join(full, MANIFEST_FILE), 'utf8'));
        if (manifest.id !== name)
          throw refuse(`manifest id ${manifest.id} does not match its folder`);
        result.backups.push({ manifest, dir: full });
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

  async list(): Promise<StoredBackup[]> {
    return (await this.scan()).backups;
  }

  async get(id: string): Promise<StoredBackup> {
    if (!ID_PATTERN.test(id))
      throw refuse(`"${id}" is not a backup id (see \`teamgraph backup list\`)`);
    const dir = path.join(this.dir, id);
    let text: string;
    try {
      text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
    } catch {
      throw refuse(`backup ${id} not found in ${this.dir}`);
    }
    const manifest = parseManifest(text);
    if (manifest.id !== id)
      throw refuse(`backup ${id}: manifest names another backup (${manifest.id})`);
    return { manifest, dir };
  }

  partPath(backup: StoredBackup, file: string): string {
    return path.join(backup.dir, file);
  }

  /** A fresh folder for a backup being written; nothing lists it until `commit`. */
  async createTemp(id: string): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const dir = path.join(this.dir, `${TEMP_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { mode: 0o700 });
    return dir;
  }

  /** Atomically publishes a finished backup under its id. */
  async commit(tempDir: string, id: string): Promise<string> {
    const finalDir = path.join(this.dir, id);
    await rename(tempDir, finalDir);
    await fsyncDir(this.dir);
    return finalDir;
  }

  async remove(name: string): Promise<void> {
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') {
      throw new Error(`refusing to remove ${name}`);
    }
    await rm(path.join(this.dir, name), { recursive: true, force: true });
  }

  async removeTemp(tempDir: string): Promise<void> {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** Makes a rename durable; best effort where directories cannot be opened. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems do not support fsync on directories.
  }
}
