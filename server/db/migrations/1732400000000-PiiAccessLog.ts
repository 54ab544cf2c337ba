import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every read of a staff ID number in full (pii:read) is recorded: who, whose, when. */
export class PiiAccessLog1732400000000 implements MigrationInterface {
  name = 'PiiAccessLog1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE pii_access_log (
  id uuid PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  subject text NOT NULL,
  role text NOT NULL,
  api_client_id uuid REFERENCES api_client(id),
  staff_id uuid NOT NULL REFERENCES staff(id)
);
CREATE INDEX pii_access_log_staff_idx ON pii_access_log(staff_id, at);
CREATE INDEX pii_access_log_at_idx ON pii_access_log(at);
CREATE INDEX pii_access_log_client_idx ON pii_access_log(api_client_id);`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pii_access_log`);
  }
}
