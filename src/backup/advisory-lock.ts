import type { ClientBase } from 'pg';

/** One key for the whole deployment: only one backup runs at a time across instances. */
const BACKUP_LOCK_KEY = "hashtext('teamgraph.backup')";

/**
 * Takes the backup lock on this session (released by `unlock` or when the session ends, so a
 * crashed instance never holds it). `wait` blocks until it is free; otherwise returns false
 * at once when another instance holds it.
 */
export async function lockBackups(client: ClientBase, wait: boolean): Promise<boolean> {
  if (wait) {
    await client.query(`SELECT pg_advisory_lock(${BACKUP_LOCK_KEY})`);
    return true;
  }
  const { rows } = await client.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock(${BACKUP_LOCK_KEY}) AS locked`,
  );
  return rows[0].locked;
}

export async function unlockBackups(client: ClientBase): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(${BACKUP_LOCK_KEY})`);
}
