import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrolment per school year (issue 11, item 2): campus_enrolment keeps each campus's student
 * and class counts per school year ("2024-2025"), so a past year's figures never change when
 * today's counts do (schools/enrolment.ts states the rule; upsertCampus records the current
 * year's). campus.student_count / class_count stay, as the latest counts.
 *
 * The counts known so far have no year: they are recorded for the campus's first school year
 * (the earlier of its creation and its first membership, China time) and for the current one,
 * so every year since then reads them (nearest earlier year) until a later year records others.
 * hub_school_year(date) names the school year a day falls in (1 September to 31 August).
 */
export class SchoolYearFigures1733600000000 implements MigrationInterface {
  name = 'SchoolYearFigures1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE FUNCTION hub_school_year(d date) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE WHEN extract(month FROM d) >= 9
    THEN extract(year FROM d)::int || '-' || (extract(year FROM d)::int + 1)
    ELSE (extract(year FROM d)::int - 1) || '-' || extract(year FROM d)::int END
$$;

CREATE TABLE campus_enrolment (
  campus_id uuid NOT NULL REFERENCES campus(id) ON DELETE CASCADE,
  school_year varchar(9) NOT NULL
    CHECK (school_year ~ '^[0-9]{4}-[0-9]{4}$' AND right(school_year, 4)::int = left(school_year, 4)::int + 1),
  student_count int NOT NULL CHECK (student_count >= 0),
  class_count int NOT NULL CHECK (class_count >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campus_id, school_year)
);

INSERT INTO campus_enrolment (campus_id, school_year, student_count, class_count)
SELECT c.id, y.school_year, c.student_count, c.class_count
FROM campus c
CROSS JOIN LATERAL (VALUES
  (hub_school_year(least((c.created_at AT TIME ZONE 'Asia/Shanghai')::date,
                         (SELECT min(m.joined_on) FROM group_membership m WHERE m.campus_id = c.id)))),
  (hub_school_year((now() AT TIME ZONE 'Asia/Shanghai')::date))) AS y(school_year)
ON CONFLICT DO NOTHING;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campus_enrolment; DROP FUNCTION hub_school_year(date);`);
  }
}
