import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change-feed entries carry who they are for (server/access/audience.ts): the keys of their
 * entity after the write and before it, so a reader's filter is an index lookup and an entity
 * leaving a reader's scope reaches it as a DELETE. Existing entries are keyed at start-up
 * (feed/audience.ts keyUnkeyedEntries), from the rules of the code that runs.
 */
export class FeedAudience1733200000000 implements MigrationInterface {
  name = 'FeedAudience1733200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE change_event ADD COLUMN audience text[] NOT NULL DEFAULT '{}', ADD COLUMN prior_audience text[] NOT NULL DEFAULT '{}';
CREATE INDEX change_event_audience_idx ON change_event USING gin (audience);
CREATE INDEX change_event_prior_audience_idx ON change_event USING gin (prior_audience);
CREATE INDEX change_event_unkeyed_idx ON change_event (entity_type) WHERE audience = '{}';`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE change_event DROP COLUMN audience, DROP COLUMN prior_audience`);
  }
}
