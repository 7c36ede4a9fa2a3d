import type { DataSource } from 'typeorm';
import { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import { CheckpointSigningKey } from '../../entities/checkpoint-signing-key.entity';
import type { User } from '../../entities/user.entity';
import { currentCheckpointPolicy } from '../db/checkpoint-signer';
import { lockAccounts } from '../db/lock-order';
import { allInOrder } from '../db/all-in-order';
import { inTransaction, NO_EVENTS } from '../db/transaction';
import { isForeignKeyViolation } from '../db/unique-violation';
import { badInput, conflict, forbidden } from '../errors/errors';
import {
  consistencyProofRanges,
  inclusionProofRanges,
  rootOfFrontier,
  type LeafRange,
} from '../util/rfc9162';
import { hashesOfRanges, MissingSubtree } from './activity-tree';
import { signCheckpoint } from './sign-checkpoint';

/** A checkpoint as an error's extensions carry it (JSON, as the API serves it). */
export const checkpointAsJson = (c: ActivityCheckpoint) => ({
  teamId: c.teamId,
  treeSize: c.treeSize,
  rootHash: c.rootHash,
  timestamp: c.timestamp.toISOString(),
  keyId: c.keyId,
  signature: c.signature,
});

const requireSize = (field: string, value: number, min: number, max: number) => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(field, `${field} must be between ${min} and ${max}.`);
  }
};

/** base64 of exactly 32 bytes, in its one spelling. */
const requireHash = (field: string, value: string) => {
  const bytes = Buffer.from(value, 'base64');
  if (value.length !== 44 || bytes.length !== 32 || bytes.toString('base64') !== value) {
    throw badInput(field, `${field} must be a SHA-256 hash in base64 (44 characters).`);
  }
};

/**
 * What a member can check the log with (API.md, "A log members can check without trusting the
 * server"): signed checkpoints, RFC 9162 proofs of O(log n) hashes read in one statement, the
 * public keys, and witnesses. Callers are members (the permission map); sizes are checked here
 * against the tree as committed.
 */
export class ActivityProofs {
  constructor(private readonly dataSource: DataSource) {}

  async inclusionProof(teamId: string, seq: number, treeSize: number): Promise<string[]> {
    requireSize('treeSize', treeSize, 1, await this.treeSize(teamId));
    requireSize('seq', seq, 1, treeSize);
    const ranges = inclusionProofRanges(seq - 1, treeSize);
    return base64(await this.read(teamId, ranges));
  }

  async consistencyProof(teamId: string, fromSize: number, toSize: number): Promise<string[]> {
    requireSize('toSize', toSize, 1, await this.treeSize(teamId));
    requireSize('fromSize', fromSize, 1, toSize);
    const ranges = consistencyProofRanges(fromSize, toSize);
    return base64(await this.read(teamId, ranges));
  }

  /** The newest checkpoint; when it is behind the tree, one is signed for the tree's size. */
  async newest(teamId: string): Promise<ActivityCheckpoint> {
    const [head]: { last_seq: number; tree_frontier: (Buffer | null)[] }[] =
      await this.dataSource.query(`SELECT last_seq, tree_frontier FROM teams WHERE id = $1`, [
        teamId,
      ]);
    if (!head?.last_seq) throw forbidden();
    const newest = await this.dataSource.getRepository(ActivityCheckpoint).findOne({
      where: { teamId },
      order: { treeSize: 'DESC' },
    });
    if (newest && newest.treeSize >= head.last_seq) return newest;
    return this.store(teamId, head.last_seq, rootOfFrontier(head.tree_frontier));
  }

  /** The checkpoint of `treeSize`: the stored one, else one signed now. */
  async at(teamId: string, treeSize: number): Promise<ActivityCheckpoint> {
    const stored = await this.dataSource
      .getRepository(ActivityCheckpoint)
      .findOneBy({ teamId, treeSize });
    if (stored) return stored;
    const [root] = await this.read(teamId, [{ start: 0, end: treeSize }]);
    return this.store(teamId, treeSize, root);
  }

  /**
   * A member's client reports the checkpoint it verified. One that agrees with the tree counts
   * the member as a witness of the signed checkpoint of that size; one that does not is a fork,
   * answered with both checkpoints (CONFLICT, extensions `signed` and `reported`).
   */
  async witness(
    viewer: User,
    teamId: string,
    treeSize: number,
    rootHash: string,
  ): Promise<ActivityCheckpoint> {
    requireHash('rootHash', rootHash);
    requireSize('treeSize', treeSize, 1, await this.treeSize(teamId));
    const signed = await this.at(teamId, treeSize);
    if (signed.rootHash !== rootHash) {
      throw conflict(
        `The checkpoint reported for size ${treeSize} disagrees with the one the server signed.`,
        { signed: checkpointAsJson(signed), reported: { treeSize, rootHash } },
      );
    }
    // The row references the account and the team: their locks are taken in the lock order
    // (the account first), so a deletion holding the account never waits on us for the team.
    // Sent together (two round trips with COMMIT); the account's refusal comes first.
    await inTransaction(this.dataSource, NO_EVENTS, (tx) =>
      allInOrder([
        lockAccounts(tx, viewer.id),
        tx
          .read(
            `INSERT INTO checkpoint_witnesses (team_id, tree_size, user_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING`,
            [teamId, treeSize, viewer.id],
          )
          .catch(teamGone),
      ]),
    );
    return signed;
  }

  /** The distinct members who reported this checkpoint. */
  async witnesses(checkpoint: ActivityCheckpoint): Promise<number> {
    const [row]: { count: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM checkpoint_witnesses WHERE team_id = $1 AND tree_size = $2`,
      [checkpoint.teamId, checkpoint.treeSize],
    );
    return row.count;
  }

  /** Every key that signs or signed, oldest first: public, so clients can pin them. */
  signingKeys(): Promise<CheckpointSigningKey[]> {
    return this.dataSource
      .getRepository(CheckpointSigningKey)
      .find({ order: { validFrom: 'ASC', keyId: 'ASC' } });
  }

  /** The ranges' hashes; a team deleted since its size was read is FORBIDDEN, as a missing one. */
  private async read(teamId: string, ranges: LeafRange[]): Promise<Buffer[]> {
    try {
      return await hashesOfRanges(this.dataSource.manager, teamId, ranges);
    } catch (error) {
      if (error instanceof MissingSubtree && !(await this.exists(teamId))) throw forbidden();
      throw error;
    }
  }

  private async exists(teamId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM teams WHERE id = $1`, [
      teamId,
    ]);
    return rows.length > 0;
  }

  private async treeSize(teamId: string): Promise<number> {
    const [team]: { last_seq: number }[] = await this.dataSource.query(
      `SELECT last_seq FROM teams WHERE id = $1`,
      [teamId],
    );
    if (!team) throw forbidden();
    return team.last_seq;
  }

  /**
   * Signs the tree at `treeSize` and keeps the first checkpoint stored for that size: two
   * instances signing at once store one, and both answer with it (the root is the same).
   */
  private async store(teamId: string, treeSize: number, root: Buffer): Promise<ActivityCheckpoint> {
    const signed = signCheckpoint(currentCheckpointPolicy().signer, {
      teamId,
      treeSize,
      root,
      timestamp: new Date(),
    });
    await this.dataSource
      .query(
        `INSERT INTO activity_checkpoints (team_id, tree_size, root_hash, signed_at, key_id, signature)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [teamId, treeSize, signed.rootHash, signed.timestamp, signed.keyId, signed.signature],
      )
      .catch(teamGone);
    const stored = await this.dataSource
      .getRepository(ActivityCheckpoint)
      .findOneBy({ teamId, treeSize });
    if (!stored) throw forbidden(); // the team was deleted meanwhile
    return stored;
  }
}

const base64 = (hashes: Buffer[]) => hashes.map((h) => h.toString('base64'));

/** A row of a team deleted meanwhile: the team is gone for the caller too. */
const teamGone = (error: unknown): never => {
  throw isForeignKeyViolation(error) ? forbidden() : error;
};
