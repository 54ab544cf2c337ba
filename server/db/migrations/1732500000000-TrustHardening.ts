import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7 (trust): API keys get an optional expiry; stored masked ID numbers keep only their
 * last four characters (they used to keep the first four too: the region and birth year).
 */
export class TrustHardening1732500000000 implements MigrationInterface {
  name = 'TrustHardening1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE api_client ADD COLUMN expires_at timestamptz;
UPDATE staff SET national_id_masked = repeat('*', greatest(length(national_id_masked) - 4, 0)) || right(national_id_masked, 4)
  WHERE national_id_masked IS NOT NULL;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_client DROP COLUMN expires_at`);
  }
}
