import type { SchoolYear } from '../calendar';
import { raw, sql, Sql } from '../db/sql';

/**
 * Enrolment per school year (DOMAIN.md: "a year's figures use that year's enrolment"): student
 * and class counts are kept per campus and school year in campus_enrolment. upsertCampus
 * records the current school year's counts (and keeps campus.student_count / class_count, the
 * latest counts, equal to them); migration 1733600000000 recorded the counts known before.
 *
 * The counts of campus c in year Y: those recorded for Y, else those of the nearest earlier
 * year recorded (counts stand until a later year records others), so writing today's counts
 * never changes a past year. A campus with nothing recorded up to Y (loaded by SQL without
 * history, or created after Y, when it was in no group) has its latest counts.
 *
 * Returns a LEFT JOIN LATERAL clause to add after campus `c` in a FROM list, and the two
 * expressions to select.
 */
export function enrolmentIn(c: string, year: SchoolYear, alias = 'en'): { join: Sql; students: Sql; classes: Sql } {
  const C = raw(c);
  const E = raw(alias);
  return {
    join: sql`LEFT JOIN LATERAL (SELECT e.student_count, e.class_count FROM campus_enrolment e
      WHERE e.campus_id = ${C}.id AND e.school_year <= ${year.label} ORDER BY e.school_year DESC LIMIT 1) ${E} ON true`,
    students: sql`coalesce(${E}.student_count, ${C}.student_count)`,
    classes: sql`coalesce(${E}.class_count, ${C}.class_count)`,
  };
}

/**
 * Records campus `campusId`'s counts for `year` (upsertCampus: the current school year's), in the
 * caller's transaction, the campus row being locked. A campus with no history yet first gets
 * its `prior` counts (those it had before this write) recorded for its first school year (the
 * earlier of its creation and its first membership), as migration 1733600000000 did for every
 * campus: the years before this one keep them.
 */
export async function recordEnrolment(
  w: { query: (q: Sql) => Promise<unknown[]> },
  campusId: string,
  year: SchoolYear,
  counts: { students: number; classes: number },
  prior: { students: number; classes: number } | null,
): Promise<void> {
  if (prior) {
    await w.query(sql`
      INSERT INTO campus_enrolment (campus_id, school_year, student_count, class_count)
      SELECT c.id, hub_school_year(least((c.created_at AT TIME ZONE 'Asia/Shanghai')::date,
               (SELECT min(m.joined_on) FROM group_membership m WHERE m.campus_id = c.id))), ${prior.students}, ${prior.classes}
      FROM campus c WHERE c.id = ${campusId}::uuid AND NOT EXISTS (SELECT 1 FROM campus_enrolment e WHERE e.campus_id = c.id)
      ON CONFLICT DO NOTHING`);
  }
  await w.query(sql`
    INSERT INTO campus_enrolment (campus_id, school_year, student_count, class_count)
    VALUES (${campusId}::uuid, ${year.label}, ${counts.students}, ${counts.classes})
    ON CONFLICT (campus_id, school_year) DO UPDATE SET student_count = EXCLUDED.student_count, class_count = EXCLUDED.class_count, updated_at = now()
    WHERE (campus_enrolment.student_count, campus_enrolment.class_count) IS DISTINCT FROM (EXCLUDED.student_count, EXCLUDED.class_count)`);
}
