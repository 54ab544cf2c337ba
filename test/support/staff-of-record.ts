import { DataSource } from 'typeorm';

/**
 * Staff of record of the bureau of `code` by DOMAIN.md's rule, computed from the campus and
 * group rows (never from the copies staff and memberships carry of their jurisdictions): at
 * home in the bureau's area, or at a campus an ACTIVE membership of a group supervised there
 * brings in. `extra` narrows it (a filter, on the row aliased `s`). Ids in id order.
 */
export async function staffOfRecord(ds: DataSource, code: string, extra = 'TRUE'): Promise<string[]> {
  const rows: Array<{ id: string }> = await ds.query(`
    WITH area AS (SELECT x.jurisdiction_id AS id FROM jurisdiction_ancestor x JOIN jurisdiction j ON j.id = x.ancestor_id WHERE j.code = $1)
    SELECT s.id::text FROM staff s JOIN campus c ON c.id = s.home_campus_id
    WHERE (c.jurisdiction_id IN (SELECT id FROM area)
      OR c.id IN (SELECT m.campus_id FROM group_membership m JOIN education_group g ON g.id = m.group_id
                  WHERE m.status = 'ACTIVE' AND g.jurisdiction_id IN (SELECT id FROM area)))
      AND ${extra}
    ORDER BY s.id`, [code]);
  return rows.map((r) => r.id);
}
