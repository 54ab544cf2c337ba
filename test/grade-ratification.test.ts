import { callerKeys, entityKeys } from '../server/access/audience';
import { Caller } from '../server/access/caller';
import { EntityKind, Scope } from '../server/access/scope';
import { Db } from '../server/db/datasource';
import { raw, sql } from '../server/db/sql';
import { encodeId } from '../server/graphql/ids';
import { JurisdictionDirectory } from '../server/jurisdictions/directory';
import { countGrades, expectedGroupResults } from './support/grades';
import { As, startHub, TestHub } from './support/hub';

/**
 * Ratifying grades (核定考核等次 [002 §六(五), §八(二)]) end to end over HTTP, on a database of
 * its own: computed grades, an override with its reason, publication, refusals after it, audit
 * and feed entries, two consecutive published FAILs opening a review case (整改), and the
 * supervising bureau's decision (other bureaus FORBIDDEN).
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
const sp = () => hub.as(bureauOf('640502'));
const groupAdmin = (uuid: string): As => ({ sub: 't:group-admin', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', uuid) });

const RATIFY = `mutation($input: RatifyGroupGradeInput!) { ratifyGroupGrade(input: $input) { id grade computedGrade overridden overrideReason publishedAt composite } }`;
const PUBLISH = `mutation($id: ID!) { publishCycleResults(cycleId: $id) { id publishedAt status } }`;
const RESULTS = `query($id: ID!) { evaluationCycle(id: $id) { publishedAt groupResults { group { id name } composite grade publishedGrade flaggedForReview
  ratification { grade overridden overrideReason publishedAt } reviewCase { id status rectificationDeadline } } } }`;
const DECIDE = `mutation($input: DecideReviewCaseInput!) { decideReviewCase(input: $input) { id status decisionReason decidedBy group { status } exitedCampuses { id } } }`;

let cycle2425: string;
let cycle2526: string;
let open2627: string;
let weak: string; // 中卫市第七小学教育集团: FAIL in both years
let overridden: string; // a group the bureau ratifies with another grade than the computed one in 2025-2026
let computedOfOverridden: string;
let ratifiedOfOverridden: string;
let failedByBureau: string; // a group the bureau ratifies FAIL in both years (a second review case)

beforeAll(async () => {
  const cycles = await hub.ds.query(`SELECT y.id, y.school_year FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = '640502'`);
  const id = (year: string) => encodeId('EvaluationCycle', cycles.find((c: any) => c.school_year === year).id);
  [cycle2425, cycle2526, open2627] = [id('2024-2025'), id('2025-2026'), id('2026-2027')];
  [{ id: weak }] = await hub.ds.query(`SELECT id FROM education_group WHERE name = '中卫市第七小学教育集团'`);
  const expected = await expectedGroupResults(hub.ds, cycles.find((c: any) => c.school_year === '2025-2026').id);
  // Two groups graded above FAIL by the composite rule: one the bureau grades otherwise, one it grades FAIL.
  const passing = expected.filter((r) => r.grade !== null && r.grade !== 'FAIL');
  overridden = passing[0].group_id;
  computedOfOverridden = passing[0].grade!;
  ratifiedOfOverridden = computedOfOverridden === 'GOOD' ? 'FAIR' : 'GOOD';
  failedByBureau = passing[1].group_id;
});

/** A later day on the same database: the same hub code, another "today". */
async function later(day: string): Promise<TestHub> {
  return startHub({ databaseUrl: hub.databaseUrl, http: { fixedNow: new Date(`${day}T10:00:00+08:00`) } });
}

describe('ratifying grades (核定考核等次)', () => {
  test('overrides need a closed cycle, its own bureau and a reason', async () => {
    const input = { cycleId: cycle2526, groupId: encodeId('EducationGroup', overridden), grade: ratifiedOfOverridden, reason: '集团化办学考核工作领导小组讨论决定：帮扶成效突出' };
    const open = await sp().gql(RATIFY, { input: { ...input, cycleId: open2627 } });
    expect(open.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.cycleId' });
    const city = await hub.as(bureauOf('640500')).gql(RATIFY, { input });
    expect(city.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const far = await hub.as(bureauOf('620702')).gql(RATIFY, { input });
    expect(far.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const admin = await hub.as(groupAdmin(overridden)).gql(RATIFY, { input });
    expect(admin.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const noReason = await sp().gql(RATIFY, { input: { ...input, reason: null } });
    expect(noReason.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.reason' });
    const notEvaluated = await sp().gql(RATIFY, { input: { ...input, groupId: encodeId('EducationGroup', '00000000-0000-7000-8000-000000000000') } });
    expect(notEvaluated.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.groupId' });

    const g = (await sp().data(RATIFY, { input })).ratifyGroupGrade;
    expect(g).toMatchObject({ grade: ratifiedOfOverridden, computedGrade: computedOfOverridden, overridden: true, overrideReason: input.reason, publishedAt: null });
    // The bureau's FAIL for another group, in both years (computed above FAIL in 2025-2026).
    for (const cycleId of [cycle2425, cycle2526]) {
      await sp().data(RATIFY, { input: { cycleId, groupId: encodeId('EducationGroup', failedByBureau), grade: 'FAIL', reason: '整改不到位，领导小组认定不合格' } });
    }
    // A draft is the bureau's: the group's admin does not see it yet, in lists or on the feed.
    const adminView = await hub.as(groupAdmin(overridden)).data(RESULTS, { id: cycle2526 });
    expect(adminView.evaluationCycle.groupResults.find((r: any) => r.group.id === encodeId('EducationGroup', overridden)).ratification).toBeNull();
  });

  test('publishing makes grades official and immutable; audited, fed, counted in the jurisdiction\'s figures', async () => {
    const head = async (who: As) => (await hub.as(who).data(`{ changes(first: 0) { endCursor } }`)).changes.endCursor as string;
    // The feed serves a transaction's entries once no older transaction runs (in the whole
    // server: other suites may be writing): read until the last write of this test is served.
    const feedOf = async (who: As, after: string, until: (feed: any[]) => boolean = (f) => f.some((c) => c.entityType === 'ReviewCase')) => {
      for (let tries = 0; ; tries++) {
        const feed = (await hub.as(who).data(`query($after: String) { changes(after: $after, first: 5000, entityTypes: ["GroupGrade", "ReviewCase", "EvaluationCycle"]) { changes { entityType entityId operation } } }`, { after })).changes.changes;
        if (until(feed) || tries === 50) return feed;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const [bureauHead, adminHead, farHead] = await Promise.all([head(bureauOf('640502')), head(groupAdmin(weak)), head(bureauOf('620702'))]);

    // Published out of order: 2025-2026 first (no review case yet: 2024-2025 is not official), then 2024-2025.
    const before = await sp().data(RESULTS, { id: cycle2526 });
    const computed = new Map(before.evaluationCycle.groupResults.map((r: any) => [r.group.id, r.grade]));
    expect(before.evaluationCycle.groupResults.every((r: any) => r.publishedGrade === null)).toBe(true);
    // A rectification deadline must lie ahead: a past one is refused, naming it, and nothing is published.
    const pastDeadline = await sp().gql(`mutation($id: ID!) { publishCycleResults(cycleId: $id, rectificationDeadline: "2026-01-01") { id } }`, { id: cycle2526 });
    expect(pastDeadline.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'rectificationDeadline' });
    expect((await hub.ds.query(`SELECT count(*)::int AS n FROM group_grade WHERE published_at IS NOT NULL`))[0].n).toBe(0);
    const published = (await sp().data(PUBLISH, { id: cycle2526 })).publishCycleResults;
    expect(published).toMatchObject({ status: 'CLOSED' });
    expect(published.publishedAt).not.toBeNull();
    expect((await hub.ds.query(`SELECT count(*)::int AS n FROM review_case`))[0].n).toBe(0);
    await sp().data(PUBLISH, { id: cycle2425 });

    const after = (await sp().data(RESULTS, { id: cycle2526 })).evaluationCycle.groupResults;
    // The official grade: the override where there is one, else the computed grade.
    const ratified = (id: string) => (id === encodeId('EducationGroup', overridden) ? ratifiedOfOverridden : id === encodeId('EducationGroup', failedByBureau) ? 'FAIL' : computed.get(id));
    for (const r of after) {
      expect(r.grade).toBe(computed.get(r.group.id));
      expect(r.publishedGrade).toBe(ratified(r.group.id));
      expect(r.ratification.publishedAt).not.toBeNull();
    }
    // Two consecutive published FAILs flag the group and open its review case; nobody else.
    const flagged = after.filter((r: any) => r.flaggedForReview).map((r: any) => r.group.id).sort();
    expect(flagged).toEqual([encodeId('EducationGroup', weak), encodeId('EducationGroup', failedByBureau)].sort());
    expect(after.filter((r: any) => r.reviewCase).map((r: any) => r.group.id).sort()).toEqual(flagged);
    for (const r of after.filter((x: any) => x.reviewCase)) expect(r.reviewCase).toMatchObject({ status: 'OPEN', rectificationDeadline: '2027-08-31' });

    // Published results are immutable.
    const override = await sp().gql(RATIFY, { input: { cycleId: cycle2526, groupId: encodeId('EducationGroup', weak), grade: 'FAIR', reason: '复核' } });
    expect(override.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.cycleId' });
    const again = await sp().gql(PUBLISH, { id: cycle2526 });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'cycleId' });
    const [{ id: campus }] = await hub.ds.query(`SELECT campus_id AS id FROM evaluation WHERE cycle_id = (SELECT id FROM evaluation_cycle WHERE published_at IS NOT NULL ORDER BY school_year DESC LIMIT 1) AND evaluator_kind = 'BUREAU' AND target_type = 'CAMPUS' LIMIT 1`);
    const score = await sp().gql(`mutation($input: RecordEvaluationInput!) { recordEvaluation(input: $input) { id } }`,
      { input: { cycleId: cycle2526, targetType: 'CAMPUS', targetId: encodeId('Campus', campus), evaluatorKind: 'BUREAU', scores: [] } });
    expect(score.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.cycleId' });
    await expect(hub.ds.query(`UPDATE group_grade SET grade = 'EXCELLENT' WHERE published_at IS NOT NULL`)).rejects.toThrow(/immutable/);

    // Audited: the override, then the publication, on the grade; the publication on the cycle.
    const [{ id: gid }] = await hub.ds.query(`SELECT id FROM group_grade WHERE group_id = $1 AND cycle_id = (SELECT id FROM evaluation_cycle WHERE school_year = '2025-2026' AND published_at IS NOT NULL AND jurisdiction_id = (SELECT id FROM jurisdiction WHERE code = '640502'))`, [overridden]);
    const audit = await sp().data(`query($g: ID!, $y: ID!) { g: auditLog(entityId: $g) { edges { node { action actor diff } } } y: auditLog(entityId: $y) { edges { node { action } } } }`,
      { g: encodeId('GroupGrade', gid), y: cycle2526 });
    expect(audit.g.edges.map((e: any) => e.node.action)).toEqual(['publishCycleResults', 'ratifyGroupGrade']);
    expect(audit.g.edges[1].node.actor).toBe('BUREAU_ADMIN:t:bureau-640502');
    expect(JSON.parse(audit.g.edges[1].node.diff).after).toMatchObject({ grade: ratifiedOfOverridden, computed_grade: computedOfOverridden });
    expect(audit.y.edges[0].node.action).toBe('publishCycleResults');

    // On the feed: the bureau receives every published grade, both cycles and both cases; the
    // weak group's admin its own grades and case; another county's bureau nothing.
    const [{ n: grades }] = await hub.ds.query(`SELECT count(*)::int AS n FROM group_grade WHERE published_at IS NOT NULL`);
    const mine = await feedOf(bureauOf('640502'), bureauHead);
    const ids = (type: string, feed: any[]) => new Set(feed.filter((c) => c.entityType === type).map((c) => c.entityId));
    expect(ids('GroupGrade', mine).size).toBe(grades);
    expect(ids('ReviewCase', mine).size).toBe(2);
    expect(ids('EvaluationCycle', mine)).toEqual(new Set([cycle2425, cycle2526]));
    const adminFeed = await feedOf(groupAdmin(weak), adminHead);
    expect(ids('GroupGrade', adminFeed).size).toBe(2);
    expect(ids('ReviewCase', adminFeed).size).toBe(1);
    expect(adminFeed.every((c: any) => c.operation === 'UPSERT')).toBe(true);
    expect((await feedOf(bureauOf('620702'), farHead, () => true)).filter((c: any) => c.entityType !== 'EvaluationCycle')).toEqual([]);

    // In the jurisdiction's figures: the published grades, counted per group.
    const expected = countGrades(after.map((r: any) => ratified(r.group.id)));
    const stats = await hub.data(`{ jurisdiction(code: "640502") { stats(schoolYear: "2025-2026") { evaluationGrades { grade count } publishedEvaluationGrades { grade count } } } }`);
    expect(stats.jurisdiction.stats.publishedEvaluationGrades).toEqual(expected);
    expect(stats.jurisdiction.stats.evaluationGrades).toEqual(expected);
  });

  test('who reads ratified grades and review cases: the bureaus over the group, the group\'s admin', async () => {
    const q = `{ reviewCases { totalCount edges { node { id status group { id } cycle { schoolYear } previousCycle { schoolYear } } } } }`;
    expect((await sp().data(q)).reviewCases.totalCount).toBe(2);
    expect((await hub.as(bureauOf('640000')).data(q)).reviewCases.totalCount).toBe(2);
    expect((await hub.as(bureauOf('620702')).data(q)).reviewCases.totalCount).toBe(0);
    const admin = (await hub.as(groupAdmin(weak)).data(q)).reviewCases;
    expect(admin.edges.map((e: any) => e.node.group.id)).toEqual([encodeId('EducationGroup', weak)]);
    expect(admin.edges[0].node).toMatchObject({ status: 'OPEN', cycle: { schoolYear: '2025-2026' }, previousCycle: { schoolYear: '2024-2025' } });
    const [{ school_id: schoolId, code: school }] = await hub.ds.query(`SELECT c.school_id, s.code FROM education_group g JOIN campus c ON c.id = g.lead_campus_id
      JOIN school s ON s.id = c.school_id WHERE g.id = $1`, [weak]);
    const schoolAdmin = await hub.as({ sub: 't:school', role: 'SCHOOL_ADMIN', school }).gql(q);
    expect(schoolAdmin.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    // The school still sees its group's official grade on the bundled result (figures are facts).
    const r = await hub.as({ sub: 't:school', role: 'SCHOOL_ADMIN', school }).data(`query($id: ID!) { evaluationCycle(id: $id) { groupResults { publishedGrade flaggedForReview ratification { grade } } } }`, { id: cycle2526 });
    expect(r.evaluationCycle.groupResults).toEqual([{ publishedGrade: 'FAIL', flaggedForReview: true, ratification: null }]);

    // The feed's keys say what the scope rules say, for these new kinds too (as test/audience.test.ts for the rest).
    const db = new Db(hub.ds);
    const tree = await JurisdictionDirectory.of(hub.ds);
    const base: Omit<Caller, 'role'> = { subject: 't', jurisdictionId: null, jurisdictionCode: null, groupId: null, schoolId: null, schoolIds: [], cycleIds: [], scopes: [], apiClientId: null };
    const j = async (code: string) => (await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [code]))[0].id;
    const callers: Caller[] = [
      ...(await Promise.all(['000000', '640000', '640502', '640521', '620702'].map(async (c) => ({ ...base, role: 'BUREAU_ADMIN' as const, jurisdictionId: await j(c) })))),
      { ...base, role: 'ANALYST', jurisdictionId: await j('640502') },
      { ...base, role: 'VENDOR', jurisdictionId: await j('640502'), scopes: ['evaluation:read'] },
      { ...base, role: 'VENDOR', jurisdictionId: await j('640502'), scopes: ['evaluation:read'], schoolIds: [schoolId] },
      { ...base, role: 'GROUP_ADMIN', groupId: weak },
      { ...base, role: 'GROUP_ADMIN', groupId: overridden },
    ];
    let compared = 0;
    for (const c of callers) {
      const scope = Scope.forCaller(c, tree);
      for (const [kind, table] of [['GroupGrade', 'group_grade'], ['ReviewCase', 'review_case']] as Array<[EntityKind, string]>) {
        const rows = await db.query(sql`SELECT coalesce(${scope.visible(kind, 't')}, FALSE) AS visible, (${entityKeys(kind, 't')} && ${callerKeys(c)}) AS keyed FROM ${raw(table)} t`);
        for (const row of rows) expect(row.keyed).toBe(row.visible);
        compared += rows.length;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  test('the supervising bureau decides a review case: rectified any time, exit or dissolution after the deadline', async () => {
    const cases = await hub.ds.query(`SELECT id, group_id FROM review_case`);
    const caseOf = (g: string) => encodeId('ReviewCase', cases.find((c: any) => c.group_id === g).id);
    const dissolve = { id: caseOf(weak), decision: 'DISSOLVED', reason: '经督促仍未整改，撤销集团' };
    for (const who of [bureauOf('640500'), bureauOf('620702'), groupAdmin(weak)]) {
      const r = await hub.as(who).gql(DECIDE, { input: dissolve });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    }
    // Before the deadline the group rectifies: exit and dissolution are refused.
    const early = await sp().gql(DECIDE, { input: dissolve });
    expect(early.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'input.decision' });
    expect((await hub.ds.query(`SELECT status FROM education_group WHERE id = $1`, [weak]))[0].status).toBe('ACTIVE');

    const next = await later('2027-09-15');
    try {
      const bureau = next.as(bureauOf('640502'));
      // Exit: the members named leave the group today, by the membership rules; the lead cannot.
      const members = await hub.ds.query(`SELECT campus_id, role FROM group_membership WHERE group_id = $1 AND status = 'ACTIVE' ORDER BY role, campus_id`, [failedByBureau]);
      const lead = members.find((m: any) => m.role === 'LEAD').campus_id;
      const leaving = members.find((m: any) => m.role === 'MEMBER').campus_id;
      const exitInput = { id: caseOf(failedByBureau), decision: 'EXITED', reason: '成员校整改不到位，退出集团' };
      const noCampus = await bureau.gql(DECIDE, { input: exitInput });
      expect(noCampus.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.campusIds' });
      const leadOut = await bureau.gql(DECIDE, { input: { ...exitInput, campusIds: [encodeId('Campus', lead)] } });
      expect(leadOut.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.campusIds[0]' });
      const exited = (await bureau.data(DECIDE, { input: { ...exitInput, campusIds: [encodeId('Campus', leaving)] } })).decideReviewCase;
      expect(exited).toMatchObject({ status: 'EXITED', decidedBy: 't:bureau-640502', group: { status: 'ACTIVE' }, exitedCampuses: [{ id: encodeId('Campus', leaving) }] });
      const [m] = await hub.ds.query(`SELECT status, left_on::text FROM group_membership WHERE group_id = $1 AND campus_id = $2 ORDER BY id DESC LIMIT 1`, [failedByBureau, leaving]);
      expect(m).toEqual({ status: 'EXITED', left_on: '2027-09-15' });

      // Dissolution: the group and every membership end today; decided once (a second decision is a CONFLICT).
      const both = await Promise.all([bureau.gql(DECIDE, { input: dissolve }), bureau.gql(DECIDE, { input: { ...dissolve, decision: 'RECTIFIED' } })]);
      const won = both.filter((r) => !r.errors);
      expect(won).toHaveLength(1);
      expect(both.find((r) => r.errors)!.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.id' });
      if (won[0].data.decideReviewCase.status === 'DISSOLVED') {
        expect(won[0].data.decideReviewCase.group.status).toBe('DISSOLVED');
        const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM group_membership WHERE group_id = $1 AND status = 'ACTIVE'`, [weak]);
        expect(n).toBe(0);
      } else {
        expect(won[0].data.decideReviewCase.group.status).toBe('ACTIVE');
      }
      const audit = await bureau.data(`query($id: ID!) { auditLog(entityId: $id) { edges { node { action } } } }`, { id: dissolve.id });
      expect(audit.auditLog.edges.map((e: any) => e.node.action)).toEqual(['decideReviewCase', 'openReviewCase']);
    } finally {
      await next.stop();
    }
  });

  test('races: two publications of one bureau\'s consecutive cycles at once still open the case, once', async () => {
    // A fresh pair of cycles for 中宁县 (640521)? It has no groups; use 甘州区 (620702), whose 2025-2026 cycle is closed:
    // give it a 2024-2025 cycle graded FAIL for one group by override, then publish both at once.
    const gz = hub.as(bureauOf('620702'));
    const [{ id: y2526 }] = await hub.ds.query(`SELECT y.id FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = '620702' AND y.school_year = '2025-2026'`);
    const indicators = await hub.ds.query(`SELECT key, name, max_score::float8 AS "maxScore", target_type AS "targetType" FROM evaluation_indicator WHERE cycle_id = $1 ORDER BY position`, [y2526]);
    const created = (await gz.data(`mutation($input: CreateEvaluationCycleInput!) { createEvaluationCycle(input: $input) { id } }`,
      { input: { jurisdictionCode: '620702', name: '2024-2025学年集团化办学考核', schoolYear: '2024-2025', indicators } })).createEvaluationCycle.id;
    const [{ group_id: g }] = await hub.ds.query(`SELECT group_id FROM evaluation WHERE cycle_id = $1 AND target_type = 'GROUP' ORDER BY group_id LIMIT 1`, [y2526]);
    const groupScores = indicators.filter((i: any) => i.targetType === 'GROUP').map((i: any) => ({ indicatorKey: i.key, score: Math.round(i.maxScore * 0.4) }));
    await gz.data(`mutation($input: RecordEvaluationInput!) { recordEvaluation(input: $input) { id } }`,
      { input: { cycleId: created, targetType: 'GROUP', targetId: encodeId('EducationGroup', g), evaluatorKind: 'BUREAU', scores: groupScores, submit: true } });
    await gz.data(`mutation($id: ID!) { closeEvaluationCycle(id: $id) { status } }`, { id: created });
    await gz.data(RATIFY, { input: { cycleId: encodeId('EvaluationCycle', y2526), groupId: encodeId('EducationGroup', g), grade: 'FAIL', reason: '领导小组认定不合格' } });
    const older = (await gz.data(RESULTS, { id: created })).evaluationCycle.groupResults;
    // The older cycle's one result has no member line (no campus scored): the bureau grades it.
    expect(older).toHaveLength(1);
    expect(older[0].grade).toBeNull();
    const ungraded = await gz.gql(PUBLISH, { id: created });
    expect(ungraded.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'cycleId' });
    await gz.data(RATIFY, { input: { cycleId: created, groupId: encodeId('EducationGroup', g), grade: 'FAIL', reason: '党建与综合考核均不合格' } });

    const results = await Promise.all([gz.gql(PUBLISH, { id: created }), gz.gql(PUBLISH, { id: encodeId('EvaluationCycle', y2526) }), gz.gql(PUBLISH, { id: created })]);
    expect(results.filter((r) => !r.errors)).toHaveLength(2);
    expect(results.filter((r) => r.errors).map((r) => r.errors![0].extensions!.code)).toEqual(['CONFLICT']);
    const cases = await hub.ds.query(`SELECT group_id, rectification_deadline::text AS deadline FROM review_case WHERE cycle_id = $1`, [y2526]);
    expect(cases).toEqual([{ group_id: g, deadline: '2027-08-31' }]);
  });
});
