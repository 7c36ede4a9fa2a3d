import {
  ActivityConsistencyProofDocument,
  ActivityInclusionProofDocument,
  SigningKeysDocument,
  WitnessCheckpointDocument,
} from '../generated/graphql';
import { TeamgraphError } from './errors';
import type { SignedCheckpoint } from './log-verification/checkpoint';
import type { LogProofSource, WitnessAnswer } from './log-verification/log-auditor';
import type { TeamgraphClient } from './teamgraph-client';

/** A refusal (an error code from the server) is an answer; a lost network is retried later. */
const refused = (error: unknown) => error instanceof TeamgraphError && error.code !== 'HTTP_ERROR';

async function orRefused<T>(ask: () => Promise<T>): Promise<T | undefined> {
  try {
    return await ask();
  } catch (error) {
    if (refused(error)) return undefined;
    throw error;
  }
}

const asCheckpoint = (value: unknown): SignedCheckpoint | undefined => {
  const c = value as Partial<SignedCheckpoint> | null;
  return c &&
    typeof c.teamId === 'string' &&
    typeof c.treeSize === 'number' &&
    typeof c.rootHash === 'string' &&
    typeof c.timestamp === 'string' &&
    typeof c.keyId === 'string' &&
    typeof c.signature === 'string'
    ? {
        teamId: c.teamId,
        treeSize: c.treeSize,
        rootHash: c.rootHash,
        timestamp: c.timestamp,
        keyId: c.keyId,
        signature: c.signature,
      }
    : undefined;
};

/** The log auditor's questions, asked through the kit's generated operations. */
export function logProofSource(client: TeamgraphClient, teamId: string): LogProofSource {
  return {
    inclusionProof: (seq, treeSize) =>
      orRefused(async () => {
        const data = await client.request(ActivityInclusionProofDocument, {
          teamId,
          seq,
          treeSize,
        });
        return data.activityInclusionProof;
      }),
    consistencyProof: (fromSize, toSize) =>
      orRefused(async () => {
        const data = await client.request(ActivityConsistencyProofDocument, {
          teamId,
          fromSize,
          toSize,
        });
        return data.activityConsistencyProof;
      }),
    signingKeys: async () => (await client.request(SigningKeysDocument)).signingKeys,
    async witness(checkpoint): Promise<WitnessAnswer> {
      const { treeSize, rootHash } = checkpoint;
      try {
        const data = await client.request(WitnessCheckpointDocument, {
          teamId,
          treeSize,
          rootHash,
        });
        return { witnesses: data.witnessCheckpoint.witnesses };
      } catch (error) {
        const extensions =
          error instanceof TeamgraphError ? error.errors[0]?.extensions : undefined;
        const signed = asCheckpoint(extensions?.signed);
        const reported = extensions?.reported as { treeSize: number; rootHash: string } | undefined;
        if (error instanceof TeamgraphError && error.code === 'CONFLICT' && signed && reported)
          return { conflict: { signed, reported } };
        throw error;
      }
    },
  };
}
