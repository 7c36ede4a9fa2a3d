import { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import type { CheckpointSigner } from '../db/checkpoint-signer';

/** A checkpoint of the team's tree at `treeSize` whose root is `root`, signed now by `signer`. */
export function signCheckpoint(
  signer: CheckpointSigner,
  at: { teamId: string; treeSize: number; root: Buffer; timestamp: Date },
): ActivityCheckpoint {
  const fields = {
    teamId: at.teamId.toLowerCase(),
    treeSize: at.treeSize,
    rootHash: at.root.toString('base64'),
    timestamp: at.timestamp,
  };
  return Object.assign(new ActivityCheckpoint(), {
    ...fields,
    keyId: signer.keyId,
    signature: signer.sign(fields),
  });
}
