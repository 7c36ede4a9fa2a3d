import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Exactly one OWNER per team" as a database invariant. memberships_one_owner_idx (initial
 * schema) already forbids a second owner; this adds the other half: at commit, every team
 * that exists has an owner. A deferred constraint trigger checks each team whose memberships
 * changed or that was created, so ownership can move inside a transaction (demote, then
 * promote) and deleting a team (its memberships cascade) is never refused.
 *
 * Teams left without an owner before this invariant existed (an owner removed through a
 * differently-spelled id) get one back: the longest-standing ADMIN, else the longest-standing
 * MEMBER. A team with no member at all is unreachable and stays as it is.
 */
export class TeamHasOneOwner1765200000000 implements MigrationInterface {
  name = 'TeamHasOneOwner1765200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE memberships m SET role = 'OWNER'
        FROM (
          SELECT DISTINCT ON (team_id) team_id, user_id FROM memberships
           WHERE team_id NOT IN (SELECT team_id FROM memberships WHERE role = 'OWNER')
           ORDER BY team_id, (role = 'ADMIN') DESC, joined_at, user_id
        ) heir
       WHERE m.team_id = heir.team_id AND m.user_id = heir.user_id`);
    await q.query(`
      CREATE FUNCTION team_has_owner() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        checked uuid;
      BEGIN
        -- Each branch is planned only when it runs: teams rows have no team_id.
        IF TG_TABLE_NAME = 'teams' THEN
          checked := NEW.id;
        ELSE
          checked := OLD.team_id;
        END IF;
        IF EXISTS (SELECT 1 FROM teams WHERE id = checked)
           AND NOT EXISTS (SELECT 1 FROM memberships WHERE team_id = checked AND role = 'OWNER')
        THEN
          RAISE EXCEPTION 'team % would have no owner', checked
            USING ERRCODE = 'check_violation', CONSTRAINT = 'team_has_owner';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER team_has_owner AFTER UPDATE OF role, team_id OR DELETE ON memberships
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION team_has_owner()`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER team_created_with_owner AFTER INSERT ON teams
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION team_has_owner()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS team_created_with_owner ON teams`);
    await q.query(`DROP TRIGGER IF EXISTS team_has_owner ON memberships`);
    await q.query(`DROP FUNCTION IF EXISTS team_has_owner()`);
  }
}
