import { MigrationInterface, QueryRunner } from 'typeorm';

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
 * fills the column on insert and when the home campus changes, so writers never name it.
 * The covering indexes replace plain ones, so the sets the scope rules build (a county's
 * campuses and groups, the campuses its groups bring in) are read from the indexes alone.
 */
export class StaffHomeJurisdiction1734100000000 implements MigrationInterface {
  name = 'StaffHomeJurisdiction1734100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE campus ADD CONSTRAINT campus_id_jurisdiction_key UNIQUE (id, jurisdiction_id);
ALTER TABLE staff ADD COLUMN home_jurisdiction_id uuid;
UPDATE staff s SET home_jurisdiction_id = c.jurisdiction_id FROM campus c WHERE c.id = s.home_campus_id;
ALTER TABLE staff ALTER COLUMN home_jurisdiction_id SET NOT NULL,
  ADD CONSTRAINT staff_home_jurisdiction_fkey FOREIGN KEY (home_campus_id, home_jurisdiction_id)
    REFERENCES campus (id, jurisdiction_id) ON UPDATE CASCADE;
CREATE INDEX staff_home_jurisdiction_key_idx ON staff (home_jurisdiction_id, id);
-- Filled from the home campus; FOR KEY SHARE holds the campus where it is until the row is
-- written (a concurrent move waits, then cascades to this row too).
CREATE FUNCTION staff_home_jurisdiction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT c.jurisdiction_id INTO NEW.home_jurisdiction_id FROM campus c WHERE c.id = NEW.home_campus_id FOR KEY SHARE;
  RETURN NEW;
END $$;
CREATE TRIGGER staff_home_jurisdiction BEFORE INSERT OR UPDATE OF home_campus_id ON staff
  FOR EACH ROW EXECUTE FUNCTION staff_home_jurisdiction();

CREATE INDEX membership_group_key_idx ON group_membership (group_id, status) INCLUDE (campus_id);
DROP INDEX membership_group_idx;
CREATE INDEX campus_jurisdiction_key_idx ON campus (jurisdiction_id, id);
DROP INDEX campus_jurisdiction_idx;
CREATE INDEX group_jurisdiction_key_idx ON education_group (jurisdiction_id, id);
DROP INDEX group_jurisdiction_idx;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE INDEX group_jurisdiction_idx ON education_group (jurisdiction_id); DROP INDEX group_jurisdiction_key_idx;
CREATE INDEX campus_jurisdiction_idx ON campus (jurisdiction_id); DROP INDEX campus_jurisdiction_key_idx;
CREATE INDEX membership_group_idx ON group_membership (group_id, status); DROP INDEX membership_group_key_idx;
DROP TRIGGER staff_home_jurisdiction ON staff; DROP FUNCTION staff_home_jurisdiction();
ALTER TABLE staff DROP COLUMN home_jurisdiction_id;
ALTER TABLE campus DROP CONSTRAINT campus_id_jurisdiction_key;`);
  }
}
