import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved analyses of the analysts' workbench (分析方案): a named GraphQL document with its
 * parameter values, kept with the bureau of the caller who saved it (jurisdiction_id: the
 * caller's own jurisdiction, exactly) and optionally shared with that bureau's other callers.
 * Workbench records, not domain data: audited, never on the vendors' change feed.
 */
export class SavedAnalyses1734000000000 implements MigrationInterface {
  name = 'SavedAnalyses1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE saved_analysis (
  id uuid PRIMARY KEY,
  jurisdiction_id uuid NOT NULL REFERENCES jurisdiction(id),
  -- Who saved it: the token's subject and role (an owner is subject + role + jurisdiction).
  owner_subject text NOT NULL,
  owner_role text NOT NULL CHECK (owner_role IN ('BUREAU_ADMIN', 'ANALYST')),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
  document text NOT NULL CHECK (char_length(document) BETWEEN 1 AND 20000),
  -- Parameter values by name, each a string (e.g. {"jurisdiction": "640502", "schoolYear": "2025-2026"}).
  parameters jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(parameters) = 'object'),
  shared boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A bureau's list: its own jurisdiction's rows in id (creation) order.
CREATE INDEX saved_analysis_jurisdiction_idx ON saved_analysis (jurisdiction_id, id);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE saved_analysis`);
  }
}
