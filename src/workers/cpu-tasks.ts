/**
 * The tasks of the CPU worker pool (src/workers/cpu-pool.ts), one named export each; every task
 * takes one structured-clonable argument. Loaded only in worker threads, never on the event loop.
 */
import { estimateStrength as estimate, type StrengthEstimate } from '../auth/password-strength';

export { verifyChainSegment } from '../activity/activity-chain';

export function estimateStrength(input: {
  password: string;
  personalParts: string[];
}): Promise<StrengthEstimate> {
  return estimate(input.password, input.personalParts);
}
