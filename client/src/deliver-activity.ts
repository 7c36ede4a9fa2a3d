import type { ActivityChain } from './activity-chain';
import type { Activity, ActivityHandlers } from './activity-follow';

/** Runs one row through its team's chain and tells the handlers; false for a duplicate. */
export async function deliverActivity(
  chain: ActivityChain,
  activity: Activity,
  handlers: ActivityHandlers,
): Promise<boolean> {
  const verdict = await chain.accept(activity);
  const teamId = activity.team.id;
  if (verdict.kind === 'duplicate') return false;
  if (verdict.kind === 'gap')
    handlers.onGap?.({ teamId, fromSeq: verdict.fromSeq, toSeq: verdict.toSeq });
  if (verdict.kind === 'tamper')
    handlers.onTamper?.({
      kind: 'chain',
      teamId,
      seq: activity.seq,
      expectedHash: verdict.expectedHash,
      receivedHash: verdict.receivedHash,
    });
  handlers.onActivity(activity);
  return true;
}
