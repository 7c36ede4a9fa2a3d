import type { DataSource } from 'typeorm';
import { keyHash, openAnswer, sealAnswer } from './idempotency-key';

/** How long a key is kept (API.md "Operators"). */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type Claim =
  /** This request owns the key: run the mutation, then `complete` or `release`. */
  | { kind: 'owner' }
  /** The key was used with another request body. */
  | { kind: 'mismatch' }
  /** Another request with this key is still running (or its process died while running it). */
  | { kind: 'pending'; claimedAt: Date }
  | { kind: 'done'; answer: StoredAnswer };

interface Row {
  request_hash: Buffer;
  claimed_at: Date;
  http_status: number | null;
  response: Buffer | null;
}

/**
 * Idempotency keys in PostgreSQL (ops.idempotency_keys), one row per (caller, key). The
 * INSERT … ON CONFLICT on that primary key is the one place a key is claimed, so of two
 * concurrent retries exactly one runs the mutation, on any number of instances.
 */
export class IdempotencyStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs = KEY_TTL_MS,
  ) {}

  async claim(scope: string, key: string, request: Buffer): Promise<Claim> {
    const hash = keyHash(key);
    // An expired row is taken over as if it were not there.
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO ops.idempotency_keys (scope, key_hash, request_hash, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (scope, key_hash) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, claimed_at = now(),
              expires_at = EXCLUDED.expires_at, http_status = NULL, response = NULL
        WHERE ops.idempotency_keys.expires_at <= now()
       RETURNING 1`,
      [scope, hash, request, this.ttlMs],
    );
    if (claimed.length) return { kind: 'owner' };
    const row = await this.read(scope, hash);
    // Pruned between the two statements: claim again.
    if (!row) return this.claim(scope, key, request);
    if (!row.request_hash.equals(request)) return { kind: 'mismatch' };
    if (row.response === null || row.http_status === null)
      return { kind: 'pending', claimedAt: row.claimed_at };
    return {
      kind: 'done',
      answer: { status: row.http_status, body: openAnswer(key, row.response) },
    };
  }

  /** Stores the first answer; retries get it back until the key expires. */
  async complete(scope: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.dataSource.query(
      `UPDATE ops.idempotency_keys SET http_status = $3, response = $4
        WHERE scope = $1 AND key_hash = $2`,
      [scope, keyHash(key), answer.status, sealAnswer(key, answer.body)],
    );
  }

  /** Forgets a claim whose mutation changed nothing, so a retry may run it. */
  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM ops.idempotency_keys WHERE scope = $1 AND key_hash = $2 AND response IS NULL`,
      [scope, keyHash(key)],
    );
  }

  /** Deletes expired keys; returns how many. */
  async prune(): Promise<number> {
    const [, count] = (await this.dataSource.query(
      `DELETE FROM ops.idempotency_keys WHERE expires_at <= now()`,
    )) as [unknown, number];
    return count;
  }

  private async read(scope: string, hash: Buffer): Promise<Row | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT request_hash, claimed_at, http_status, response FROM ops.idempotency_keys
        WHERE scope = $1 AND key_hash = $2 AND expires_at > now()`,
      [scope, hash],
    );
    return rows[0];
  }
}
