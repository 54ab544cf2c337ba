import { encodeId } from '../server/graphql/ids';
import { countGrades, expectedGroupResults } from './support/grades';
import { startHub, TestHub } from './support/hub';

/**
 * Issue 11, items 6 and 7, on the demo (read only): a jurisdiction's grade counts are counts of
 * group grades (考核等次), campus grades apart; valueAdded (增值评价) compares a target's score
 * (the mean of its submitted evaluations, any evaluator kind) with its score in the same
 * bureau's previous cycle. Every expected number is computed here from the raw rows.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

const YEAR = '2025-2026';
const STATS = `stats(schoolYear: "${YEAR}") { groupCount evaluationGrades { grade count } publishedEvaluationGrades { grade count } campusEvaluationGrades { grade count } }`;

async function cyclesOf(year: string): Promise<Array<{ id: string; code: string }>> {
  return hub.ds.query(`SELECT y.id, j.code FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE y.school_year = $1 ORDER BY j.code`, [year]);
}

describe('item 6: grade counts are group grades (考核等次), campus grades apart', () => {
  test('沙坡头区 2025-2026: one grade per group from the composite rule, not one per evaluation', async () => {
    const cycles = (await cyclesOf(YEAR)).filter((c) => ['640000', '640500', '640502', '000000'].includes(c.code));
    // Only 沙坡头区's own cycle grades its groups this year (none above it on its line).
    expect(cycles.map((c) => c.code)).toEqual(['640502']);
    const expected = await expectedGroupResults(hub.ds, cycles[0].id);
    const d = await hub.data(`{ j: jurisdiction(code: "640502") { ${STATS} } city: jurisdiction(code: "640500") { ${STATS} } }`);
    expect(d.j.stats.evaluationGrades).toEqual(countGrades(expected.map((r) => r.grade)));
    // Nothing is published in the demo: no official grade yet.
    expect(d.j.stats.publishedEvaluationGrades).toEqual(countGrades([]));
    // Each group once: as many grades as graded groups, far fewer than the evaluations the old figure counted.
    const graded = d.j.stats.evaluationGrades.reduce((n: number, g: any) => n + g.count, 0);
    expect(graded).toBe(expected.filter((r) => r.grade !== null).length);
    expect(graded).toBe(d.j.stats.groupCount);
    const [{ n: evaluations }] = await hub.ds.query(`SELECT count(*)::int AS n FROM evaluation WHERE cycle_id = $1 AND status IN ('SUBMITTED','CONFIRMED')`, [cycles[0].id]);
    expect(evaluations).toBeGreaterThan(graded);
    // The weak group of the demo (中卫市第七小学) is the one FAIL.
    const [{ id: weak }] = await hub.ds.query(`SELECT id FROM education_group WHERE name = '中卫市第七小学教育集团'`);
    expect(expected.filter((r) => r.grade === 'FAIL').map((r) => r.group_id)).toEqual([weak]);

    // Campus grades, apart: each campus located in 沙坡头区 with a score, its mean total graded by the cycle's thresholds.
    const campus = await hub.ds.query(`
      SELECT round(avg(e.total_score), 2)::float8 AS score FROM evaluation e JOIN campus c ON c.id = e.campus_id
      JOIN jurisdiction j ON j.id = c.jurisdiction_id
      WHERE e.cycle_id = $1 AND e.target_type = 'CAMPUS' AND e.status IN ('SUBMITTED','CONFIRMED') AND j.code = '640502'
      GROUP BY e.campus_id`, [cycles[0].id]);
    const grade = (x: number) => (x >= 90 ? 'EXCELLENT' : x >= 80 ? 'GOOD' : x >= 60 ? 'FAIR' : 'FAIL');
    expect(d.j.stats.campusEvaluationGrades).toEqual(countGrades(campus.map((c: any) => grade(c.score))));
    expect(campus.length).toBeGreaterThan(graded);
    // The city holds only this county's groups and campuses.
    expect(d.city.stats.evaluationGrades).toEqual(d.j.stats.evaluationGrades);
    expect(d.city.stats.campusEvaluationGrades).toEqual(d.j.stats.campusEvaluationGrades);
  });

  test('the nation counts every group once: the sum over the year\'s cycles, each graded by the composite rule', async () => {
    const cycles = await cyclesOf(YEAR);
    expect(cycles.length).toBeGreaterThan(2);
    const all = (await Promise.all(cycles.map((c) => expectedGroupResults(hub.ds, c.id)))).flat();
    // No group is graded by two cycles here, so the nation's counts are the cycles' together.
    expect(new Set(all.map((r) => r.group_id)).size).toBe(all.length);
    const d = await hub.data(`{ jurisdiction(code: "000000") { ${STATS} } }`);
    expect(d.jurisdiction.stats.evaluationGrades).toEqual(countGrades(all.map((r) => r.grade)));
  });
});

describe('item 7: valueAdded (增值评价) compares target scores, whatever the evaluator kind', () => {
  test('every 2025-2026 evaluation of 沙坡头区: its target\'s mean now minus its mean in 2024-2025', async () => {
    const rows = await hub.ds.query(`
      WITH y AS (SELECT y.id, y.school_year FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = '640502'),
      score AS (SELECT e.cycle_id, e.target_type, coalesce(e.group_id, e.campus_id) AS target, avg(e.total_score)::float8 AS s
        FROM evaluation e WHERE e.status IN ('SUBMITTED','CONFIRMED') GROUP BY 1, 2, 3)
      SELECT e.id, e.evaluator_kind, n.s AS now, p.s AS prev,
        EXISTS (SELECT 1 FROM evaluation o WHERE o.cycle_id = (SELECT id FROM y WHERE school_year = '2024-2025') AND o.campus_id = e.campus_id
          AND o.evaluator_kind = e.evaluator_kind AND o.status IN ('SUBMITTED','CONFIRMED')) AS same_kind_before
      FROM evaluation e
      LEFT JOIN score n ON n.cycle_id = e.cycle_id AND n.target_type = e.target_type AND n.target = coalesce(e.group_id, e.campus_id)
      LEFT JOIN score p ON p.cycle_id = (SELECT id FROM y WHERE school_year = '2024-2025') AND p.target_type = e.target_type AND p.target = coalesce(e.group_id, e.campus_id)
      WHERE e.cycle_id = (SELECT id FROM y WHERE school_year = '2025-2026')`);
    const [{ id: cycle }] = await hub.ds.query(`SELECT y.id FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = '640502' AND y.school_year = '2025-2026'`);
    const d = await hub.data(`query($id: ID!) { evaluationCycle(id: $id) { evaluations(first: 500) { totalCount edges { node { id valueAdded } } } } }`, { id: encodeId('EvaluationCycle', cycle) });
    expect(d.evaluationCycle.evaluations.totalCount).toBe(rows.length);
    const got = new Map<string, number | null>(d.evaluationCycle.evaluations.edges.map((e: any) => [e.node.id, e.node.valueAdded]));
    let compared = 0;
    for (const r of rows) {
      const v = got.get(encodeId('Evaluation', r.id));
      if (r.now === null || r.prev === null) expect(v).toBeNull();
      else {
        expect(v).toBeCloseTo(r.now - r.prev, 2);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
    // THIRD_PARTY evaluations whose campus was scored the cycle before, by another kind only:
    // the old rule left them without a valueAdded; they have one now.
    const thirdParty = rows.filter((r: any) => r.evaluator_kind === 'THIRD_PARTY' && r.prev !== null && !r.same_kind_before);
    expect(thirdParty.length).toBeGreaterThan(0);
    for (const r of thirdParty) expect(got.get(encodeId('Evaluation', r.id))).not.toBeNull();
  });

  test('no submitted score in this cycle (drafts only), or none before: null', async () => {
    const d = await hub.data(`{ evaluationCycles(schoolYear: "2026-2027") { edges { node { jurisdiction { code }
      evaluations(first: 500) { edges { node { status valueAdded } } } } } } }`);
    const drafts = d.evaluationCycles.edges.flatMap((e: any) => e.node.evaluations.edges.map((x: any) => x.node));
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts.every((e: any) => e.status === 'DRAFT' && e.valueAdded === null)).toBe(true);
    const first = await hub.data(`{ evaluationCycles(schoolYear: "2024-2025") { edges { node { evaluations(first: 500) { edges { node { valueAdded } } } } } } }`);
    expect(first.evaluationCycles.edges[0].node.evaluations.edges.every((e: any) => e.node.valueAdded === null)).toBe(true);
  });
});

describe("item 1 for bundled results: memberAverage's campuses are those in the group during the cycle's year", () => {
  test('a campus that left in the middle of 2025-2026 still counts in that cycle', async () => {
    const w = await startHub({ writes: true });
    try {
      const [cycle] = await w.ds.query(`SELECT y.id FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = '640502' AND y.school_year = $1`, [YEAR]);
      // A scored member campus of a 640502 group: it leaves on 2026-03-01 (recorded as history).
      const [m] = await w.ds.query(`SELECT m.id, m.group_id, m.campus_id FROM group_membership m JOIN education_group g ON g.id = m.group_id
        JOIN jurisdiction j ON j.id = g.jurisdiction_id
        WHERE j.code = '640502' AND m.role = 'MEMBER' AND m.status = 'ACTIVE' AND m.joined_on < '2025-09-01'
          AND EXISTS (SELECT 1 FROM evaluation e WHERE e.cycle_id = $1 AND e.campus_id = m.campus_id AND e.status IN ('SUBMITTED','CONFIRMED'))
        ORDER BY m.id LIMIT 1`, [cycle.id]);
      await w.ds.query(`UPDATE group_membership SET status = 'EXITED', left_on = '2026-03-01' WHERE id = $1`, [m.id]);
      const scoreOf = async (campus: string) => Number((await w.ds.query(`SELECT avg(total_score) AS s FROM evaluation WHERE cycle_id = $1 AND campus_id = $2 AND status IN ('SUBMITTED','CONFIRMED')`, [cycle.id, campus]))[0].s);
      // Expected from the rule: the mean score over every campus with a day in the group in 2025-2026 (lead included), each once.
      const campuses: Array<{ campus_id: string }> = await w.ds.query(`SELECT DISTINCT m.campus_id FROM group_membership m JOIN education_group g ON g.id = m.group_id
        WHERE m.group_id = $1 AND m.status IN ('ACTIVE','EXITED') AND g.status <> 'PROPOSED'
          AND greatest(m.joined_on, coalesce(g.established_on, '2025-09-01'), '2025-09-01') < least(coalesce(m.left_on, '2026-09-01'), coalesce(g.dissolved_on, '2026-09-01'), '2026-09-01')`, [m.group_id]);
      expect(campuses.map((c) => c.campus_id)).toContain(m.campus_id);
      const scores = (await Promise.all(campuses.map((c) => scoreOf(c.campus_id)))).filter((s) => !Number.isNaN(s));
      const expected = scores.reduce((a, b) => a + b, 0) / scores.length;
      const d = await w.data(`query($id: ID!) { node(id: $id) { ... on EvaluationCycle { groupResults { group { id } memberAverage } } } }`, { id: encodeId('EvaluationCycle', cycle.id) });
      const mine = d.node.groupResults.find((r: any) => r.group.id === encodeId('EducationGroup', m.group_id));
      expect(mine.memberAverage).toBeCloseTo(expected, 2);
      // And the independent computation of the whole cycle agrees.
      const all = await expectedGroupResults(w.ds, cycle.id);
      expect(all.find((r) => r.group_id === m.group_id)?.grade).toBeDefined();
    } finally {
      await w.stop();
    }
  });
});
