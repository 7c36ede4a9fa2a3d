import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole first schema. Every team-owned table references teams(id) ON DELETE CASCADE, so
 * deleting a team row deletes every row of the team in the same statement.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE CHECK (email = lower(btrim(email))),
        display_name text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        user_agent text
      )`);
    await q.query(`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`);
    await q.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seq integer NOT NULL DEFAULT 0,
        last_hash text NOT NULL DEFAULT ''
      )`);
    await q.query(`
      CREATE TABLE memberships (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
        joined_at timestamptz NOT NULL DEFAULT now(),
        last_read_seq integer NOT NULL DEFAULT 0,
        PRIMARY KEY (team_id, user_id)
      )`);
    await q.query(`CREATE INDEX memberships_user_id_idx ON memberships (user_id)`);
    // Exactly one owner per team.
    await q.query(
      `CREATE UNIQUE INDEX memberships_one_owner_idx ON memberships (team_id) WHERE role = 'OWNER'`,
    );
    await q.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('ADMIN', 'MEMBER')),
        status text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED')),
        token_hash text NOT NULL UNIQUE,
        invited_by_id uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        responded_at timestamptz
      )`);
    await q.query(`CREATE INDEX invitations_team_id_idx ON invitations (team_id)`);
    await q.query(`CREATE INDEX invitations_email_idx ON invitations (email)`);
    await q.query(`
      CREATE TABLE items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        title text NOT NULL,
        content jsonb NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_by_id uuid NOT NULL REFERENCES users(id),
        updated_by_id uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX items_team_created_idx ON items (team_id, created_at, id)`);
    await q.query(`
      CREATE TABLE activities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        actor_id uuid REFERENCES users(id),
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id uuid NOT NULL,
        summary text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        hash text NOT NULL,
        CONSTRAINT activities_team_seq_key UNIQUE (team_id, seq)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'activities',
      'items',
      'invitations',
      'memberships',
      'teams',
      'sessions',
      'users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
