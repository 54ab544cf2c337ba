import { encodeId } from '../../server/graphql/ids';
import { Gen } from './gen';

/** The tables the generator writes, in load order (TRUNCATE, counts, VACUUM). */
export const GENERATED_TABLES = [
  'school', 'campus', 'education_group', 'group_membership', 'membership_approval', 'campus_enrolment', 'group_policy', 'staff', 'posting',
  'resource_library', 'resource', 'resource_use', 'evaluation_cycle', 'evaluation_indicator', 'evaluation',
  'evaluation_score', 'change_event',
];

/** Row counts per table, for the summary. */
export async function rowCounts(g: Gen): Promise<Array<[string, number]>> {
  const out: Array<[string, number]> = [];
  for (const t of GENERATED_TABLES) {
    const [{ n }] = await g.q(`SELECT count(*)::bigint AS n FROM ${t}`);
    out.push([t, Number(n)]);
  }
  return out;
}

/**
 * Handy ids for the bench runner (it queries the database for anything else): the county with
 * the most schools, five of its schools with the most staff (a narrowed vendor key), a
 * cross-county group (preferably led from that county) and the group with the most memberships.
 * Group ids are GraphQL global ids (what `group(id:)` and a GROUP_ADMIN token's `group` claim take).
 */
export async function usefulIds(g: Gen) {
  const [county] = await g.q(`
    SELECT j.id, j.code, count(*)::int AS schools FROM school s JOIN jurisdiction j ON j.id = s.jurisdiction_id
    WHERE j.level IN ('COUNTY','ZONE') GROUP BY j.id, j.code ORDER BY count(*) DESC, j.code LIMIT 1`);
  const schools = await g.q(`
    SELECT s.code FROM school s JOIN staff st ON st.school_id = s.id WHERE s.jurisdiction_id = $1
    GROUP BY s.code ORDER BY count(*) DESC, s.code LIMIT 5`, [county.id]);
  const [cross] = await g.q(`
    SELECT g.id, count(*)::int AS members FROM education_group g
    JOIN group_membership m ON m.group_id = g.id AND m.status = 'ACTIVE' JOIN campus c ON c.id = m.campus_id
    JOIN campus lc ON lc.id = g.lead_campus_id
    WHERE g.status = 'ACTIVE'
    GROUP BY g.id, lc.jurisdiction_id HAVING count(DISTINCT c.jurisdiction_id) > 1
    ORDER BY (lc.jurisdiction_id = $1) DESC, count(*) DESC, g.id LIMIT 1`, [county.id]);
  const [large] = await g.q(`
    SELECT g.id, count(*)::int AS memberships FROM education_group g JOIN group_membership m ON m.group_id = g.id
    WHERE g.status = 'ACTIVE' GROUP BY g.id ORDER BY count(*) DESC, g.id LIMIT 1`);
  return {
    scale: g.scale.name,
    provinceCode: `${g.scale.area.slice(0, 2)}0000`,
    areaCode: g.scale.area,
    countyCode: county.code as string,
    countySchools: county.schools as number,
    crossCountyGroupId: cross ? encodeId('EducationGroup', cross.id) : null,
    largeGroupId: encodeId('EducationGroup', large.id),
    largeGroupMemberships: large.memberships as number,
    schoolCodes: schools.map((s) => s.code as string),
  };
}
