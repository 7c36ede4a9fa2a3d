import type { DataSource } from 'typeorm';
import { Activity } from '../../entities/activity.entity';
import type { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import { sealedMembers } from '../db/activity-hash';
import { EntityRows } from '../db/entity-rows';
import { checkpointAsJson, type ActivityProofs } from './activity-proofs';

/** The export format's name and version (docs/log-verification.md). */
export const LOG_EXPORT_FORMAT = 'teamgraph-log-export/v1';

/** Rows read per statement: memory stays flat however long the log is. */
const EXPORT_BATCH_ROWS = 1000;

/** A row as the export holds it: the nine canonical members and the chain hash. */
export function exportedRow(row: Activity): Record<string, unknown> {
  return { ...sealedMembers(row), hash: row.hash };
}

/**
 * The team's log as one `teamgraph-log-export/v1` JSON document, line by line (one row per
 * line), for the newest checkpoint or the one of `size` (signed now if none was stored): rows
 * 1..treeSize, the checkpoint, and every signing key. The checkpoint is fixed first, so rows
 * appended while the export runs are not in it.
 */
export async function* exportTeamLog(
  dataSource: DataSource,
  proofs: ActivityProofs,
  teamId: string,
  size?: number,
): AsyncGenerator<string> {
  const checkpoint: ActivityCheckpoint =
    size === undefined ? await proofs.newest(teamId) : await proofs.at(teamId, size);
  const keys = await proofs.signingKeys();
  const activities = new EntityRows(dataSource, Activity);
  yield `{"format":${JSON.stringify(LOG_EXPORT_FORMAT)},"teamId":${JSON.stringify(teamId)},"rows":[`;
  for (let after = 0; after < checkpoint.treeSize; after += EXPORT_BATCH_ROWS) {
    const found: Record<string, unknown>[] = await dataSource.query(
      `SELECT * FROM activities WHERE team_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
      [teamId, after, Math.min(after + EXPORT_BATCH_ROWS, checkpoint.treeSize)],
    );
    for (const [index, raw] of found.entries()) {
      const row = activities.map(raw) as Activity;
      if (row.seq !== after + index + 1) throw new Error(`seq ${after + index + 1} is missing`);
      const last = row.seq === checkpoint.treeSize;
      yield JSON.stringify(exportedRow(row)) + (last ? '' : ',');
    }
  }
  const signingKeys = keys.map((k) => ({
    keyId: k.keyId,
    publicKey: k.publicKey,
    validFrom: k.validFrom.toISOString(),
    validUntil: k.validUntil?.toISOString() ?? null,
  }));
  yield `],"checkpoint":${JSON.stringify(checkpointAsJson(checkpoint))},"signingKeys":${JSON.stringify(signingKeys)}}`;
}
