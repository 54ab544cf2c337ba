import { DataSource } from 'typeorm';

/**
 * Expected bundled results (捆绑考核, DOMAIN.md "Evaluations") computed straight from the raw
 * rows, independently of the hub's code: composite = memberAverage × w1 + partyBuilding × w2 +
 * comprehensive × w3, memberAverage the mean campus score over the group's campuses in the
 * cycle's school year, each once (a campus's score: the mean of its SUBMITTED/CONFIRMED totals),
 * partyBuilding the `party_building` indicator scaled to 100, comprehensive the other group
 * indicators scaled to 100 (each group evaluation scaled, then averaged); graded by the cycle's
 * thresholds on the composite rounded to 2 decimals.
 */
export async function expectedGroupResults(ds: DataSource, cycleId: string): Promise<Array<{ group_id: string; composite: number | null; grade: string | null }>> {
  const [y] = await ds.query(`SELECT school_year FROM evaluation_cycle WHERE id = $1`, [cycleId]);
  // The cycle's school year as days [start, end]: a campus counts when it was in the group on one of them.
  const start = `${y.school_year.slice(0, 4)}-09-01`;
  const end = `${y.school_year.slice(5)}-08-31`;
  return ds.query(`
    WITH y AS (SELECT * FROM evaluation_cycle WHERE id = $1),
    members AS (
      SELECT DISTINCT m.group_id, m.campus_id FROM y JOIN jurisdiction_ancestor ja ON ja.ancestor_id = y.jurisdiction_id
      JOIN education_group g ON g.jurisdiction_id = ja.jurisdiction_id JOIN group_membership m ON m.group_id = g.id
      WHERE m.status IN ('ACTIVE','EXITED') AND g.status <> 'PROPOSED'
        -- some day d of the year with joined_on <= d < left_on and established_on <= d < dissolved_on
        AND greatest(m.joined_on, coalesce(g.established_on, $2::date), $2::date)
          < least(coalesce(m.left_on, $3::date + 1), coalesce(g.dissolved_on, $3::date + 1), $3::date + 1)),
    campus_scores AS (SELECT e.campus_id, avg(e.total_score) AS score FROM evaluation e
      WHERE e.cycle_id = $1 AND e.target_type = 'CAMPUS' AND e.status IN ('SUBMITTED','CONFIRMED') GROUP BY 1),
    member_avg AS (SELECT m.group_id, avg(cs.score) AS v FROM members m JOIN campus_scores cs ON cs.campus_id = m.campus_id GROUP BY 1),
    gmax AS (SELECT sum(max_score) FILTER (WHERE key = 'party_building') AS party, sum(max_score) FILTER (WHERE key <> 'party_building') AS other
      FROM evaluation_indicator WHERE cycle_id = $1 AND target_type = 'GROUP'),
    gev AS (SELECT e.group_id, e.id, coalesce(sum(s.score) FILTER (WHERE s.indicator_key = 'party_building'), 0) AS party,
        coalesce(sum(s.score) FILTER (WHERE s.indicator_key <> 'party_building'), 0) AS other
      FROM evaluation e JOIN evaluation_score s ON s.evaluation_id = e.id
      WHERE e.cycle_id = $1 AND e.target_type = 'GROUP' AND e.status IN ('SUBMITTED','CONFIRMED') GROUP BY 1, 2),
    lines AS (SELECT gev.group_id, avg(gev.party / gmax.party * 100) AS pb, avg(gev.other / gmax.other * 100) AS comp FROM gev, gmax GROUP BY 1),
    results AS (
      SELECT x.group_id, round(ma.v * y.member_average_weight + l.pb * y.party_building_weight + l.comp * y.comprehensive_weight, 2) AS composite,
        y.excellent_min, y.good_min, y.fair_min
      FROM (SELECT group_id FROM member_avg UNION SELECT group_id FROM lines) x
      LEFT JOIN member_avg ma ON ma.group_id = x.group_id LEFT JOIN lines l ON l.group_id = x.group_id, y)
    SELECT group_id, composite::float8 AS composite,
      CASE WHEN composite IS NULL THEN NULL WHEN composite >= excellent_min THEN 'EXCELLENT' WHEN composite >= good_min THEN 'GOOD'
           WHEN composite >= fair_min THEN 'FAIR' ELSE 'FAIL' END AS grade
    FROM results ORDER BY group_id`, [cycleId, start, end]);
}

export const GRADES = ['EXCELLENT', 'GOOD', 'FAIR', 'FAIL'] as const;

/** Grade counts in the API's order (GradeCount list). */
export const countGrades = (grades: Array<string | null>) => GRADES.map((grade) => ({ grade, count: grades.filter((g) => g === grade).length }));
