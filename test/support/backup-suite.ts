import { backupService, databaseUrlOf, tempBackupDir } from './backup-fixtures';
import { createScratchDatabase } from './scratch-database';
import { startTestApp, type TestApp } from './test-app';

/**
 * A backup suite's world: a server on its own database (filled by `seed`), a backup folder,
 * and empty databases to restore into. Registers the jest hooks that start the server and
 * seed it, and at the end drop the empty databases, stop the server and remove the folder.
 */
export function useBackupSuite<Seeded = void>(seed?: (app: TestApp) => Promise<Seeded>) {
  const storage = tempBackupDir();
  const empties: { drop(): Promise<void> }[] = [];
  let app: TestApp | undefined;
  let seeded: { value: Seeded } | undefined;
  beforeAll(async () => {
    app = await startTestApp();
    seeded = { value: (await seed?.(app)) as Seeded };
  });
  afterAll(async () => {
    await Promise.all(empties.map((db) => db.drop()));
    await app?.stop();
    storage.remove();
  });
  const started = (): TestApp => {
    if (!app) throw new Error('the backup suite is not started yet');
    return app;
  };
  return {
    get app(): TestApp {
      return started();
    },
    /** What `seed` returned. */
    get seeded(): Seeded {
      if (!seeded) throw new Error('the backup suite is not seeded yet');
      return seeded.value;
    },
    /** The suite's backup folder (`dir`), removed after the suite. */
    storage,
    /** A backup service on the suite's database and folder, sealing with `key`. */
    service(key: Buffer | undefined, options?: Parameters<typeof backupService>[3]) {
      return backupService(databaseUrlOf(started()), storage.dir, key, options);
    },
    /** A new empty database, dropped after the suite: its URL. */
    async emptyDatabase(): Promise<string> {
      const db = await createScratchDatabase();
      empties.push(db);
      return db.url;
    },
  };
}
