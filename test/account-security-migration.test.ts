import { migrations } from '../ormconfig';
import { dataSourceAt } from './support/migration-history';
import { createScratchDatabase } from './support/scratch-database';

const BEFORE = migrations.findIndex((m) => m.name === 'AccountSecurity1765500000000');

describe('the account security migration', () => {
  it('puts stored addresses in their canonical form, oldest account first, and dates sessions from their creation', async () => {
    const database = await createScratchDatabase();
    try {
      const before = dataSourceAt(database.url, BEFORE);
      await before.initialize();
      await before.runMigrations();
      const insert = async (email: string, createdAt: string): Promise<string> =>
        (
          await before.query(
            `INSERT INTO users (email, display_name, password_hash, created_at)
             VALUES ($1, 'Someone', 'x', $2) RETURNING id`,
            [email, createdAt],
          )
        )[0].id;
      const ada = await insert('ada@example.com', '2026-01-01');
      const lookAlike = await insert('ａｄａ@example.com', '2026-02-01');
      const bob = await insert('ｂｏｂ@bücher.example', '2026-03-01');
      const hidden = await insert('eve\u200b@example.com', '2026-04-01');
      await before.query(
        `INSERT INTO sessions (user_id, token_hash, created_at, last_used_at, expires_at)
         VALUES ($1, 'h', '2026-01-02', now(), now() + interval '1 day')`,
        [ada],
      );
      await before.query(
        `INSERT INTO account_tokens (user_id, purpose, token_hash, email, expires_at)
         VALUES ($1, 'PASSWORD_RESET', 't', 'ｂｏｂ@bücher.example', now() + interval '1 hour')`,
        [bob],
      );
      await before.destroy();

      const after = dataSourceAt(database.url, migrations.length);
      await after.initialize();
      try {
        await after.runMigrations();
        const emails = new Map(
          (await after.query(`SELECT id, email FROM users`)).map(
            (r: { id: string; email: string }) => [r.id, r.email],
          ),
        );
        expect(emails.get(ada)).toBe('ada@example.com');
        // The later account whose canonical form was taken keeps its stored spelling.
        expect(emails.get(lookAlike)).toBe('ａｄａ@example.com');
        expect(emails.get(bob)).toBe('bob@xn--bcher-kva.example');
        expect(emails.get(hidden)).toBe('eve\u200b@example.com');
        const [link] = await after.query(`SELECT email FROM account_tokens WHERE user_id = $1`, [
          bob,
        ]);
        expect(link.email).toBe('bob@xn--bcher-kva.example');
        const [session] = await after.query(
          `SELECT authenticated_at = created_at AS dated FROM sessions WHERE user_id = $1`,
          [ada],
        );
        expect(session.dated).toBe(true);
      } finally {
        await after.destroy();
      }
    } finally {
      await database.drop();
    }
  });
});
