import { randomBytes, randomUUID } from 'node:crypto';
import { ACTIVITY_ACTIONS, summaryOf, type NewActivity } from '../../entities/activity-actions';
import type { ActivitySubjectType } from '../../entities/activity-subject-type.enum';
import type { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import { Activity } from '../../entities/activity.entity';
import { Team } from '../../entities/team.entity';
import { Transaction, type PendingEvents } from '../db/transaction';
import { namedByText, type Statement } from '../db/prepared';
import type { ActivityEvent, DomainEvent } from '../events/domain-events';
import { sealActivity, summaryDigest } from '../db/activity-hash';
import { currentCheckpointPolicy } from '../db/checkpoint-signer';
import { appendLeaf, rootOfFrontier } from '../util/rfc9162';
import { signCheckpoint } from './sign-checkpoint';

/** A data change that the activity row is written with, in the same statement (`$1…$n`). */
export type ChangeStatement = Statement;

/**
 * Where the activity's statement is sent: deferred on a transaction (it goes out behind what
 * was sent before, without a round trip of its own), or by the caller's own sender (a
 * transaction's `close` sends it with its COMMIT).
 */
export type ActivityChannel =
  Transaction | ((statement: Statement) => Promise<Record<string, unknown>[]>);

/** The statement that writes an activity (with its change), and what to do with its rows. */
interface ActivityWrite extends Statement {
  name: string;
  /**
   * Takes the statement's rows: when a row came back, the team's head moves on and the event
   * is queued for after commit. Returns the change's rows (empty: nothing changed or recorded).
   */
  applyRows(rows: Record<string, unknown>[]): Record<string, unknown>[];
  /** The row is certain to be written (no change to wait for): the head moves on now. */
  advance(): void;
}

const ACTIVITY_COLUMNS =
  'id, team_id, seq, actor_id, action, subject_type, subject_id, summary, details, created_at, hash, summary_salt, summary_digest';

/**
 * The one way an activity row is written. Takes the next seq of a team locked with `lockTeam`,
 * chains the hash and writes the activity inside the caller's transaction, so the change and
 * its record commit (or roll back) together and seqs are gapless in commit order. The action's
 * subject type and summary come from its definition (entities/activity-actions.ts). The activity
 * row and the team's new head are one statement; given `change` (an INSERT/UPDATE/DELETE …
 * RETURNING), the change is part of that statement too and the activity is written only when it
 * touched a row. Returns the change's rows (empty: nothing changed, nothing recorded). The event
 * is queued for after commit.
 */
export async function recordActivity(
  channel: ActivityChannel,
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  activity: NewActivity,
  change?: ChangeStatement,
): Promise<Record<string, unknown>[]> {
  const write = activityStatement(pending, lockedTeam, activity, change);
  if (channel instanceof Transaction) {
    if (change)
      return write.applyRows(
        await channel.read({ name: write.name, text: write.text }, write.values),
      );
    // Without a change the row is always written: the next row of the same transaction may
    // chain onto it before the server has answered.
    channel.defer(write);
    write.advance();
    return [];
  }
  return write.applyRows(await channel(write));
}

/** recordActivity's statement: the row, its seq, its seals and the team's new head. */
function activityStatement(
  pending: PendingEvents<DomainEvent>,
  lockedTeam: Team,
  activity: NewActivity,
  change?: ChangeStatement,
): ActivityWrite {
  const seq = lockedTeam.lastSeq + 1;
  // Millisecond precision, so the stored timestamp hashes the same when read back.
  const createdAt = new Date();
  const { details } = activity;
  const summary = summaryOf(activity);
  // The chain seals a salted digest of the summary, so a deleted user's name can be erased.
  const summarySalt = randomBytes(16).toString('hex');
  const row = {
    actorId: activity.actorId,
    action: activity.action,
    // The definition's spelling is the enum's value (`${ActivitySubjectType}`).
    subjectType: ACTIVITY_ACTIONS[activity.action].subjectType as ActivitySubjectType,
    subjectId: activity.subjectId,
    summary,
    details,
    teamId: lockedTeam.id,
    seq,
    createdAt,
    summarySalt,
    summaryDigest: summaryDigest(summarySalt, summary),
  };
  // One canonical form seals the row twice: in the hash chain and as the tree's next leaf.
  const { hash, leafHash } = sealActivity(lockedTeam.lastHash, row);
  const stored = Object.assign(new Activity(), { id: randomUUID(), ...row, hash });
  const tree = appendToTree(lockedTeam, stored, leafHash);
  const offset = change?.values.length ?? 0;
  const p = (n: number) => `$${offset + n}`;
  const values = [
    stored.id,
    stored.teamId,
    seq,
    stored.actorId,
    stored.action,
    stored.subjectType,
    stored.subjectId,
    stored.summary,
    JSON.stringify(details),
    createdAt,
    hash,
    summarySalt,
    row.summaryDigest,
    // Element L: the node of level L this append completed (0: the leaf), in level order.
    tree.completed.map((s) => s.hash),
    tree.frontier,
    // Sent only with a checkpoint: a statement takes exactly the parameters it names.
    ...(tree.checkpoint
      ? [tree.checkpoint.rootHash, tree.checkpoint.keyId, tree.checkpoint.signature]
      : []),
  ];
  const guard = change ? 'WHERE EXISTS (SELECT 1 FROM change)' : '';
  // The checkpoint, when due, is signed in the same statement: a size is signed at most once
  // (a concurrent on-demand signer of the same size keeps its own, identical root).
  const checkpoint = tree.checkpoint
    ? `signed AS (
      INSERT INTO activity_checkpoints (team_id, tree_size, root_hash, signed_at, key_id, signature)
      SELECT ${p(2)}::uuid, ${p(3)}::int, ${p(16)}, ${p(10)}::timestamptz, ${p(17)}, ${p(18)}
       WHERE EXISTS (SELECT 1 FROM logged)
      ON CONFLICT DO NOTHING),`
    : '';
  const checkpointHead = tree.checkpoint
    ? `, checkpoint_size = ${p(3)}::int, checkpoint_at = ${p(10)}::timestamptz`
    : '';
  const text = `WITH ${change ? `change AS (${change.text}),` : ''}
    logged AS (
      INSERT INTO activities (${ACTIVITY_COLUMNS}, tree_nodes)
      SELECT ${p(1)}::uuid, ${p(2)}::uuid, ${p(3)}::int, ${p(4)}::uuid, ${p(5)}, ${p(6)}, ${p(7)}::uuid,
             ${p(8)}, ${p(9)}::jsonb, ${p(10)}::timestamptz, ${p(11)}, ${p(12)}, ${p(13)},
             ${p(14)}::bytea[] ${guard}
      RETURNING id),
    ${checkpoint}
    head AS (
      UPDATE teams SET last_seq = ${p(3)}::int, last_hash = ${p(11)},
             tree_frontier = ${p(15)}::bytea[]${checkpointHead}
       WHERE id = ${p(2)}::uuid AND EXISTS (SELECT 1 FROM logged)
      RETURNING id)
    ${change ? 'SELECT * FROM change' : 'SELECT id FROM head'}`;
  return {
    text,
    // A handful of texts (the change's kind, with or without a checkpoint): each planned once.
    name: namedByText('activity', text),
    values: [...(change?.values ?? []), ...values],
    applyRows(rows) {
      if (rows.length) this.advance();
      return rows;
    },
    advance() {
      lockedTeam.lastSeq = seq;
      lockedTeam.lastHash = hash;
      lockedTeam.treeFrontier = tree.frontier;
      if (tree.checkpoint) {
        lockedTeam.checkpointSize = seq;
        lockedTeam.checkpointAt = createdAt;
      }
      pending.add(toActivityEvent(stored, lockedTeam, tree.checkpoint));
    },
  };
}

/**
 * The row as the tree's next leaf: the subtrees it completes (O(log n) hashes, no reads: the
 * locked team row holds the right edge), stored on the row itself, and the signed checkpoint
 * when one is due.
 */
function appendToTree(lockedTeam: Team, activity: Activity, leafHash: Buffer) {
  const policy = currentCheckpointPolicy();
  if (!policy.appendTree) {
    return { frontier: lockedTeam.treeFrontier ?? [], completed: [], checkpoint: undefined };
  }
  const { frontier, completed } = appendLeaf(
    lockedTeam.treeFrontier ?? [],
    activity.seq - 1,
    leafHash,
  );
  const signedAt = lockedTeam.checkpointAt?.getTime() ?? -Infinity;
  const due =
    activity.seq - lockedTeam.checkpointSize >= policy.everyRows ||
    activity.createdAt.getTime() - signedAt >= policy.intervalMs;
  return {
    frontier,
    completed,
    checkpoint: due
      ? signCheckpoint(policy.signer, {
          teamId: activity.teamId,
          treeSize: activity.seq,
          root: rootOfFrontier(frontier),
          timestamp: activity.createdAt,
        })
      : undefined,
  };
}

/** Entity → event: the row as JSON (without the summary's salt) and its team's snapshot. */
function toActivityEvent(
  activity: Activity,
  team: Team,
  checkpoint?: ActivityCheckpoint,
): ActivityEvent {
  const { summarySalt, createdAt, ...fields } = activity;
  return {
    kind: 'activity',
    activity: { ...fields, createdAt: createdAt.toISOString() },
    team: { id: team.id, name: team.name, createdAt: team.createdAt.toISOString() },
    ...(checkpoint
      ? { checkpoint: { ...checkpoint, timestamp: checkpoint.timestamp.toISOString() } }
      : {}),
  };
}
