import { MigrationInterface, QueryRunner } from 'typeorm';
import { cc, constraint, index } from './online';

/**
 * Staff carry the jurisdiction of their home campus (staff.home_jurisdiction_id), so a bureau's
 * staff page reads its keys in id order straight from `staff (home_jurisdiction_id, id)`: one
 * short index range per jurisdiction of its area (access/rules.ts, graphql/connection.ts
 * pageKeysFirst). Before, a county's page probed the index of every one of its ~480 campuses
 * and sorted its ~10,000 staff to return 500 (bench/: 4.5 ms of database time a page, 30× the
 * nation's).
 *
 * The copy cannot drift: the foreign key `(home_campus_id, home_jurisdiction_id)` names a
 * campus row as it is (ON UPDATE CASCADE carries a campus's move to its staff), and a trigger
 * computes the column on every insert and on every update of either column, so writers never
 * name it (a value they give is replaced by the campus's). The covering indexes replace plain
 * ones, so the sets the scope rules build (a county's campuses and groups, the campuses its
 * groups bring in) are read from the indexes alone.
 *
 * Run outside a transaction, step by step, so that replicas still serving during an upgrade
 * keep reading and writing: the column is added without a rewrite, filled in batches of short
 * transactions, the constraints are added NOT VALID and validated without blocking writes
 * (SET NOT NULL then relies on a validated CHECK and scans nothing), and indexes are built and
 * dropped CONCURRENTLY. Every step may be run again: a migration interrupted midway completes
 * on the next start.
 */
export class StaffHomeJurisdiction1734100000000 implements MigrationInterface {
  name = 'StaffHomeJurisdiction1734100000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff ADD COLUMN IF NOT EXISTS home_jurisdiction_id uuid`);
    // FOR KEY SHARE holds the campus where it is until the row is written (a concurrent move
    // waits, then cascades to this row too).
    await q.query(`CREATE OR REPLACE FUNCTION staff_home_jurisdiction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT c.jurisdiction_id INTO NEW.home_jurisdiction_id FROM campus c WHERE c.id = NEW.home_campus_id FOR KEY SHARE;
  RETURN NEW;
END $$`);
    await q.query(`DROP TRIGGER IF EXISTS staff_home_jurisdiction ON staff`);
    await q.query(`CREATE TRIGGER staff_home_jurisdiction BEFORE INSERT OR UPDATE OF home_campus_id, home_jurisdiction_id ON staff
      FOR EACH ROW EXECUTE FUNCTION staff_home_jurisdiction()`);
    // The rows written before the trigger, 5,000 at a time (each batch its own short transaction).
    for (;;) {
      const [, n] = await q.query(`UPDATE staff s SET home_jurisdiction_id = c.jurisdiction_id FROM campus c
        WHERE c.id = s.home_campus_id AND s.id IN (SELECT id FROM staff WHERE home_jurisdiction_id IS NULL LIMIT 5000)`);
      if (!n) break;
    }
    await index(q, 'campus_id_jurisdiction_key', `CREATE UNIQUE INDEX ${cc(q)} campus_id_jurisdiction_key ON campus (id, jurisdiction_id)`);
    await constraint(q, 'staff_home_jurisdiction_fkey', `ALTER TABLE staff ADD CONSTRAINT staff_home_jurisdiction_fkey
      FOREIGN KEY (home_campus_id, home_jurisdiction_id) REFERENCES campus (id, jurisdiction_id) ON UPDATE CASCADE NOT VALID`);
    await q.query(`ALTER TABLE staff VALIDATE CONSTRAINT staff_home_jurisdiction_fkey`);
    await constraint(q, 'staff_home_jurisdiction_set', `ALTER TABLE staff ADD CONSTRAINT staff_home_jurisdiction_set CHECK (home_jurisdiction_id IS NOT NULL) NOT VALID`);
    await q.query(`ALTER TABLE staff VALIDATE CONSTRAINT staff_home_jurisdiction_set`);
    await q.query(`ALTER TABLE staff ALTER COLUMN home_jurisdiction_id SET NOT NULL`);
    await q.query(`ALTER TABLE staff DROP CONSTRAINT staff_home_jurisdiction_set`);
    await index(q, 'staff_home_jurisdiction_key_idx', `CREATE INDEX ${cc(q)} staff_home_jurisdiction_key_idx ON staff (home_jurisdiction_id, id)`);
    await index(q, 'membership_group_key_idx', `CREATE INDEX ${cc(q)} membership_group_key_idx ON group_membership (group_id, status) INCLUDE (campus_id)`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS membership_group_idx`);
    await index(q, 'campus_jurisdiction_key_idx', `CREATE INDEX ${cc(q)} campus_jurisdiction_key_idx ON campus (jurisdiction_id, id)`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS campus_jurisdiction_idx`);
    await index(q, 'group_jurisdiction_key_idx', `CREATE INDEX ${cc(q)} group_jurisdiction_key_idx ON education_group (jurisdiction_id, id)`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS group_jurisdiction_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ${cc(q)} IF NOT EXISTS group_jurisdiction_idx ON education_group (jurisdiction_id)`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS group_jurisdiction_key_idx`);
    await q.query(`CREATE INDEX ${cc(q)} IF NOT EXISTS campus_jurisdiction_idx ON campus (jurisdiction_id)`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS campus_jurisdiction_key_idx`);
    await q.query(`CREATE INDEX ${cc(q)} IF NOT EXISTS membership_group_idx ON group_membership (group_id, status)`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS membership_group_key_idx`);
    await q.query(`DROP TRIGGER IF EXISTS staff_home_jurisdiction ON staff`);
    await q.query(`DROP FUNCTION IF EXISTS staff_home_jurisdiction()`);
    await q.query(`ALTER TABLE staff DROP COLUMN IF EXISTS home_jurisdiction_id`);
    await q.query(`ALTER TABLE campus DROP CONSTRAINT IF EXISTS campus_id_jurisdiction_key`);
    await q.query(`DROP INDEX ${cc(q)} IF EXISTS campus_id_jurisdiction_key`);
  }
}
