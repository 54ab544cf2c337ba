import { MigrationInterface, QueryRunner } from 'typeorm';
import { cc, constraint, index } from './online';

/**
 * Memberships carry the jurisdiction of their group (group_jurisdiction_id: the supervising
 * bureau's) and of their campus (campus_jurisdiction_id), so the campuses a bureau's groups
 * bring in from other counties (跨县域) are one range of one index:
 * `group_membership (group_jurisdiction_id, status) INCLUDE (campus_id, campus_jurisdiction_id)`.
 * Before, every page of a county or city bureau built that set from its groups, their
 * memberships and its own campuses (a county's staff page: 1.2 ms of a 6 ms statement, bench/
 * a-county; a city's, a hashed set from 1,800 memberships).
 *
 * As for staff.home_jurisdiction_id (1734100000000): foreign keys `(group_id,
 * group_jurisdiction_id)` and `(campus_id, campus_jurisdiction_id)` name the group and campus
 * rows as they are (ON UPDATE CASCADE carries a move), and a trigger computes both columns on
 * every insert and on every update of any of the four, so writers never name them. Run outside
 * a transaction, step by step, each step safe to run again.
 */
export class MembershipJurisdictions1734200000000 implements MigrationInterface {
  name = 'MembershipJurisdictions1734200000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE group_membership ADD COLUMN IF NOT EXISTS group_jurisdiction_id uuid, ADD COLUMN IF NOT EXISTS campus_jurisdiction_id uuid`);
    // FOR KEY SHARE holds the group and the campus where they are until the row is written (a
    // concurrent move waits, then cascades to this row too).
    await q.query(`CREATE OR REPLACE FUNCTION membership_jurisdictions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT g.jurisdiction_id INTO NEW.group_jurisdiction_id FROM education_group g WHERE g.id = NEW.group_id FOR KEY SHARE;
  SELECT c.jurisdiction_id INTO NEW.campus_jurisdiction_id FROM campus c WHERE c.id = NEW.campus_id FOR KEY SHARE;
  RETURN NEW;
END $$`);
    await q.query(`DROP TRIGGER IF EXISTS membership_jurisdictions ON group_membership`);
    await q.query(`CREATE TRIGGER membership_jurisdictions BEFORE INSERT OR UPDATE OF group_id, campus_id, group_jurisdiction_id, campus_jurisdiction_id
      ON group_membership FOR EACH ROW EXECUTE FUNCTION membership_jurisdictions()`);
    for (;;) {
      const [, n] = await q.query(`UPDATE group_membership m SET group_jurisdiction_id = g.jurisdiction_id, campus_jurisdiction_id = c.jurisdiction_id
        FROM education_group g, campus c WHERE g.id = m.group_id AND c.id = m.campus_id
          AND m.id IN (SELECT id FROM group_membership WHERE group_jurisdiction_id IS NULL OR campus_jurisdiction_id IS NULL LIMIT 5000)`);
      if (!n) break;
    }
    await index(q, 'group_id_jurisdiction_key', `CREATE UNIQUE INDEX ${cc(q)} group_id_jurisdiction_key ON education_group (id, jurisdiction_id)`);
    for (const [name, key, ref] of [
      ['membership_group_jurisdiction_fkey', '(group_id, group_jurisdiction_id)', 'education_group (id, jurisdiction_id)'],
      ['membership_campus_jurisdiction_fkey', '(campus_id, campus_jurisdiction_id)', 'campus (id, jurisdiction_id)'],
    ]) {
      await constraint(q, name, `ALTER TABLE group_membership ADD CONSTRAINT ${name} FOREIGN KEY ${key} REFERENCES ${ref} ON UPDATE CASCADE NOT VALID`);
      await q.query(`ALTER TABLE group_membership VALIDATE CONSTRAINT ${name}`);
    }
    await constraint(q, 'membership_jurisdictions_set', `ALTER TABLE group_membership ADD CONSTRAINT membership_jurisdictions_set
      CHECK (group_jurisdiction_id IS NOT NULL AND campus_jurisdiction_id IS NOT NULL) NOT VALID`);
    await q.query(`ALTER TABLE group_membership VALIDATE CONSTRAINT membership_jurisdictions_set`);
    await q.query(`ALTER TABLE group_membership ALTER COLUMN group_jurisdiction_id SET NOT NULL, ALTER COLUMN campus_jurisdiction_id SET NOT NULL`);
    await q.query(`ALTER TABLE group_membership DROP CONSTRAINT membership_jurisdictions_set`);
    await index(q, 'membership_supervision_idx', `CREATE INDEX ${cc(q)} membership_supervision_idx
      ON group_membership (group_jurisdiction_id, status) INCLUDE (campus_id, campus_jurisdiction_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS membership_supervision_idx`);
    await q.query(`DROP TRIGGER IF EXISTS membership_jurisdictions ON group_membership`);
    await q.query(`DROP FUNCTION IF EXISTS membership_jurisdictions()`);
    await q.query(`ALTER TABLE group_membership DROP COLUMN IF EXISTS group_jurisdiction_id, DROP COLUMN IF EXISTS campus_jurisdiction_id`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS group_id_jurisdiction_key`);
  }
}
