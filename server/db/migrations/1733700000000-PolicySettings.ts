import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Policy settings are set and inherited as wholes (policy/entity.ts PolicySetting): ROTATION
 * (least rate, least backbone share, counted posting types), COVERAGE (target, deadline,
 * stages), FUNDING (base, bands), LEADERSHIP, and one cap per mode.
 *
 * New parts: rotation_posting_types (which posting types count toward rotation, 甘州区 [004
 * §四(三)2]) and coverage_stages (which school stages a coverage target covers, 甘州区 [004]:
 * 义务教育 and 高中阶段). NULL within a set setting means the built-in default (every type;
 * PRIMARY and JUNIOR).
 *
 * Rows that set part of a setting used to borrow the other parts from the nearest ancestor
 * (a deadline with an ancestor's target). So that no policy in force changes on upgrade, each
 * such row gets the parts it was borrowing, read from the table as it was before this
 * statement; a deadline with no target anywhere above is dropped, since it was paired with
 * nothing. Rows that set nothing are removed: they source nothing.
 */
export class PolicySettings1733700000000 implements MigrationInterface {
  name = 'PolicySettings1733700000000';

  async up(q: QueryRunner): Promise<void> {
    const inherited = (column: string) => `(SELECT a.${column} FROM jurisdiction_ancestor ja JOIN group_policy a ON a.jurisdiction_id = ja.ancestor_id
      WHERE ja.jurisdiction_id = r.jurisdiction_id AND ja.depth > 0 AND a.${column} IS NOT NULL ORDER BY ja.depth LIMIT 1)`;
    const fill = (columns: string[]) => `
UPDATE group_policy r SET ${columns.map((c) => `${c} = coalesce(r.${c}, ${inherited(c)})`).join(', ')}
WHERE (${columns.map((c) => `r.${c} IS NOT NULL`).join(' OR ')}) AND (${columns.map((c) => `r.${c} IS NULL`).join(' OR ')});`;
    await q.query(`
ALTER TABLE group_policy
  ADD COLUMN rotation_posting_types text[]
    CHECK (cardinality(rotation_posting_types) > 0 AND rotation_posting_types <@ ARRAY['ROTATION','SECONDMENT','SHADOWING','TEACHING_SUPPORT']),
  ADD COLUMN coverage_stages text[]
    CHECK (cardinality(coverage_stages) > 0 AND coverage_stages <@ ARRAY['PRESCHOOL','PRIMARY','JUNIOR','SENIOR','VOCATIONAL']);
${fill(['coverage_target', 'coverage_deadline'])}
${fill(['funding_base_amount', 'funding_bands'])}
${fill(['min_annual_rotation_rate', 'min_backbone_share_of_posted'])}
UPDATE group_policy SET coverage_deadline = NULL WHERE coverage_target IS NULL AND coverage_deadline IS NOT NULL;
-- A coverage deadline or stages only with this row's own target.
ALTER TABLE group_policy ADD CONSTRAINT group_policy_coverage_setting
  CHECK (coverage_target IS NOT NULL OR (coverage_deadline IS NULL AND coverage_stages IS NULL));
DELETE FROM group_policy WHERE coalesce(max_members, '{}'::jsonb) = '{}'::jsonb
  AND min_annual_rotation_rate IS NULL AND min_backbone_share_of_posted IS NULL AND rotation_posting_types IS NULL
  AND coverage_target IS NULL AND funding_base_amount IS NULL AND funding_bands IS NULL AND leadership_bands IS NULL;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE group_policy DROP CONSTRAINT group_policy_coverage_setting;
ALTER TABLE group_policy DROP COLUMN rotation_posting_types, DROP COLUMN coverage_stages;`);
  }
}
