import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ratifying grades (核定考核等次 [002 §六(五), §八(二)]) and their consequences
 * [000 §四(二), 001 §三(六)]:
 * - evaluation_cycle.published_at / published_by: when the cycle's bureau published the
 *   cycle's group results; from then on they are official and immutable.
 * - group_grade: one row per (cycle, group): the bureau's override of a computed grade (with
 *   its reason) before publication, and, at publication, the published result itself (the
 *   figures as computed then, the computed grade and the official grade). A published row
 *   never changes (a trigger refuses it, behind the mutations' own check).
 * - review_case: two consecutive published FAILs of a group (this cycle and the same bureau's
 *   previous one) open a case: rectification (整改) by a deadline, then the supervising
 *   bureau's decision (RECTIFIED, EXITED: members leave, DISSOLVED: the group is dissolved).
 */
export class GradeRatification1733900000000 implements MigrationInterface {
  name = 'GradeRatification1733900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE evaluation_cycle ADD COLUMN published_at timestamptz, ADD COLUMN published_by text,
  ADD CONSTRAINT evaluation_cycle_published_when_closed CHECK (published_at IS NULL OR status = 'CLOSED');

CREATE TABLE group_grade (
  id uuid PRIMARY KEY,
  cycle_id uuid NOT NULL REFERENCES evaluation_cycle(id),
  group_id uuid NOT NULL REFERENCES education_group(id),
  -- The bundled result as computed when overridden or published (frozen once published).
  member_average numeric,
  party_building numeric,
  comprehensive numeric,
  composite numeric,
  computed_grade text CHECK (computed_grade IN ('EXCELLENT','GOOD','FAIR','FAIL')),
  -- The ratified grade: the override when there is one, else the computed grade.
  grade text CHECK (grade IN ('EXCELLENT','GOOD','FAIR','FAIL')),
  override_reason text CHECK (override_reason IS NULL OR length(btrim(override_reason)) > 0),
  overridden_by text,
  overridden_at timestamptz,
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (cycle_id, group_id),
  CHECK (override_reason IS NULL OR (grade IS NOT NULL AND overridden_by IS NOT NULL AND overridden_at IS NOT NULL)),
  CHECK (published_at IS NULL OR grade IS NOT NULL)
);
CREATE INDEX group_grade_group_idx ON group_grade(group_id, cycle_id);

CREATE FUNCTION group_grade_published_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a published group grade is immutable' USING ERRCODE = 'check_violation', CONSTRAINT = 'group_grade_published_is_final';
END
$$;
CREATE TRIGGER group_grade_published_is_final BEFORE UPDATE OR DELETE ON group_grade
  FOR EACH ROW WHEN (OLD.published_at IS NOT NULL) EXECUTE FUNCTION group_grade_published_is_final();

CREATE TABLE review_case (
  id uuid PRIMARY KEY,
  group_id uuid NOT NULL REFERENCES education_group(id),
  -- The cycle whose published FAIL opened the case, and the previous cycle's (also FAIL).
  cycle_id uuid NOT NULL REFERENCES evaluation_cycle(id),
  previous_cycle_id uuid NOT NULL REFERENCES evaluation_cycle(id),
  status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','RECTIFIED','EXITED','DISSOLVED')),
  rectification_deadline date NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  decision_reason text,
  decided_by text,
  decided_at timestamptz,
  exited_campus_ids uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (group_id, cycle_id),
  CHECK ((status = 'OPEN') = (decided_at IS NULL)),
  CHECK (status = 'OPEN' OR (decision_reason IS NOT NULL AND decided_by IS NOT NULL)),
  CHECK ((status = 'EXITED') = (cardinality(exited_campus_ids) > 0))
);
CREATE INDEX review_case_status_idx ON review_case(status, group_id);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TABLE IF EXISTS review_case;
DROP TABLE IF EXISTS group_grade;
DROP FUNCTION IF EXISTS group_grade_published_is_final();
ALTER TABLE evaluation_cycle DROP CONSTRAINT IF EXISTS evaluation_cycle_published_when_closed,
  DROP COLUMN IF EXISTS published_at, DROP COLUMN IF EXISTS published_by;
`);
  }
}
