import { DataSource } from 'typeorm';
import { Activity } from '../../entities/activity.entity';
import { EntityRows } from '../db/entity-rows';
import type { CpuPool } from '../workers/cpu-pool';
import type { ChainPosition, ChainRow } from './activity-chain';

export interface ActivityLogVerificationResult {
  intact: boolean;
  checkedCount: number;
  firstBrokenSeq: number | null;
}

/** Rows read per round trip: memory stays flat however long the log is. */
export const VERIFY_BATCH_SIZE = 1000;

/**
 * Recomputes the hash chain over the team's rows in seq order, a batch at a time, in one
 * REPEATABLE READ snapshot (so rows appended meanwhile do not look like a broken tail). The
 * hashing runs in the CPU pool, so a long log never holds the event loop.
 * A row is broken when its seq is not the next one (a row was deleted) or its hash is not
 * SHA-256(previous hash || row), or its summary does not match its sealed digest (a row was
 * edited); the team's head (last_seq, last_hash) must
 * match the last row, which catches a deleted tail.
 */
export async function verifyActivityLog(
  dataSource: DataSource,
  cpu: CpuPool,
  teamId: string,
  batchSize = VERIFY_BATCH_SIZE,
): Promise<ActivityLogVerificationResult> {
  const activities = new EntityRows(dataSource, Activity);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    const [head]: { last_seq: number; last_hash: string }[] = await runner.query(
      `SELECT last_seq, last_hash FROM teams WHERE id = $1`,
      [teamId],
    );
    let position: ChainPosition = { previousHash: '', expectedSeq: 1, checked: 0, brokenSeq: null };
    for (;;) {
      const found: Record<string, unknown>[] = await runner.query(
        `SELECT * FROM activities WHERE team_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
        [teamId, position.expectedSeq, batchSize],
      );
      // The rows cross to a worker thread as they are: plain data, dates kept.
      const rows: ChainRow[] = found.map((row) => activities.map(row) as Activity);
      position = await cpu.run('verifyChainSegment', { position, rows });
      if (position.brokenSeq !== null) {
        return {
          intact: false,
          checkedCount: position.checked,
          firstBrokenSeq: position.brokenSeq,
        };
      }
      if (rows.length < batchSize) break;
    }
    const lastSeq = position.expectedSeq - 1;
    if (head && (head.last_seq !== lastSeq || head.last_hash !== position.previousHash)) {
      return { intact: false, checkedCount: position.checked, firstBrokenSeq: lastSeq + 1 };
    }
    return { intact: true, checkedCount: position.checked, firstBrokenSeq: null };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
