import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff by home campus in id order: a county's staff page (graphql/connection.ts pageKeysFirst)
 * and a campus's staff list read their keys from this index alone, without visiting the rows
 * they do not return. It replaces the index on home_campus_id, which it covers.
 */
export class StaffPageKeys1733300000000 implements MigrationInterface {
  name = 'StaffPageKeys1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX staff_home_campus_key_idx ON staff (home_campus_id, id); DROP INDEX IF EXISTS staff_home_campus_idx;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX staff_home_campus_idx ON staff (home_campus_id); DROP INDEX staff_home_campus_key_idx;`);
  }
}
