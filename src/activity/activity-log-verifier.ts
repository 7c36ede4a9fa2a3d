import type { DataSource } from 'typeorm';
import type { User } from '../../entities/user.entity';
import type { RateLimits } from '../rate-limit/rate-limits';
import type { CpuPool } from '../workers/cpu-pool';
import {
  VERIFY_BATCH_SIZE,
  verifyActivityLog,
  type ActivityLogVerificationResult,
} from './verify-activity-log';

/** One point per batch of rows rehashed: a long log spends the budget faster. */
export const verificationCost = (lastSeq: number): number =>
  1 + Math.floor(Math.max(0, lastSeq) / VERIFY_BATCH_SIZE);

/**
 * verifyActivityLog for members, within budgets: rehashing a log reads every row and holds a
 * pool connection, so each call is weighted by the log's length and counted per caller and per
 * team. (At most one per request is enforced when the document is validated.)
 */
export class ActivityLogVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rateLimits: RateLimits,
    private readonly cpu: CpuPool,
  ) {}

  async verify(viewer: User, teamId: string): Promise<ActivityLogVerificationResult> {
    const [team] = await this.dataSource.query<{ last_seq: number }[]>(
      `SELECT last_seq FROM teams WHERE id = $1`,
      [teamId],
    );
    const cost = verificationCost(team?.last_seq ?? 0);
    await this.rateLimits.consume('verifyLogPerUser', viewer.id, cost);
    await this.rateLimits.consume('verifyLogPerTeam', teamId, cost);
    return verifyActivityLog(this.dataSource, this.cpu, teamId);
  }
}
