import { startHub, TestHub } from './support/hub';

/**
 * Computed figures, each checked against an independent computation from the raw rows
 * (SQL in the test, or arithmetic on other API fields), following DOMAIN.md.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

const groupByName = async (name: string, fields: string) =>
  (await hub.data(`query($n: String) { groups(filter: { nameContains: $n }) { edges { node { id ${fields} } } } }`, { n: name })).groups.edges[0].node;

describe('policy', () => {
  test('each setting comes from the nearest jurisdiction that sets it; the default sets nothing', async () => {
    const d = await hub.data(`{
      sp: jurisdiction(code: "640502") { policy { source { code } coverageTarget coverageDeadline funding { baseAmount campusBands { minStudents amount } } maxMembers { mode maxMembers } } }
      zn: jurisdiction(code: "640521") { policy { source { code } coverageTarget funding { baseAmount } leadershipBands { minSize } maxMembers { mode } } }
      ny: jurisdiction(code: "411373") { policy { source { code } maxMembers { mode maxMembers } coverageTarget coverageDeadline } } }`);
    expect(d.sp.policy).toMatchObject({
      source: { code: '640502' }, coverageTarget: 0.6, coverageDeadline: '2025-12-31',
      funding: { baseAmount: 100000, campusBands: [{ minStudents: 500, amount: 20000 }, { minStudents: 200, amount: 15000 }, { minStudents: 0, amount: 10000 }] },
      maxMembers: [],
    });
    // 中宁县, a sibling county, inherits nothing from 沙坡头区.
    expect(d.zn.policy).toEqual({ source: null, coverageTarget: null, funding: null, leadershipBands: [], maxMembers: [] });
    expect(d.ny.policy.maxMembers).toEqual([
      { mode: 'CLOSE', maxMembers: 3 }, { mode: 'ALLIANCE', maxMembers: 5 }, { mode: 'TRUSTEESHIP', maxMembers: 5 },
    ]);
  });

  test('a city-level setting is inherited per setting and overridden below', async () => {
    const [{ id: city }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = '640500'`);
    await hub.ds.query(`INSERT INTO group_policy (jurisdiction_id, coverage_target, max_members) VALUES ($1, 0.5, '{"ALLIANCE": 8, "CLOSE": 4}')`, [city]);
    try {
      const d = await hub.data(`{
        sp: jurisdiction(code: "640502") { policy { source { code } coverageTarget maxMembers { mode maxMembers } funding { baseAmount } } }
        zn: jurisdiction(code: "640521") { policy { source { code } coverageTarget maxMembers { mode maxMembers } } } }`);
      expect(d.sp.policy).toEqual({
        source: { code: '640502' }, coverageTarget: 0.6, funding: { baseAmount: 100000 },
        maxMembers: [{ mode: 'CLOSE', maxMembers: 4 }, { mode: 'ALLIANCE', maxMembers: 8 }],
      });
      expect(d.zn.policy).toEqual({ source: { code: '640500' }, coverageTarget: 0.5, maxMembers: [{ mode: 'CLOSE', maxMembers: 4 }, { mode: 'ALLIANCE', maxMembers: 8 }] });
    } finally {
      await hub.ds.query(`DELETE FROM group_policy WHERE jurisdiction_id = $1`, [city]);
    }
  });
});

describe('jurisdiction stats', () => {
  test('coverage, grouping and rotation follow DOMAIN.md', async () => {
    const d = await hub.data(`{ j: jurisdiction(code: "640502") { stats(schoolYear: "2025-2026") {
      schoolYear campusCount compulsoryCampusCount groupedCampusCount groupedCompulsoryCampusCount coverageRate coverageTarget
      groupCount crossJurisdictionGroupCount ruralCampusCount groupedRuralCampusCount fullTimeTeacherCount rotationRate postingCount
      resourceCount evaluationGrades { grade count } } }
      city: jurisdiction(code: "640500") { stats(schoolYear: "2025-2026") { campusCount coverageRate rotationRate } } }`);
    const s = d.j.stats;
    const [expected] = await hub.ds.query(`
      WITH c AS (
        SELECT c.*, c.stages && '{PRIMARY,JUNIOR}' AS compulsory,
          EXISTS (SELECT 1 FROM group_membership m JOIN education_group g ON g.id = m.group_id
                  WHERE m.campus_id = c.id AND m.status = 'ACTIVE' AND g.status = 'ACTIVE' AND m.joined_on <= '2026-08-31') AS grouped
        FROM campus c JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE j.code = '640502')
      SELECT count(*)::int AS campuses, count(*) FILTER (WHERE compulsory)::int AS compulsory,
        count(*) FILTER (WHERE grouped)::int AS grouped, count(*) FILTER (WHERE grouped AND compulsory)::int AS gc,
        count(*) FILTER (WHERE urban_rural = 'RURAL')::int AS rural,
        (SELECT count(*) FROM staff s WHERE s.full_time_teacher AND s.home_campus_id IN (SELECT id FROM c))::int AS ft,
        (SELECT count(*) FROM staff s WHERE s.full_time_teacher AND s.home_campus_id IN (SELECT id FROM c WHERE grouped))::int AS ft_grouped,
        (SELECT count(DISTINCT s.id) FROM staff s JOIN posting p ON p.staff_id = s.id
          WHERE s.full_time_teacher AND s.home_campus_id IN (SELECT id FROM c WHERE grouped) AND p.status IN ('ACTIVE','COMPLETED')
            AND p.start_date <= '2026-08-31' AND coalesce(p.end_date, 'infinity') >= '2025-09-01')::int AS ft_posted
      FROM c`);
    expect(s).toMatchObject({
      schoolYear: '2025-2026',
      campusCount: expected.campuses,
      compulsoryCampusCount: expected.compulsory,
      groupedCampusCount: expected.grouped,
      groupedCompulsoryCampusCount: expected.gc,
      ruralCampusCount: expected.rural,
      fullTimeTeacherCount: expected.ft,
      coverageTarget: 0.6,
      groupCount: 5,
      crossJurisdictionGroupCount: 0,
    });
    expect(s.coverageRate).toBeCloseTo(expected.gc / expected.compulsory, 10);
    expect(s.rotationRate).toBeCloseTo(expected.ft_posted / expected.ft_grouped, 10);
    expect(s.coverageRate).toBeGreaterThan(0);
    expect(s.coverageRate).toBeLessThan(1);
    expect(s.evaluationGrades.map((g: any) => g.grade)).toEqual(['EXCELLENT', 'GOOD', 'FAIR', 'FAIL']);
    // The city's figures include its county's (the only one with campuses in the demo).
    expect(d.city.stats).toEqual({ campusCount: s.campusCount, coverageRate: s.coverageRate, rotationRate: s.rotationRate });
  });

  test('the 昆明 city counts its cross-county group', async () => {
    const d = await hub.data(`{ jurisdiction(code: "530100") { stats(schoolYear: "2025-2026") { groupCount crossJurisdictionGroupCount } } }`);
    expect(d.jurisdiction.stats).toEqual({ groupCount: 1, crossJurisdictionGroupCount: 1 });
  });

  test('a malformed school year is bad input naming the argument', async () => {
    const r = await hub.gql(`{ jurisdiction(code: "640502") { stats(schoolYear: "2024-2026") { campusCount } } }`);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'schoolYear' });
  });
});

describe('group figures', () => {
  test('funding follows 沙坡头区 [002]: 100,000 a year plus a band per member campus', async () => {
    const d = await hub.data(`{ jurisdiction(code: "640502") { groups { edges { node { name
      fundingEntitlement(schoolYear: "2025-2026") { schoolYear baseAmount campusAmount total }
      memberships(status: [ACTIVE]) { edges { node { role campus { studentCount } } } } } } } } }`);
    for (const { node } of d.jurisdiction.groups.edges) {
      const bands = node.memberships.edges
        .filter((e: any) => e.node.role === 'MEMBER')
        .map((e: any) => e.node.campus.studentCount)
        .map((n: number) => (n >= 500 ? 20000 : n >= 200 ? 15000 : 10000));
      const campusAmount = bands.reduce((a: number, b: number) => a + b, 0);
      expect(node.fundingEntitlement).toEqual({ schoolYear: '2025-2026', baseAmount: 100000, campusAmount, total: 100000 + campusAmount });
    }
    // No funding rule in 甘州区: nothing granted.
    const gz = await groupByName('甘泉街', 'fundingEntitlement(schoolYear: "2025-2026") { total }');
    expect(gz.fundingEntitlement.total).toBe(0);
    // Before the group was established: nothing.
    const early = await groupByName('第四中学', 'fundingEntitlement(schoolYear: "2021-2022") { total }');
    expect(early.fundingEntitlement.total).toBe(0);
  });

  test('rotation rate, backbone share and the policy target', async () => {
    const g = await groupByName('甘州区北街小学', `stats(schoolYear: "2025-2026") { memberCount fullTimeTeacherCount postingCount rotationRate backboneShareOfPosted meetsRotationTarget }
      policyViolations { rule message }`);
    const [{ group_id }] = await hub.ds.query(`SELECT id AS group_id FROM education_group WHERE name = '甘州区北街小学教育集团'`);
    const [x] = await hub.ds.query(`
      WITH gc AS (SELECT campus_id FROM group_membership WHERE group_id = $1 AND status = 'ACTIVE'),
           posted AS (SELECT DISTINCT p.staff_id FROM posting p WHERE p.group_id = $1 AND p.status IN ('ACTIVE','COMPLETED')
                      AND p.type <> 'SHADOWING' -- 甘州区 does not count 跟岗学习 [004 §四(三)2]
                      AND p.start_date <= '2026-08-31' AND coalesce(p.end_date, 'infinity') >= '2025-09-01')
      SELECT (SELECT count(*) FROM staff WHERE full_time_teacher AND home_campus_id IN (SELECT campus_id FROM gc))::int AS ft,
             (SELECT count(*) FROM staff s JOIN posted ON posted.staff_id = s.id WHERE s.full_time_teacher
                AND s.home_campus_id IN (SELECT campus_id FROM gc))::int AS ft_posted,
             (SELECT count(*) FROM posted)::int AS posted,
             (SELECT count(*) FROM staff s JOIN posted ON posted.staff_id = s.id WHERE s.backbone)::int AS backbone`, [group_id]);
    expect(g.stats.memberCount).toBe(8);
    expect(g.stats.fullTimeTeacherCount).toBe(x.ft);
    expect(g.stats.rotationRate).toBeCloseTo(x.ft_posted / x.ft, 10);
    expect(g.stats.backboneShareOfPosted).toBeCloseTo(x.backbone / x.posted, 10);
    // 甘州区 asks for ≥ 5% a year [004]; this group posted fewer in 2025-2026, the last completed year.
    expect(g.stats.rotationRate).toBeLessThan(0.05);
    expect(g.stats.meetsRotationTarget).toBe(false);
    expect(g.policyViolations.map((v: any) => v.rule)).toContain('minAnnualRotationRate');
  });

  test('caps: historical data over the cap loads and is reported', async () => {
    const g = await groupByName('皇路店镇中心学校', 'mode stats { memberCount } policyViolations { rule message }');
    expect(g.mode).toBe('TRUSTEESHIP');
    expect(g.stats.memberCount).toBe(6);
    expect(g.policyViolations).toEqual([{ rule: 'maxMembers', message: expect.stringContaining('at most 5') }]);
    const ok = await groupByName('南都中学', 'policyViolations { rule }');
    expect(ok.policyViolations).toEqual([]);
  });

  test('resource use figures count the school year, and rural campuses separately', async () => {
    const g = await groupByName('兴仁', 'stats(schoolYear: "2025-2026") { resourceCount resourceUseCount ruralResourceUseCount }');
    const [{ group_id }] = await hub.ds.query(`SELECT id AS group_id FROM education_group WHERE name = '中卫市兴仁教育集团'`);
    const [x] = await hub.ds.query(`
      SELECT count(*)::int AS uses, count(*) FILTER (WHERE c.urban_rural = 'RURAL')::int AS rural
      FROM resource_use u JOIN resource r ON r.id = u.resource_id JOIN resource_library l ON l.id = r.library_id
      JOIN campus c ON c.id = u.campus_id
      WHERE l.group_id = $1 AND r.deleted_at IS NULL AND u.used_at >= '2025-09-01' AND u.used_at < '2026-09-01'`, [group_id]);
    expect(g.stats.resourceUseCount).toBe(x.uses);
    expect(g.stats.ruralResourceUseCount).toBe(x.rural);
    expect(g.stats.ruralResourceUseCount).toBeGreaterThan(0);
  });
});

describe('leadership quota (沙坡头区 bands)', () => {
  test('vice-principals allowed by size; extra posts flagged over quota', async () => {
    const d = await hub.data(`{ jurisdiction(code: "640502") { campuses(first: 100) { edges { node { name studentCount classCount
      school { type } leadershipQuota { principals vicePrincipals filledPrincipals filledVicePrincipals overQuota } } } } } }`);
    const campuses = d.jurisdiction.campuses.edges.map((e: any) => e.node);
    for (const c of campuses) {
      const kg = c.school.type === 'KINDERGARTEN';
      const expected = kg
        ? c.classCount >= 15 ? 2 : c.classCount >= 9 ? 1 : 0
        : c.studentCount >= 1000 ? 3 : c.studentCount >= 500 ? 2 : c.studentCount >= 300 ? 1 : 0;
      expect(c.leadershipQuota.principals).toBe(1);
      expect(c.leadershipQuota.vicePrincipals).toBe(expected);
      expect(c.leadershipQuota.overQuota).toBe(c.leadershipQuota.filledPrincipals > 1 || c.leadershipQuota.filledVicePrincipals > expected);
    }
    expect(campuses.find((c: any) => c.name === '中卫市第四中学').leadershipQuota.overQuota).toBe(true);
  });
});

describe('bundled evaluation (捆绑考核)', () => {
  test('composite = memberAverage × 0.5 + partyBuilding × 0.1 + comprehensive × 0.4, graded by thresholds', async () => {
    const d = await hub.data(`{ jurisdiction(code: "640502") { code } evaluationCycles(first: 20) { edges { node { id schoolYear jurisdiction { code }
      weights { memberAverage partyBuilding comprehensive } gradeThresholds { grade minScore }
      groupResults { group { id name } memberAverage partyBuilding comprehensive composite grade flaggedForReview
        memberEvaluations { totalScore campus { id } } } } } } }`);
    const cycles = d.evaluationCycles.edges.map((e: any) => e.node);
    const sp2526 = cycles.find((c: any) => c.jurisdiction.code === '640502' && c.schoolYear === '2025-2026');
    expect(sp2526.weights).toEqual({ memberAverage: 0.5, partyBuilding: 0.1, comprehensive: 0.4 });
    expect(sp2526.groupResults).toHaveLength(5);
    for (const r of sp2526.groupResults) {
      const byCampus = new Map<string, number[]>();
      for (const e of r.memberEvaluations) byCampus.set(e.campus.id, [...(byCampus.get(e.campus.id) ?? []), e.totalScore]);
      const campusScores = [...byCampus.values()].map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
      const memberAverage = campusScores.reduce((a, b) => a + b, 0) / campusScores.length;
      expect(r.memberAverage).toBeCloseTo(memberAverage, 1);
      expect(r.composite).toBeCloseTo(r.memberAverage * 0.5 + r.partyBuilding * 0.1 + r.comprehensive * 0.4, 1);
      const grade = r.composite >= 90 ? 'EXCELLENT' : r.composite >= 80 ? 'GOOD' : r.composite >= 60 ? 'FAIR' : 'FAIL';
      expect(r.grade).toBe(grade);
    }
    // FAIL in 2024-2025 and again in 2025-2026: flagged for exit or dissolution review.
    const weak = sp2526.groupResults.find((r: any) => r.group.name === '中卫市第七小学教育集团');
    expect(weak.grade).toBe('FAIL');
    expect(weak.flaggedForReview).toBe(true);
    expect(sp2526.groupResults.filter((r: any) => r.flaggedForReview)).toHaveLength(1);
    const sp2425 = cycles.find((c: any) => c.jurisdiction.code === '640502' && c.schoolYear === '2024-2025');
    expect(sp2425.groupResults.find((r: any) => r.group.name === '中卫市第七小学教育集团')).toMatchObject({ grade: 'FAIL', flaggedForReview: false });
  });

  test('partyBuilding and comprehensive are the group evaluation scaled to 100', async () => {
    const d = await hub.data(`{ evaluationCycles(schoolYear: "2025-2026") { edges { node { jurisdiction { code } indicators { key maxScore targetType }
      evaluations(targetType: GROUP) { edges { node { group { id } totalScore scores { indicatorKey score } } } }
      groupResults { group { id } partyBuilding comprehensive } } } } }`);
    const cycle = d.evaluationCycles.edges.map((e: any) => e.node).find((c: any) => c.jurisdiction.code === '620702');
    const groupIndicators = cycle.indicators.filter((i: any) => i.targetType === 'GROUP');
    expect(groupIndicators.reduce((n: number, i: any) => n + i.maxScore, 0)).toBe(100);
    for (const r of cycle.groupResults) {
      const ev = cycle.evaluations.edges.map((e: any) => e.node).find((e: any) => e.group.id === r.group.id);
      const party = ev.scores.find((s: any) => s.indicatorKey === 'party_building').score;
      expect(r.partyBuilding).toBeCloseTo((party / 10) * 100, 1);
      expect(r.comprehensive).toBeCloseTo(((ev.totalScore - party) / 90) * 100, 1);
    }
  });

  test('valueAdded compares with the same target in the bureau\'s previous cycle', async () => {
    const d = await hub.data(`{ evaluationCycles { edges { node { schoolYear jurisdiction { code }
      evaluations(first: 500) { edges { node { targetType evaluatorKind totalScore valueAdded grade group { id } campus { id } } } } } } } }`);
    const cycles = d.evaluationCycles.edges.map((e: any) => e.node).filter((c: any) => c.jurisdiction.code === '640502');
    const y1 = cycles.find((c: any) => c.schoolYear === '2024-2025').evaluations.edges.map((e: any) => e.node);
    const y2 = cycles.find((c: any) => c.schoolYear === '2025-2026').evaluations.edges.map((e: any) => e.node);
    // A target's score: the mean of its (here all CONFIRMED) evaluations' totals, any evaluator kind.
    const key = (e: any) => `${e.targetType}:${e.group?.id ?? e.campus?.id}`;
    const scores = (es: any[]) => {
      const m = new Map<string, number[]>();
      for (const e of es) m.set(key(e), [...(m.get(key(e)) ?? []), e.totalScore]);
      return new Map([...m].map(([k, xs]) => [k, xs.reduce((a, b) => a + b, 0) / xs.length]));
    };
    const before = scores(y1);
    const now = scores(y2);
    let compared = 0;
    for (const e of y2) {
      const prev = before.get(key(e));
      if (prev === undefined) expect(e.valueAdded).toBeNull();
      else {
        expect(e.valueAdded).toBeCloseTo(now.get(key(e))! - (prev as number), 2);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
    expect(y1.every((e: any) => e.valueAdded === null)).toBe(true);
  });
});
