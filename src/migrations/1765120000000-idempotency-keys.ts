import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of HTTP mutations (API.md "Operators"), in their own schema: they are
 * short-lived operational state (24 h), not team data, so backups and the data checks that
 * walk the application schema never see them. One row per (caller, key): the primary key is
 * what makes two concurrent retries claim it once.
 */
export class IdempotencyKeys1765120000000 implements MigrationInterface {
  name = 'IdempotencyKeys1765120000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS ops`);
    await q.query(`
      CREATE TABLE ops.idempotency_keys (
        scope text NOT NULL,
        key_hash bytea NOT NULL,
        request_hash bytea NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        http_status integer,
        response bytea,
        PRIMARY KEY (scope, key_hash)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON ops.idempotency_keys (expires_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ops.idempotency_keys`);
    await q.query(`DROP SCHEMA IF EXISTS ops`);
  }
}
