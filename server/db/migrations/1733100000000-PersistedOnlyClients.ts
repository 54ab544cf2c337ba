import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API clients that may run only the hub's persisted documents (the SDK's operations, by hash):
 * see http/persisted-documents.ts. Existing clients keep running any document.
 */
export class PersistedOnlyClients1733100000000 implements MigrationInterface {
  name = 'PersistedOnlyClients1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_client ADD COLUMN persisted_only boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_client DROP COLUMN persisted_only`);
  }
}
