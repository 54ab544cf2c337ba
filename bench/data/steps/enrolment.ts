import { Gen } from '../gen';

/** The first school year of the history (groups are established from 2018-2019 on, steps/groups.ts). */
export const FIRST_YEAR = 2018;

/**
 * Enrolment per school year (campus_enrolment, server/schools/enrolment.ts): each campus's
 * student and class counts for every school year from its first one up to the current one,
 * the current year's equal to campus.student_count / class_count (upsertCampus keeps them so).
 *
 * - First year: 2018-2019 for a school's main campus; an extra campus opened in a year from
 *   2018 to 2023, or earlier when it was a group member before (its membership's year).
 * - Counts drift year to year: urban campuses grow, town ones shrink a little, rural ones and
 *   kindergartens (fewer births) shrink faster, each campus at its own pace, with noise per year:
 *   students(Y) = students(now) × exp(trend × (Y - now) + noise(Y)), noise(now) = 0.
 * - About one past year in twenty went unreported (not the first, not the current): the
 *   figures of such a year read the nearest earlier year (the hub's fallback rule).
 * Classes follow students as for campus.class_count (28 a class in kindergartens, else 42).
 */
export async function generateEnrolment(g: Gen): Promise<void> {
  await g.q(`
INSERT INTO campus_enrolment (campus_id, school_year, student_count, class_count, updated_at)
WITH now_year AS (
  SELECT CASE WHEN extract(month FROM d) >= 9 THEN extract(year FROM d)::int ELSE extract(year FROM d)::int - 1 END AS cur
  FROM (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d) t
), c AS (
  SELECT c.id, c.c_no, c.type, c.student_count, c.created_at, n.cur,
    least(n.cur, CASE WHEN c.j = 0 THEN ${FIRST_YEAR} ELSE least(${FIRST_YEAR} + floor(6 * bench_gen.rnd(c.c_no, 201))::int, coalesce(fm.year, n.cur)) END) AS first,
    -- Yearly trend: urban +2%, town -1%, rural -3.5%, kindergartens 3 points lower; ±2.5 points per campus.
    CASE c.urban_rural WHEN 'URBAN' THEN 0.02 WHEN 'TOWN' THEN -0.01 ELSE -0.035 END
      - CASE WHEN c.type = 'KINDERGARTEN' THEN 0.03 ELSE 0 END + 0.05 * (bench_gen.rnd(c.c_no, 202) - 0.5) AS trend
  FROM bench_gen.campus c CROSS JOIN now_year n
  -- The school year of the campus's first membership.
  LEFT JOIN (SELECT m.campus_id, min(extract(year FROM m.joined_on - interval '8 months'))::int AS year
    FROM bench_gen.mem m WHERE m.joined_on IS NOT NULL GROUP BY 1) fm ON fm.campus_id = c.id
), y AS (
  SELECT c.*, y.year,
    CASE WHEN y.year = c.cur THEN c.student_count
      ELSE greatest(0, round(c.student_count * exp(c.trend * (y.year - c.cur) + 0.07 * (bench_gen.rnd(c.c_no * 64 + y.year, 203) - 0.5))))::int END AS students
  FROM c CROSS JOIN LATERAL generate_series(c.first, c.cur) y(year)
  WHERE y.year IN (c.first, c.cur) OR bench_gen.rnd(c.c_no * 64 + y.year, 204) >= 0.05
)
SELECT id, year || '-' || (year + 1), students,
  greatest(1, ceil(students / CASE WHEN type = 'KINDERGARTEN' THEN 28.0 ELSE 42.0 END))::int,
  -- Recorded when the campus was imported.
  created_at
FROM y ORDER BY id, year`);
}
