import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-caller rate-limit counters every replica shares (http/rate-limit.ts), in the shape
 * rate-limiter-flexible's RateLimiterPostgres expects. UNLOGGED: counters for a one-minute
 * window need no crash safety, and skipping the WAL keeps each request's upsert cheap.
 */
export class RateLimit1733000000000 implements MigrationInterface {
  name = 'RateLimit1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE UNLOGGED TABLE rate_limit (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
CREATE INDEX rate_limit_expire_idx ON rate_limit(expire);`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit`);
  }
}
