import { DataSource } from 'typeorm';
import { computeActivityHash, summaryMatchesSeal } from './activity-hash';
import { toActivity } from './activity-feed';

export interface ActivityLogVerificationResult {
  intact: boolean;
  checkedCount: number;
  firstBrokenSeq: number | null;
}

/** Rows read per round trip: memory stays flat however long the log is. */
export const VERIFY_BATCH_SIZE = 1000;

/**
 * Recomputes the hash chain over the team's rows in seq order, a batch at a time, in one
 * REPEATABLE READ snapshot (so rows appended meanwhile do not look like a broken tail).
 * A row is broken when its seq is not the next one (a row was deleted) or its hash is not
 * SHA-256(previous hash || row) (a row was edited); the team's head (last_seq, last_hash) must
 * match the last row, which catches a deleted tail.
 */
export async function verifyActivityLog(
  dataSource: DataSource,
  teamId: string,
  batchSize = VERIFY_BATCH_SIZE,
): Promise<ActivityLogVerificationResult> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    const [head]: { last_seq: number; last_hash: string }[] = await runner.query(
      `SELECT last_seq, last_hash FROM teams WHERE id = $1`,
      [teamId],
    );
    let previousHash = '';
    let expectedSeq = 1;
    let checkedCount = 0;
    for (;;) {
      const rows = (
        await runner.query(
          `SELECT * FROM activities WHERE team_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
          [teamId, expectedSeq, batchSize],
        )
      ).map(toActivity);
      for (const activity of rows) {
        checkedCount += 1;
        if (
          activity.seq !== expectedSeq ||
          !summaryMatchesSeal(activity) ||
          computeActivityHash(previousHash, activity) !== activity.hash
        ) {
          return { intact: false, checkedCount, firstBrokenSeq: expectedSeq };
        }
        previousHash = activity.hash;
        expectedSeq += 1;
      }
      if (rows.length < batchSize) break;
    }
    const lastSeq = expectedSeq - 1;
    if (head && (head.last_seq !== lastSeq || head.last_hash !== previousHash)) {
      return { intact: false, checkedCount, firstBrokenSeq: lastSeq + 1 };
    }
    return { intact: true, checkedCount, firstBrokenSeq: null };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
