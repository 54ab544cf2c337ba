import { As, startHub, TestHub } from './support/hub';
import { PolicySettings1733700000000 } from '../server/db/migrations/1733700000000-PolicySettings';

/**
 * Issue 11, items 4, 8 and 9: the posting types that count toward rotation are a policy
 * setting; settings that belong together are set and inherited whole and say who set them;
 * coverage covers the school stages its setting names, counted in schools. Every expected
 * figure is computed here from the raw rows by the rule of DOMAIN.md.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
const SET = `mutation($code: String!, $input: GroupPolicyInput!) { setGroupPolicy(jurisdictionCode: $code, input: $input) {
  source { code } rotationSource { code } coverageSource { code } fundingSource { code } leadershipSource { code }
  maxMembers { mode maxMembers source { code } }
  minAnnualRotationRate minBackboneShareOfPosted rotationPostingTypes coverageTarget coverageDeadline coverageStages
  funding { baseAmount campusBands { minStudents amount } } } }`;
const set = (code: string, input: Record<string, unknown>) => hub.as(bureauOf(code)).gql(SET, { code, input });
const policyOf = async (code: string) => (await hub.data(`query($c: String!) { jurisdiction(code: $c) { policy {
  source { code } rotationSource { code } coverageSource { code } fundingSource { code } leadershipSource { code }
  maxMembers { mode maxMembers source { code } }
  minAnnualRotationRate minBackboneShareOfPosted rotationPostingTypes coverageTarget coverageDeadline coverageStages
  funding { baseAmount campusBands { minStudents amount } } } } }`, { c: code })).jurisdiction.policy;

const ALL_TYPES = ['ROTATION', 'SECONDMENT', 'SHADOWING', 'TEACHING_SUPPORT'];
// 2025-2026 is the last completed school year on the tests' day (2026-11-23).
const YEAR = { label: '2025-2026', start: '2025-09-01', after: '2026-09-01', end: '2026-08-31' };

/**
 * Rotation of 甘州区's groups in 2025-2026 from the raw rows (DOMAIN.md Postings): full-time
 * teachers of campuses that were members on some day of the year; posted when a posting of the
 * group that took place (ACTIVE, COMPLETED) overlaps their campus's membership in the year and
 * its type is one of `types`. Backbone share: backbone staff among distinct staff with such a posting.
 */
async function gzRotation(types: string[]): Promise<Map<string, { ft: number; posted: number; rate: number | null; backbone: number | null }>> {
  const rows = await hub.ds.query(`
    WITH span AS (
      SELECT g.id AS group_id, g.name, m.campus_id,
        greatest(m.joined_on, coalesce(g.established_on, $2::date), $2::date) AS f,
        least(coalesce(m.left_on, $3::date), coalesce(g.dissolved_on, $3::date), $3::date) AS u
      FROM education_group g JOIN jurisdiction j ON j.id = g.jurisdiction_id JOIN group_membership m ON m.group_id = g.id
      WHERE j.code = '620702' AND g.status <> 'PROPOSED' AND m.status IN ('ACTIVE', 'EXITED')),
    t AS (
      SELECT sp.group_id, sp.name, st.id, bool_or(EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = st.id AND p.group_id = sp.group_id
        AND p.status IN ('ACTIVE', 'COMPLETED') AND p.type = ANY($1::text[]) AND p.start_date < sp.u AND coalesce(p.end_date, 'infinity') >= sp.f)) AS posted
      FROM span sp JOIN staff st ON st.home_campus_id = sp.campus_id AND st.full_time_teacher WHERE sp.u > sp.f GROUP BY 1, 2, 3),
    b AS (
      SELECT g.id AS group_id, count(DISTINCT p.staff_id)::int AS staff, count(DISTINCT p.staff_id) FILTER (WHERE s.backbone)::int AS backbone
      FROM education_group g JOIN posting p ON p.group_id = g.id JOIN staff s ON s.id = p.staff_id
      WHERE p.status IN ('ACTIVE', 'COMPLETED') AND p.type = ANY($1::text[])
        AND p.start_date < least(coalesce(g.dissolved_on, $3::date), $3::date)
        AND coalesce(p.end_date, 'infinity') >= greatest(coalesce(g.established_on, $2::date), $2::date)
      GROUP BY 1)
    SELECT t.name, count(*)::int AS ft, count(*) FILTER (WHERE t.posted)::int AS posted, max(b.staff) AS staff, max(b.backbone) AS backbone
    FROM t LEFT JOIN b ON b.group_id = t.group_id GROUP BY t.name`, [types, YEAR.start, YEAR.after]);
  return new Map(rows.map((r: any) => [r.name, {
    ft: r.ft, posted: r.posted, rate: r.ft > 0 ? r.posted / r.ft : null, backbone: r.staff ? r.backbone / r.staff : null,
  }]));
}

const GZ_GROUPS = `{ jurisdiction(code: "620702") {
  stats(schoolYear: "${YEAR.label}") { rotationRate fullTimeTeacherCount }
  groups { edges { node { name stats(schoolYear: "${YEAR.label}") { rotationRate backboneShareOfPosted meetsRotationTarget } policyViolations { rule } } } } } }`;

describe('item 4: the posting types that count toward rotation are a policy setting', () => {
  test('甘州区 counts neither SHADOWING (跟岗学习) in its groups\' rates, violations nor its own rate', async () => {
    const p = await policyOf('620702');
    // 004 §四(三)2: 骨干教师柔性流动, 普通教师交流轮岗, 急缺教师送教走教; not 跟岗学习.
    expect(p.rotationPostingTypes).toEqual(['ROTATION', 'SECONDMENT', 'TEACHING_SUPPORT']);
    const counted = p.rotationPostingTypes as string[];
    const [without, withShadowing] = await Promise.all([gzRotation(counted), gzRotation(ALL_TYPES)]);
    const d = await hub.data(GZ_GROUPS);
    const groups = d.jurisdiction.groups.edges.map((e: any) => e.node);
    expect(groups.map((g: any) => g.name).sort()).toEqual([...without.keys()].sort());
    for (const g of groups) {
      const x = without.get(g.name)!;
      expect(g.stats.rotationRate).toBeCloseTo(x.rate!, 12);
      expect(g.stats.backboneShareOfPosted).toBeCloseTo(x.backbone!, 12);
      const failsRate = x.rate! < p.minAnnualRotationRate;
      expect(g.policyViolations.map((v: any) => v.rule).includes('minAnnualRotationRate')).toBe(failsRate);
      expect(g.stats.meetsRotationTarget).toBe(!failsRate && x.backbone! >= p.minBackboneShareOfPosted);
    }
    // The 5% rule [004]: how many of the groups fall short, with and without SHADOWING counted.
    const failing = (m: Map<string, { rate: number | null }>) => [...m.values()].filter((x) => x.rate! < p.minAnnualRotationRate).length;
    const apiFailing = groups.filter((g: any) => g.stats.rotationRate < p.minAnnualRotationRate).length;
    expect(apiFailing).toBe(failing(without));
    expect(failing(without)).toBeGreaterThan(failing(withShadowing)); // the setting matters in the demo (issue: 5 of 6, not 1)
    // The county's own rotation rate counts the same postings (its groups' rule).
    const [j] = await hub.ds.query(`
      SELECT count(DISTINCT s.id) FILTER (WHERE EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id
               AND p.status IN ('ACTIVE','COMPLETED') AND p.type = ANY($1::text[]) AND p.start_date < $3::date AND coalesce(p.end_date, 'infinity') >= $2::date))::int AS posted,
             count(DISTINCT s.id)::int AS ft
      FROM staff s JOIN campus c ON c.id = s.home_campus_id JOIN jurisdiction jj ON jj.id = c.jurisdiction_id
      WHERE jj.code = '620702' AND s.full_time_teacher AND EXISTS (SELECT 1 FROM group_membership m JOIN education_group g ON g.id = m.group_id
        WHERE m.campus_id = c.id AND m.status IN ('ACTIVE','EXITED') AND g.status <> 'PROPOSED'
          AND m.joined_on < $3::date AND coalesce(m.left_on, $3::date) > $2::date)`, [counted, YEAR.start, YEAR.after]);
    expect(j.posted).toBeGreaterThan(0);
    expect(d.jurisdiction.stats.rotationRate).toBeCloseTo(j.posted / j.ft, 12);
  });

  test('inherited like the other settings: a county that clears its rotation rule gets the city\'s whole rule', async () => {
    const city = await set('620700', { minAnnualRotationRate: 0.06, rotationPostingTypes: ['ROTATION'] });
    expect(city.errors).toBeUndefined();
    const cleared = await set('620702', { clear: ['ROTATION'] });
    expect(cleared.errors).toBeUndefined();
    const p = cleared.data!.setGroupPolicy;
    // The city's rule as a whole: its rate, its types, and no backbone minimum (the city sets none).
    expect(p).toMatchObject({ rotationSource: { code: '620700' }, minAnnualRotationRate: 0.06, minBackboneShareOfPosted: null, rotationPostingTypes: ['ROTATION'] });
    const onlyRotation = await gzRotation(['ROTATION']);
    const d = await hub.data(GZ_GROUPS);
    for (const { node: g } of d.jurisdiction.groups.edges) {
      const x = onlyRotation.get(g.name)!;
      expect(g.stats.rotationRate).toBeCloseTo(x.rate!, 12);
      expect(g.stats.meetsRotationTarget).toBe(x.rate! >= 0.06);
    }
    // Every type counts again where no rotation rule lists types (the built-in default).
    await set('620700', { clear: ['ROTATION'] });
    expect((await policyOf('620702')).rotationPostingTypes).toEqual(ALL_TYPES);
    const all = await gzRotation(ALL_TYPES);
    const again = await hub.data(GZ_GROUPS);
    for (const { node: g } of again.jurisdiction.groups.edges) expect(g.stats.rotationRate).toBeCloseTo(all.get(g.name)!.rate!, 12);
    // Restore 甘州区's own rule.
    const back = await set('620702', { minAnnualRotationRate: 0.05, minBackboneShareOfPosted: 0.2, rotationPostingTypes: ['ROTATION', 'SECONDMENT', 'TEACHING_SUPPORT'] });
    expect(back.data!.setGroupPolicy.rotationSource).toEqual({ code: '620702' });
  });

  test('bad posting type lists name the field', async () => {
    const r = await set('620702', { rotationPostingTypes: [] });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.rotationPostingTypes' });
    const dup = await set('620702', { rotationPostingTypes: ['ROTATION', 'ROTATION'] });
    expect(dup.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.rotationPostingTypes' });
  });
});

describe('item 8: settings are set and inherited whole, and say who set them', () => {
  test('the demo names who set each setting', async () => {
    const sp = await policyOf('640502');
    expect(sp).toMatchObject({
      source: { code: '640502' }, coverageSource: { code: '640502' }, fundingSource: { code: '640502' }, leadershipSource: { code: '640502' },
      rotationSource: null, rotationPostingTypes: ALL_TYPES, coverageStages: ['PRIMARY', 'JUNIOR'],
    });
    const ny = await policyOf('411373');
    expect(ny.maxMembers.map((l: any) => l.source.code)).toEqual(['411373', '411373', '411373']);
    expect(ny.fundingSource).toBeNull();
  });

  test('coverage target and deadline come from one jurisdiction; a county does not borrow a deadline', async () => {
    expect((await set('640500', { coverageTarget: 0.5, coverageDeadline: '2027-12-31', fundingBaseAmount: 80000, fundingBands: [{ minStudents: 0, amount: 5000 }] })).errors).toBeUndefined();
    // 中宁县 (640521) sets nothing: it inherits the city's coverage as a whole.
    expect(await policyOf('640521')).toMatchObject({ source: { code: '640500' }, coverageSource: { code: '640500' }, coverageTarget: 0.5, coverageDeadline: '2027-12-31' });
    // A deadline alone would pair with the city's target, a pair nobody set: refused, naming the field.
    const bad = await set('640521', { coverageDeadline: '2026-06-30' });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.coverageDeadline' });
    // Its own target alone: its own coverage setting, without the city's deadline.
    const own = (await set('640521', { coverageTarget: 0.9 })).data!.setGroupPolicy;
    expect(own).toMatchObject({ source: { code: '640521' }, coverageSource: { code: '640521' }, coverageTarget: 0.9, coverageDeadline: null, coverageStages: ['PRIMARY', 'JUNIOR'] });
    // Its own base amount alone: its own funding rule, without the city's bands.
    const fund = (await set('640521', { fundingBaseAmount: 50000 })).data!.setGroupPolicy;
    expect(fund).toMatchObject({ fundingSource: { code: '640521' }, funding: { baseAmount: 50000, campusBands: [] } });
    // 沙坡头区 edits its own target: its own deadline stays.
    const sp = (await set('640502', { coverageTarget: 0.7 })).data!.setGroupPolicy;
    expect(sp).toMatchObject({ coverageTarget: 0.7, coverageDeadline: '2025-12-31', coverageSource: { code: '640502' } });
    // Clearing the target clears the whole coverage setting: the city's pair applies.
    const cleared = (await set('640502', { coverageTarget: null })).data!.setGroupPolicy;
    expect(cleared).toMatchObject({ coverageTarget: 0.5, coverageDeadline: '2027-12-31', coverageSource: { code: '640500' }, fundingSource: { code: '640502' } });
    const [row] = await hub.ds.query(`SELECT coverage_target, coverage_deadline FROM group_policy p JOIN jurisdiction j ON j.id = p.jurisdiction_id WHERE j.code = '640502'`);
    expect(row).toEqual({ coverage_target: null, coverage_deadline: null });
  });

  test('a bureau that clears every setting no longer sources anything', async () => {
    expect((await set('640500', { maxMembers: [{ mode: 'ALLIANCE', maxMembers: 7 }] })).errors).toBeUndefined();
    const before = await policyOf('640502');
    expect(before.source).toEqual({ code: '640502' });
    const all = ['MAX_MEMBERS', 'ROTATION', 'COVERAGE', 'FUNDING', 'LEADERSHIP'];
    const r = (await set('640502', { clear: all })).data!.setGroupPolicy;
    // Each setting now comes whole from the city (or nobody), and so does `source`.
    expect(r).toMatchObject({
      source: { code: '640500' }, coverageSource: { code: '640500' }, fundingSource: { code: '640500' }, leadershipSource: null, rotationSource: null,
      maxMembers: [{ mode: 'ALLIANCE', maxMembers: 7, source: { code: '640500' } }], funding: { baseAmount: 80000, campusBands: [{ minStudents: 0, amount: 5000 }] },
    });
    const rows = await hub.ds.query(`SELECT 1 FROM group_policy p JOIN jurisdiction j ON j.id = p.jurisdiction_id WHERE j.code = '640502'`);
    expect(rows).toHaveLength(0);
    const audit = await hub.data(`{ auditLog(first: 1) { edges { node { action entityType } } } }`);
    expect(audit.auditLog.edges[0].node).toEqual({ action: 'setGroupPolicy', entityType: 'GroupPolicy' });
    // With the city's settings gone too, nothing sources anything: the built-in default.
    await set('640500', { clear: all });
    expect(await policyOf('640502')).toMatchObject({ source: null, coverageTarget: null, funding: null, maxMembers: [], coverageStages: ['PRIMARY', 'JUNIOR'] });
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM group_policy p JOIN jurisdiction j ON j.id = p.jurisdiction_id WHERE j.code IN ('640500', '640502')`);
    expect(n).toBe(0);
  });

  test('a setting cannot be both cleared and set', async () => {
    const r = await set('640521', { clear: ['COVERAGE'], coverageTarget: 0.3 });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.coverageTarget' });
  });

  test('racing changes never leave a deadline without its own target', async () => {
    const code = '640522'; // 海原县: no settings of its own
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([
        set(code, { coverageTarget: 0.4, coverageDeadline: `202${round}-12-31` }),
        set(code, { coverageTarget: null }),
        set(code, { coverageDeadline: `203${round}-06-30` }),
        set(code, { clear: ['COVERAGE'] }),
      ]);
      for (const r of results) if (r.errors) expect(r.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.coverageDeadline' });
      const rows = await hub.ds.query(`SELECT coverage_target, coverage_deadline FROM group_policy p JOIN jurisdiction j ON j.id = p.jurisdiction_id WHERE j.code = $1`, [code]);
      for (const row of rows) expect(row.coverage_target !== null || row.coverage_deadline === null).toBe(true);
      const p = await policyOf(code);
      if (p.coverageDeadline !== null) expect(p.coverageSource).toEqual({ code });
    }
  });
});

/**
 * Coverage from the raw rows (DOMAIN.md, item 9): schools with a campus in the area teaching one
 * of `stages`; covered when every such campus is a member of a group on the year's last day.
 */
async function coverageFromRows(code: string, stages: string[]) {
  const [r] = await hub.ds.query(`
    WITH c AS (
      SELECT c.school_id, EXISTS (SELECT 1 FROM group_membership m JOIN education_group g ON g.id = m.group_id
        WHERE m.campus_id = c.id AND m.status IN ('ACTIVE','EXITED') AND m.joined_on <= $3::date AND (m.left_on IS NULL OR m.left_on > $3::date)
          AND g.status <> 'PROPOSED' AND (g.dissolved_on IS NULL OR g.dissolved_on > $3::date)) AS grouped
      FROM campus c JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = c.jurisdiction_id JOIN jurisdiction j ON j.id = ja.ancestor_id
      WHERE j.code = $1 AND c.stages && $2::text[])
    SELECT count(DISTINCT school_id)::int AS schools,
      (SELECT count(*) FROM (SELECT school_id FROM c GROUP BY 1 HAVING bool_and(grouped)) x)::int AS covered FROM c`, [code, stages, YEAR.end]);
  return r as { schools: number; covered: number };
}

const STATS = `query($c: String!) { jurisdiction(code: $c) { policy { coverageStages } stats(schoolYear: "${YEAR.label}") {
  coverageRate coverageTarget coverageStages coverageSchoolCount coveredSchoolCount compulsoryCampusCount groupedCompulsoryCampusCount } } }`;

describe('item 9: coverage covers the school stages of its setting, counted in schools', () => {
  test('甘州区 covers 义务教育 and 高中阶段 schools; 沙坡头区 compulsory ones by default', async () => {
    const gz = (await hub.data(STATS, { c: '620702' })).jurisdiction;
    expect(gz.policy.coverageStages).toEqual(['PRIMARY', 'JUNIOR', 'SENIOR', 'VOCATIONAL']);
    const x = await coverageFromRows('620702', gz.policy.coverageStages);
    const compulsory = await coverageFromRows('620702', ['PRIMARY', 'JUNIOR']);
    expect(x.schools).toBeGreaterThan(compulsory.schools); // 高中阶段 schools count too
    expect(gz.stats).toMatchObject({ coverageStages: gz.policy.coverageStages, coverageSchoolCount: x.schools, coveredSchoolCount: x.covered, coverageTarget: 1 });
    expect(gz.stats.coverageRate).toBeCloseTo(x.covered / x.schools, 12);
    const ny = (await hub.data(STATS, { c: '411373' })).jurisdiction;
    const y = await coverageFromRows('411373', ['PRIMARY', 'JUNIOR']);
    expect(ny.stats).toMatchObject({ coverageStages: ['PRIMARY', 'JUNIOR'], coverageSchoolCount: y.schools, coveredSchoolCount: y.covered });
    expect(ny.stats.coverageRate).toBeCloseTo(y.covered / y.schools, 12);
  });

  test('a school is covered only when all its sections of those stages are in a group', async () => {
    // 张掖市第一中学: 初中部 and 小学部 in different groups [004]. Its 小学部 leaves its group.
    const [m] = await hub.ds.query(`SELECT m.id FROM group_membership m JOIN campus c ON c.id = m.campus_id JOIN school s ON s.id = c.school_id
      WHERE s.name = '张掖市第一中学' AND c.name = '小学部' AND m.status = 'ACTIVE'`);
    expect(m).toBeDefined();
    const before = (await hub.data(STATS, { c: '620702' })).jurisdiction.stats;
    await hub.ds.query(`UPDATE group_membership SET status = 'EXITED', left_on = '2026-03-01' WHERE id = $1`, [m.id]);
    try {
      const after = (await hub.data(STATS, { c: '620702' })).jurisdiction.stats;
      const x = await coverageFromRows('620702', after.coverageStages);
      expect(after).toMatchObject({ coverageSchoolCount: x.schools, coveredSchoolCount: x.covered });
      expect(after.coveredSchoolCount).toBe(before.coveredSchoolCount - 1); // its 初中部 is still grouped, the school is not covered
      expect(after.coverageRate).toBeCloseTo(x.covered / x.schools, 12);
      expect(after.groupedCompulsoryCampusCount).toBe(before.groupedCompulsoryCampusCount - 1);
    } finally {
      await hub.ds.query(`UPDATE group_membership SET status = 'ACTIVE', left_on = NULL WHERE id = $1`, [m.id]);
    }
  });

  test('the stages are part of the coverage setting: set with the target, inherited with it', async () => {
    const only = (await set('620702', { coverageStages: ['SENIOR', 'VOCATIONAL'] })).data!.setGroupPolicy;
    expect(only).toMatchObject({ coverageTarget: 1, coverageDeadline: '2024-12-31', coverageStages: ['SENIOR', 'VOCATIONAL'] });
    const senior = (await hub.data(STATS, { c: '620702' })).jurisdiction.stats;
    const x = await coverageFromRows('620702', ['SENIOR', 'VOCATIONAL']);
    expect(x.schools).toBeGreaterThan(0);
    expect(senior).toMatchObject({ coverageSchoolCount: x.schools, coveredSchoolCount: x.covered });
    // 张掖市 (620700) sets no coverage: it measures compulsory schools, 甘州区's among them.
    const city = (await hub.data(STATS, { c: '620700' })).jurisdiction.stats;
    const c = await coverageFromRows('620700', ['PRIMARY', 'JUNIOR']);
    expect(city).toMatchObject({ coverageStages: ['PRIMARY', 'JUNIOR'], coverageSchoolCount: c.schools, coveredSchoolCount: c.covered, coverageTarget: null });
    // Stages without a target of one's own would pair with someone else's target: refused.
    const bad = await set('620700', { coverageStages: ['SENIOR'] });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.coverageStages' });
    await set('620702', { coverageStages: ['PRIMARY', 'JUNIOR', 'SENIOR', 'VOCATIONAL'] });
  });
});

describe('item 8: the upgrade (migration 1733700000000) keeps the policy in force', () => {
  test('rows that set part of a setting get the parts they borrowed; rows that set nothing go', async () => {
    const old = await startHub({ writes: true });
    try {
      const qr = old.ds.createQueryRunner();
      const migration = new PolicySettings1733700000000();
      await migration.down(qr); // the table as it was: each column inherited on its own
      const id = async (code: string) => (await old.ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [code]))[0].id;
      const ins = (code: string, cols: Record<string, unknown>) => id(code).then((j) => old.ds.query(
        `INSERT INTO group_policy (${['jurisdiction_id', ...Object.keys(cols)].join(', ')}) VALUES (${[j, ...Object.values(cols)].map((_, i) => `$${i + 1}`).join(', ')})`, [j, ...Object.values(cols)]));
      await ins('640500', { coverage_target: 0.5, coverage_deadline: '2027-12-31', funding_base_amount: 80000, funding_bands: JSON.stringify([{ minStudents: 0, amount: 5000 }]), min_annual_rotation_rate: 0.06, min_backbone_share_of_posted: 0.3 });
      await ins('640521', { coverage_deadline: '2026-06-30', funding_base_amount: 50000 });
      await ins('640522', { coverage_target: 0.9, min_backbone_share_of_posted: 0.25 });
      await ins('640000', {}); // sets nothing
      await ins('530128', { coverage_deadline: '2026-06-30' }); // a deadline with no target anywhere above
      // The policy in force before the upgrade, by the old rule: each column from the nearest row that sets it.
      const COLS = ['coverage_target', 'coverage_deadline', 'funding_base_amount', 'funding_bands', 'min_annual_rotation_rate', 'min_backbone_share_of_posted'];
      const inForce = (code: string) => old.ds.query(`SELECT ${COLS.map((c) => `(SELECT p.${c} FROM jurisdiction_ancestor ja JOIN group_policy p ON p.jurisdiction_id = ja.ancestor_id
        JOIN jurisdiction j ON j.id = ja.jurisdiction_id WHERE j.code = $1 AND p.${c} IS NOT NULL ORDER BY ja.depth LIMIT 1) AS ${c}`).join(', ')}`, [code]).then((r) => r[0]);
      const before = { zn: await inForce('640521'), hy: await inForce('640522') };
      await migration.up(qr);
      await qr.release();
      const policy = async (code: string) => (await old.data(`query($c: String!) { jurisdiction(code: $c) { policy { source { code } coverageSource { code } fundingSource { code } rotationSource { code }
        coverageTarget coverageDeadline funding { baseAmount campusBands { minStudents amount } } minAnnualRotationRate minBackboneShareOfPosted } } }`, { c: code })).jurisdiction.policy;
      for (const [code, was] of [['640521', before.zn], ['640522', before.hy]] as const) {
        const now = await policy(code);
        expect(now).toMatchObject({
          source: { code }, coverageSource: { code },
          coverageTarget: Number(was.coverage_target), coverageDeadline: was.coverage_deadline,
          funding: { baseAmount: was.funding_base_amount, campusBands: was.funding_bands },
          minAnnualRotationRate: Number(was.min_annual_rotation_rate), minBackboneShareOfPosted: Number(was.min_backbone_share_of_posted),
        });
      }
      expect(await policy('640521')).toMatchObject({ fundingSource: { code: '640521' }, rotationSource: { code: '640500' }, coverageTarget: 0.5, coverageDeadline: '2026-06-30' });
      expect(await policy('640522')).toMatchObject({ fundingSource: { code: '640500' }, rotationSource: { code: '640522' }, coverageDeadline: '2027-12-31' });
      // The empty row and the deadline paired with nothing are gone: 禄劝 sources nothing.
      const left = await old.ds.query(`SELECT j.code FROM group_policy p JOIN jurisdiction j ON j.id = p.jurisdiction_id WHERE j.code IN ('640000', '530128')`);
      expect(left).toEqual([]);
      expect(await policy('530128')).toMatchObject({ source: null, coverageTarget: null, coverageDeadline: null });
    } finally {
      await old.stop();
    }
  });
});
