import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A school's supervising bureau (主管/隶属关系, DOMAIN.md "Places"): the bureau it answers to,
 * apart from where it lies (school.jurisdiction_id). By default the jurisdiction where it lies;
 * a 市属 school located in 五华区 answers to 昆明市. Never the nation: groups are approved 由市县两级
 * 教育行政部门 [000 §三(四)], so no admission is routed to the Ministry.
 *
 * Backfill: supervisor = location. A group was approved by its supervising bureau, so where a
 * live group is supervised by a bureau above its lead school's location (possible before this
 * column: any ancestor could), that bureau is the lead school's supervisor: the group keeps its
 * supervisor and the invariant "a group's supervising jurisdiction is its lead school's
 * supervising bureau" holds from here on.
 *
 * Pending applications get their approval chain worked out again against the supervising
 * bureau (memberships/mutations.ts approvalChain): HOME_BUREAU when the campus lies elsewhere
 * than the supervising jurisdiction, COMMON_PARENT_BUREAU when the nearest bureau above both is
 * neither of them. Cross-province applications keep their chain; deciding them is refused.
 */
export class SchoolSupervision1733800000000 implements MigrationInterface {
  name = 'SchoolSupervision1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE school ADD COLUMN supervising_jurisdiction_id uuid REFERENCES jurisdiction(id);
UPDATE school SET supervising_jurisdiction_id = jurisdiction_id;
UPDATE school s SET supervising_jurisdiction_id = g.jurisdiction_id
  FROM education_group g JOIN campus lc ON lc.id = g.lead_campus_id
  WHERE lc.school_id = s.id AND g.status <> 'DISSOLVED' AND g.jurisdiction_id <> s.jurisdiction_id
    AND EXISTS (SELECT 1 FROM jurisdiction_ancestor a WHERE a.jurisdiction_id = s.jurisdiction_id AND a.ancestor_id = g.jurisdiction_id);
ALTER TABLE school ALTER COLUMN supervising_jurisdiction_id SET NOT NULL;
CREATE INDEX school_supervising_jurisdiction_idx ON school(supervising_jurisdiction_id);
-- The default is where the school lies: rows inserted without a supervisor (bulk loads,
-- fixtures, older clients of the table) answer to their own jurisdiction.
CREATE FUNCTION school_default_supervisor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.supervising_jurisdiction_id := coalesce(NEW.supervising_jurisdiction_id, NEW.jurisdiction_id);
  RETURN NEW;
END $$;
CREATE TRIGGER school_default_supervisor BEFORE INSERT ON school FOR EACH ROW EXECUTE FUNCTION school_default_supervisor();

UPDATE group_membership m SET required_approvals = x.chain, updated_at = now()
FROM (
  SELECT m2.id, ARRAY['GROUP_COUNCIL','SUPERVISING_BUREAU']
      || CASE WHEN c.jurisdiction_id <> g.jurisdiction_id THEN ARRAY['HOME_BUREAU'] ELSE ARRAY[]::text[] END
      || CASE WHEN c.jurisdiction_id <> g.jurisdiction_id AND p.common NOT IN (g.jurisdiction_id, c.jurisdiction_id)
              THEN ARRAY['COMMON_PARENT_BUREAU'] ELSE ARRAY[]::text[] END AS chain
  FROM group_membership m2 JOIN education_group g ON g.id = m2.group_id JOIN campus c ON c.id = m2.campus_id
  CROSS JOIN LATERAL (SELECT a.ancestor_id AS common FROM jurisdiction_ancestor a JOIN jurisdiction_ancestor b ON b.ancestor_id = a.ancestor_id
    WHERE a.jurisdiction_id = c.jurisdiction_id AND b.jurisdiction_id = g.jurisdiction_id ORDER BY a.depth LIMIT 1) p
  JOIN jurisdiction cj ON cj.id = p.common
  WHERE m2.status = 'APPLIED' AND m2.role = 'MEMBER' AND cj.level <> 'NATION'
) x
WHERE m.id = x.id AND m.required_approvals IS DISTINCT FROM x.chain;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER school_default_supervisor ON school; DROP FUNCTION school_default_supervisor();
      ALTER TABLE school DROP COLUMN supervising_jurisdiction_id;`);
  }
}
