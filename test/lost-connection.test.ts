import { Client } from 'pg';
import { openBackupSession } from '../src/backup/pg-session';
import { createScratchDatabase } from './support/scratch-database';

/**
 * A connection PostgreSQL drops (a restart, a terminated backend) fails what was in flight on
 * it; it must not end the process through an 'error' event nobody hears. The backup session is
 * the long-lived one of the clients outside the pool: scheduled backups hold it in the server.
 */
describe('a lost connection outside the pool', () => {
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;

  beforeAll(async () => {
    db = await createScratchDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('fails the backup session’s next statement, and nothing else', async () => {
    const session = await openBackupSession(db.url);
    const { rows } = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      // Not events.once: it rejects on the 'error' this test is about.
      const ended = new Promise((resolve) => session.once('end', resolve));
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      // 'end' comes after pg has emitted the loss as 'error'.
      await ended;
    } finally {
      await admin.end();
    }
    await expect(session.query('SELECT 1')).rejects.toThrow(/not queryable|terminated/);
  });
});
