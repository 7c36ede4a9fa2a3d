import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the activity feed's filters. The unfiltered feed and the chain check walk the
 * (team_id, seq) unique index; each filter gets its own (team_id, column, seq) index so a page
 * is one short backward range scan even when the team has millions of rows, and unreadCount
 * counts my own rows after my read position from the actor index alone.
 */
export class ActivityFeedIndexes1764100000000 implements MigrationInterface {
  name = 'ActivityFeedIndexes1764100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS activities_team_actor_seq_idx ON activities (team_id, actor_id, seq)`,
    );
    await q.query(
      `CREATE INDEX IF NOT EXISTS activities_team_subject_seq_idx ON activities (team_id, subject_id, seq)`,
    );
    await q.query(
      `CREATE INDEX IF NOT EXISTS activities_team_action_seq_idx ON activities (team_id, action, seq)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS activities_team_action_seq_idx`);
    await q.query(`DROP INDEX IF EXISTS activities_team_subject_seq_idx`);
    await q.query(`DROP INDEX IF EXISTS activities_team_actor_seq_idx`);
  }
}
