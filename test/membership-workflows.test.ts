import { newId } from '../server/db/ids';
import { SCHEDULED_EXITS_SUBJECT, settleAllDueExits } from '../server/memberships/due-exits';
import { decodeId, encodeId } from '../server/graphql/ids';
import { As, startHub, TEST_NOW, TestHub } from './support/hub';

/**
 * Issue 11, "Workflows that go wrong today" (items 10, 11, 12), over HTTP on a database of
 * their own. Expected routes are computed here from the jurisdiction tree (jurisdiction,
 * jurisdiction_ancestor) and the rule of DOMAIN.md "Joining"; expected posting dates and
 * statuses from the exit rule, applied here to the rows as they were before the exit.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

/** The tests' day (TEST_NOW, in China). */
const TODAY = new Date(TEST_NOW.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
const groupAdmin = (groupId: string): As => ({ sub: 't:group-admin', role: 'GROUP_ADMIN', group: groupId });
const q = (text: string, params: unknown[] = []) => hub.ds.query(text, params);
const one = async (text: string, params: unknown[] = []) => (await q(text, params))[0];
const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

let seq = 0;
/** A new school with one campus in a county (a fixture inserted by SQL, not a write under test). */
async function newCampus(county: string): Promise<{ campus: string; uuid: string; school: string }> {
  const [{ id: jid }] = await q(`SELECT id FROM jurisdiction WHERE code = $1`, [county]);
  const school = newId();
  const campus = newId();
  const code = `21${county.slice(0, 2)}8${String(++seq).padStart(5, '0')}`;
  await q(`INSERT INTO school (id, code, name, type, type_code, jurisdiction_id) VALUES ($1, $2, $3, 'PRIMARY', '211', $4)`, [school, code, `流程测试小学${county}-${seq}`, jid]);
  await q(`INSERT INTO campus (id, school_id, name, stages, urban_rural, jurisdiction_id, student_count) VALUES ($1, $2, $3, '{PRIMARY}', 'RURAL', $4, 120)`,
    [campus, school, `流程测试小学${county}-${seq}`, jid]);
  return { campus: encodeId('Campus', campus), uuid: campus, school: code };
}

async function groupNamed(name: string): Promise<{ id: string; uuid: string; code: string }> {
  const g = await one(`SELECT g.id, j.code FROM education_group g JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE g.name = $1`, [name]);
  return { id: encodeId('EducationGroup', g.id), uuid: g.id, code: g.code };
}

type Step = [authority: string, bureau: string | null];

/**
 * The route DOMAIN.md prescribes, from the tree: the group council; the bureau the lead school
 * answers to (school.supervising_jurisdiction_id); for a campus lying elsewhere, its county and
 * the nearest bureau above both, each skipped when it is the supervising one; across provinces
 * (only the nation above both) none.
 */
async function expectedRoute(groupUuid: string, campusUuid: string): Promise<Step[] | 'NO_ADMISSION'> {
  const { sup, home } = await one(`SELECT sj.code AS sup, cj.code AS home FROM education_group g JOIN campus lc ON lc.id = g.lead_campus_id
    JOIN school s ON s.id = lc.school_id JOIN jurisdiction sj ON sj.id = s.supervising_jurisdiction_id, campus c JOIN jurisdiction cj ON cj.id = c.jurisdiction_id
    WHERE g.id = $1 AND c.id = $2`, [groupUuid, campusUuid]);
  const line = async (code: string): Promise<Array<{ code: string; level: string }>> =>
    q(`SELECT a.code, a.level FROM jurisdiction j JOIN jurisdiction_ancestor x ON x.jurisdiction_id = j.id JOIN jurisdiction a ON a.id = x.ancestor_id
      WHERE j.code = $1 ORDER BY x.depth`, [code]);
  const route: Step[] = [['GROUP_COUNCIL', null], ['SUPERVISING_BUREAU', sup]];
  if (home === sup) return route;
  const supLine = (await line(sup)).map((a) => a.code);
  const common = (await line(home)).find((a) => supLine.includes(a.code))!;
  if (common.level === 'NATION') return 'NO_ADMISSION';
  route.push(['HOME_BUREAU', home]);
  if (common.code !== sup && common.code !== home) route.push(['COMMON_PARENT_BUREAU', common.code]);
  return route;
}

const MEMBERSHIP = `id status leftOn pendingApprovals approvals { authority jurisdiction { code } }`;
const apply = (who: As, g: string, c: string) =>
  hub.as(who).gql(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { ${MEMBERSHIP} } }`, { g, c });
const decide = (who: As, id: string, decision = 'APPROVED', h: TestHub = hub) =>
  h.as(who).gql(`mutation($id: ID!, $d: ApprovalDecision!) { decideMembership(id: $id, decision: $d) { ${MEMBERSHIP} } }`, { id, d: decision });
const deciderOf = (step: Step, group: string): As => (step[1] === null ? groupAdmin(group) : bureauOf(step[1]));

/** Decides the remaining steps in order, each by its own authority; the nation is turned away before every step. */
async function route(group: string, membership: string, steps: Step[], h: TestHub = hub) {
  for (const step of steps) {
    const nation = await decide(bureauOf('000000'), membership, 'APPROVED', h);
    expect(nation.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const r = await decide(deciderOf(step, group), membership, 'APPROVED', h);
    expect(r.errors).toBeUndefined();
  }
}

const auditAndFeed = async () => (await one(`SELECT (SELECT count(*) FROM audit_entry)::int AS audit, (SELECT count(*) FROM change_event)::int AS feed,
  (SELECT count(*) FROM group_membership)::int AS memberships, (SELECT count(*) FROM membership_approval)::int AS approvals`));

describe('item 10: cross-county, cross-city and cross-province admission', () => {
  test.each([
    ['620722', 'another county of the same city (民乐县): its county, then the city 张掖市'],
    ['620102', 'another city of the province (兰州市城关区): its county, then the province 甘肃省'],
  ])('a campus in %s applying to 甘州区北街小学教育集团 is routed by the tree: %s', async (county) => {
    const g = await groupNamed('甘州区北街小学教育集团');
    const c = await newCampus(county);
    const expected = await expectedRoute(g.uuid, c.uuid);
    expect(expected).not.toBe('NO_ADMISSION');
    const steps = expected as Step[];
    const applied = await apply(bureauOf(county), g.id, c.campus);
    expect(applied.errors).toBeUndefined();
    expect(applied.data.applyForMembership.pendingApprovals).toEqual(steps.map((s) => s[0]));
    await route(g.id, applied.data.applyForMembership.id, steps);
    const done = (await hub.data(`query($id: ID!) { node(id: $id) { ... on GroupMembership { ${MEMBERSHIP} } } }`, { id: applied.data.applyForMembership.id })).node;
    expect(done.status).toBe('ACTIVE');
    expect(done.approvals.map((a: any) => [a.authority, a.jurisdiction?.code ?? null])).toEqual(steps);
    // The common parent is the city within a city, the province across cities: never the nation.
    expect(steps.every((s) => s[1] !== '000000')).toBe(true);
  });

  test('across provinces: the application is refused (POLICY_VIOLATION, campusId), and nothing is written', async () => {
    const g = await groupNamed('中卫市第四中学教育集团'); // 宁夏
    const c = await newCampus('620702'); // 甘肃
    expect(await expectedRoute(g.uuid, c.uuid)).toBe('NO_ADMISSION');
    const before = await auditAndFeed();
    const r = await apply(bureauOf('620702'), g.id, c.campus);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'campusId' });
    expect(await auditAndFeed()).toEqual(before);
  });

  test('a stored cross-province application (routed to the nation by the old rule) is never decided by the nation: refused, then withdrawn', async () => {
    const g = await groupNamed('中卫市第四中学教育集团');
    const c = await newCampus('620702');
    const id = newId();
    await q(`INSERT INTO group_membership (id, group_id, campus_id, role, status, applied_at, required_approvals)
      VALUES ($1, $2, $3, 'MEMBER', 'APPLIED', now(), '{GROUP_COUNCIL,SUPERVISING_BUREAU,HOME_BUREAU,COMMON_PARENT_BUREAU}')`, [id, g.uuid, c.uuid]);
    for (const [authority, code] of [['GROUP_COUNCIL', null], ['SUPERVISING_BUREAU', '640502'], ['HOME_BUREAU', '620702']]) {
      await q(`INSERT INTO membership_approval (id, membership_id, authority, jurisdiction_id, decision, decided_by)
        VALUES ($1, $2, $3, (SELECT id FROM jurisdiction WHERE code = $4), 'APPROVED', 'legacy')`, [newId(), id, authority, code]);
    }
    const before = await auditAndFeed();
    for (const who of [bureauOf('000000'), bureauOf('640502'), bureauOf('620702'), groupAdmin(g.id)]) {
      const r = await decide(who, encodeId('GroupMembership', id));
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'id' });
    }
    expect(await auditAndFeed()).toEqual(before);
    const nationDecisions = await one(`SELECT count(*)::int AS n FROM membership_approval a JOIN jurisdiction j ON j.id = a.jurisdiction_id WHERE j.level = 'NATION'`);
    expect(nationDecisions.n).toBe(0);
    const w = await hub.as(bureauOf('620702')).data(`mutation($id: ID!) { withdrawMembership(id: $id) { status } }`, { id: encodeId('GroupMembership', id) });
    expect(w.withdrawMembership.status).toBe('WITHDRAWN');
  });

  test("the demo's pending application (禄劝 → 明远) still follows the rule, and completes", async () => {
    const m = await one(`SELECT m.id, m.group_id, m.campus_id FROM group_membership m WHERE m.status = 'APPLIED' AND m.applied_at < '2026-11-01'`);
    const steps = (await expectedRoute(m.group_id, m.campus_id)) as Step[];
    expect(steps.map((s) => s[1])).toEqual([null, '530100', '530128']); // the city is the common parent: skipped
    const id = encodeId('GroupMembership', m.id);
    const now = (await hub.data(`query($id: ID!) { node(id: $id) { ... on GroupMembership { ${MEMBERSHIP} } } }`, { id })).node;
    const decided = now.approvals.map((a: any) => a.authority);
    expect(now.pendingApprovals).toEqual(steps.map((s) => s[0]).filter((a) => !decided.includes(a)));
    await route(encodeId('EducationGroup', m.group_id), id, steps.filter((s) => !decided.includes(s[0])));
    expect((await one(`SELECT status FROM group_membership WHERE id = $1`, [m.id])).status).toBe('ACTIVE');
  });
});

describe('item 11: the supervising bureau (主管/隶属) of schools and groups', () => {
  const SCHOOL = `code jurisdiction { code } supervisingJurisdiction { code }`;

  test('schools answer to where they lie by default; 明远 (市属, in 五华区) answers to 昆明市', async () => {
    const rows = await q(`SELECT s.code, j.code AS at, sj.code AS sup FROM school s JOIN jurisdiction j ON j.id = s.jurisdiction_id
      JOIN jurisdiction sj ON sj.id = s.supervising_jurisdiction_id ORDER BY s.code`);
    const api = await hub.data(`{ schools: campuses(first: 500) { edges { node { school { ${SCHOOL} } } } } }`);
    const seen = new Map(api.schools.edges.map((e: any) => [e.node.school.code, e.node.school]));
    for (const r of rows.filter((x: any) => seen.has(x.code))) {
      expect(seen.get(r.code)).toEqual({ code: r.code, jurisdiction: { code: r.at }, supervisingJurisdiction: { code: r.sup } });
    }
    const lead = await one(`SELECT s.code FROM education_group g JOIN campus c ON c.id = g.lead_campus_id JOIN school s ON s.id = c.school_id WHERE g.name = '昆明市明远实验小学教育集团'`);
    expect(seen.get(lead.code)).toEqual({ code: lead.code, jurisdiction: { code: '530102' }, supervisingJurisdiction: { code: '530100' } });
    // Every other demo school answers to the jurisdiction where it lies.
    expect(rows.filter((r: any) => r.at !== r.sup).map((r: any) => r.code)).toEqual([lead.code]);
  });

  test('a 市属 school: registered by 昆明市 (not 五华区); it leads a group only 昆明市 creates and approves; members from 五华区 need 五华区', async () => {
    const input = { code: '2153810001', name: '昆明市第一实验小学', type: 'PRIMARY', jurisdictionCode: '530102', supervisingJurisdictionCode: '530100' };
    const upsert = `mutation($input: UpsertSchoolInput!) { upsertSchool(input: $input) { ${SCHOOL} campuses { id } } }`;
    const county = await hub.as(bureauOf('530102')).gql(upsert, { input });
    expect(county.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const [sup, why] of [['530128', 'not on the line above 五华区'], ['000000', 'never the Ministry'], ['999999', 'no such jurisdiction']]) {
      const bad = await hub.as(bureauOf('530100')).gql(upsert, { input: { ...input, supervisingJurisdictionCode: sup } });
      expect({ why, ext: bad.errors?.[0].extensions }).toMatchObject({ why, ext: { code: 'BAD_USER_INPUT', field: 'input.supervisingJurisdictionCode' } });
    }
    const made = (await hub.as(bureauOf('530100')).data(upsert, { input })).upsertSchool;
    expect(made).toMatchObject({ code: input.code, jurisdiction: { code: '530102' }, supervisingJurisdiction: { code: '530100' } });

    // The group it leads: created and approved by the bureau it answers to, exactly.
    const create = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id status jurisdiction { code } } }`;
    const groupInput = { name: '昆明市第一实验小学教育集团', mode: 'COMMUNITY', leadCampusId: made.campuses[0].id };
    for (const code of ['530102', '530000', '000000']) {
      expect((await hub.as(bureauOf(code)).gql(create, { input: groupInput })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const g = (await hub.as(bureauOf('530100')).data(create, { input: groupInput })).createGroup;
    expect(g).toMatchObject({ status: 'PROPOSED', jurisdiction: { code: '530100' } });
    const approve = `mutation($id: ID!) { approveGroup(id: $id) { status } }`;
    for (const code of ['530102', '530000', '000000']) {
      expect((await hub.as(bureauOf(code)).gql(approve, { id: g.id })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    expect((await hub.as(bureauOf('530100')).data(approve, { id: g.id })).approveGroup.status).toBe('ACTIVE');

    // Its supervisor does not change under a live group.
    const back = await hub.as(bureauOf('530100')).gql(upsert, { input: { ...input, supervisingJurisdictionCode: '530102' } });
    expect(back.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.supervisingJurisdictionCode' });

    // A campus of the lead's own county (五华区) lies outside the supervising jurisdiction: 五华区 decides too.
    for (const groupId of [g.id, (await groupNamed('昆明市明远实验小学教育集团')).id]) {
      const c = await newCampus('530102');
      const steps = (await expectedRoute(decodeId(groupId)!.uuid, c.uuid)) as Step[];
      expect(steps).toEqual([['GROUP_COUNCIL', null], ['SUPERVISING_BUREAU', '530100'], ['HOME_BUREAU', '530102']]);
      const applied = (await apply(bureauOf('530102'), groupId, c.campus)).data!.applyForMembership;
      expect(applied.pendingApprovals).toEqual(steps.map((s) => s[0]));
      // 五华区 may not decide before the city has (steps in order), nor as the supervising bureau.
      await decide(groupAdmin(groupId), applied.id);
      expect((await decide(bureauOf('530102'), applied.id)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      await route(groupId, applied.id, steps.slice(1));
      expect((await one(`SELECT status FROM group_membership WHERE id = $1`, [decodeId(applied.id)!.uuid])).status).toBe('ACTIVE');
    }
  });
});

describe('item 12: exits take effect on their date', () => {
  const EXIT = `mutation($id: ID!, $on: Date!) { exitMembership(id: $id, on: $on, reason: "调整") { status leftOn } }`;
  type P = { id: string; status: string; start_date: string; end_date: string | null };
  const postingsTouching = (groupUuid: string, campusUuid: string): Promise<P[]> =>
    q(`SELECT id, status, start_date, end_date FROM posting WHERE group_id = $1 AND $2 IN (from_campus_id, to_campus_id) ORDER BY id`, [groupUuid, campusUuid]);

  /** The rule, applied here to a posting as it was: what an exit on `on` leaves of it. */
  function afterExit(p: P, on: string, effective: boolean): Pick<P, 'status' | 'end_date'> {
    if (!['PLANNED', 'ACTIVE'].includes(p.status)) return { status: p.status, end_date: p.end_date };
    if (p.start_date >= on) return { status: 'CANCELLED', end_date: p.end_date };
    const end = p.end_date === null || p.end_date >= on ? dayBefore(on) : p.end_date;
    if (!effective) return { status: p.status, end_date: end };
    return { status: p.status === 'PLANNED' ? 'CANCELLED' : 'COMPLETED', end_date: end };
  }

  test('a back-dated exit is refused (BAD_USER_INPUT on), nothing written', async () => {
    const m = await one(`SELECT m.id, g.jurisdiction_id FROM group_membership m JOIN education_group g ON g.id = m.group_id
      WHERE g.name = '中卫市兴仁教育集团' AND m.role = 'MEMBER' AND m.status = 'ACTIVE' ORDER BY m.id LIMIT 1`);
    const before = await auditAndFeed();
    const r = await hub.as(bureauOf('640502')).gql(EXIT, { id: encodeId('GroupMembership', m.id), on: dayBefore(TODAY) });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'on' });
    expect(await auditAndFeed()).toEqual(before);
  });

  test('a future exit is planned: ACTIVE until its day, postings end the day before or are cancelled; on the day it takes effect', async () => {
    const g = await groupNamed('中卫市宣和教育集团');
    // The member with the most open postings touching it (the demo's seconded cadre and planned rotation among them).
    const m = await one(`SELECT m.id, m.campus_id FROM group_membership m WHERE m.group_id = $1 AND m.role = 'MEMBER' AND m.status = 'ACTIVE'
      ORDER BY (SELECT count(*) FROM posting p WHERE p.group_id = m.group_id AND p.status IN ('PLANNED','ACTIVE') AND m.campus_id IN (p.from_campus_id, p.to_campus_id)) DESC, m.id LIMIT 1`, [g.uuid]);
    const on = '2027-03-01';
    // Two more: a rotation planned to start after the exit, and an open-ended one already running.
    const lead = await one(`SELECT lead_campus_id AS id FROM education_group WHERE id = $1`, [g.uuid]);
    const free = await q(`SELECT s.id FROM staff s WHERE s.home_campus_id = $1 AND s.full_time_teacher
      AND NOT EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id AND p.status IN ('PLANNED','ACTIVE')) ORDER BY s.id LIMIT 3`, [lead.id]);
    for (const [i, [status, start, end]] of ([['PLANNED', '2027-04-01', '2027-06-30'], ['ACTIVE', '2026-10-08', null]] as const).entries()) {
      await q(`INSERT INTO posting (id, staff_id, group_id, from_campus_id, to_campus_id, type, status, host_role, start_date, end_date, counts_as_rural_service)
        VALUES ($1, $2, $3, $4, $5, 'ROTATION', $6, 'TEACHER', $7, $8, true)`, [newId(), free[i].id, g.uuid, lead.id, m.campus_id, status, start, end]);
    }
    const before = await postingsTouching(g.uuid, m.campus_id);
    const expected = before.map((p) => ({ id: p.id, ...afterExit(p, on, false) }));
    const changed = expected.filter((e, i) => e.status !== before[i].status || e.end_date !== before[i].end_date);
    expect(changed.length).toBeGreaterThanOrEqual(3);
    expect(expected.some((e) => e.status === 'CANCELLED')).toBe(true);
    const counts = await auditAndFeed();

    const r = await hub.as(bureauOf(g.code)).data(EXIT, { id: encodeId('GroupMembership', m.id), on });
    expect(r.exitMembership).toEqual({ status: 'ACTIVE', leftOn: on });
    expect((await postingsTouching(g.uuid, m.campus_id)).map((p) => ({ id: p.id, status: p.status, end_date: p.end_date }))).toEqual(expected);
    // One audit entry for the membership and one per changed posting, each on the feed.
    const audited = await q(`SELECT entity_type, entity_id FROM audit_entry WHERE action = 'exitMembership' AND entity_id = ANY($1::uuid[])`, [[m.id, ...changed.map((c) => c.id)]]);
    expect(audited).toHaveLength(1 + changed.length);
    const fed = await q(`SELECT DISTINCT entity_id FROM change_event WHERE entity_type = 'Posting' AND entity_id = ANY($1::uuid[]) AND at >= now() - interval '1 minute'`, [changed.map((c) => c.id)]);
    expect(fed).toHaveLength(changed.length);
    expect((await auditAndFeed()).audit).toBe(counts.audit + 1 + changed.length);
    // A planned exit may be brought forward, not put off; postings may not run past it.
    expect((await hub.as(bureauOf(g.code)).gql(EXIT, { id: encodeId('GroupMembership', m.id), on: '2027-05-01' })).errors?.[0].extensions?.code).toBe('CONFLICT');
    const create = `mutation($input: CreatePostingInput!) { createPosting(input: $input) { status endDate } }`;
    const posting = (end: string | null) => ({ staffId: encodeId('Staff', free[2].id), toCampusId: encodeId('Campus', m.campus_id), type: 'ROTATION', hostRole: 'TEACHER', startDate: '2027-01-04', endDate: end });
    expect((await hub.as(groupAdmin(g.id)).gql(create, { input: posting(null) })).errors?.[0].extensions?.code).toBe('POLICY_VIOLATION');
    expect((await hub.as(groupAdmin(g.id)).gql(create, { input: posting(on) })).errors?.[0].extensions?.code).toBe('POLICY_VIOLATION');
    expect((await hub.as(groupAdmin(g.id)).data(create, { input: posting(dayBefore(on)) })).createPosting).toEqual({ status: 'PLANNED', endDate: dayBefore(on) });

    // The day comes: the first write about the group (an admission) finds the exit due and makes it take effect.
    const dueBefore = await postingsTouching(g.uuid, m.campus_id);
    const later = await startHub({ databaseUrl: hub.databaseUrl, http: { fixedNow: new Date(`${on}T10:00:00+08:00`) } });
    try {
      const c = await newCampus('640502');
      const applied = (await apply(bureauOf('640502'), g.id, c.campus)).data!.applyForMembership;
      await route(g.id, applied.id, [['GROUP_COUNCIL', null], ['SUPERVISING_BUREAU', '640502']], later);
    } finally {
      await later.stop();
    }
    expect(await one(`SELECT status, left_on FROM group_membership WHERE id = $1`, [m.id])).toEqual({ status: 'EXITED', left_on: on });
    expect((await postingsTouching(g.uuid, m.campus_id)).map((p) => ({ id: p.id, status: p.status, end_date: p.end_date })))
      .toEqual(dueBefore.map((p) => ({ id: p.id, ...afterExit(p, on, true) })));
    expect((await q(`SELECT 1 FROM audit_entry WHERE action = 'exitMembership:takesEffect' AND entity_id = $1`, [m.id]))).toHaveLength(1);
  });

  test('on its day a planned exit takes effect with no write about the group (the scheduled job), once, whichever replicas run it', async () => {
    const g = await groupNamed('中卫市兴仁教育集团');
    const m = await one(`SELECT m.id, m.campus_id FROM group_membership m WHERE m.group_id = $1 AND m.role = 'MEMBER' AND m.status = 'ACTIVE' ORDER BY m.id LIMIT 1`, [g.uuid]);
    const on = '2027-02-01';
    expect((await hub.as(bureauOf(g.code)).data(EXIT, { id: encodeId('GroupMembership', m.id), on })).exitMembership).toEqual({ status: 'ACTIVE', leftOn: on });
    // The day before: nothing is due.
    expect(await settleAllDueExits(hub.ds, new Date(`${dayBefore(on)}T10:00:00+08:00`))).toBe(0);
    expect((await one(`SELECT status FROM group_membership WHERE id = $1`, [m.id])).status).toBe('ACTIVE');
    const dueBefore = await postingsTouching(g.uuid, m.campus_id);
    // On the day, two replicas' jobs at once: the exit takes effect once.
    const day = new Date(`${on}T00:05:00+08:00`);
    await Promise.all([settleAllDueExits(hub.ds, day), settleAllDueExits(hub.ds, day)]);
    expect(await one(`SELECT status, left_on FROM group_membership WHERE id = $1`, [m.id])).toEqual({ status: 'EXITED', left_on: on });
    expect((await postingsTouching(g.uuid, m.campus_id)).map((p) => ({ id: p.id, status: p.status, end_date: p.end_date })))
      .toEqual(dueBefore.map((p) => ({ id: p.id, ...afterExit(p, on, true) })));
    const audited = await q(`SELECT actor FROM audit_entry WHERE action = 'exitMembership:takesEffect' AND entity_id = $1`, [m.id]);
    expect(audited).toEqual([{ actor: `BUREAU_ADMIN:${SCHEDULED_EXITS_SUBJECT}` }]);
    // Over the API the membership now reads EXITED.
    const read = await hub.as(bureauOf(g.code)).data(`query($id: ID!) { node(id: $id) { ... on GroupMembership { status leftOn } } }`, { id: encodeId('GroupMembership', m.id) });
    expect(read.node).toEqual({ status: 'EXITED', leftOn: on });
  });

  describe('caps: a planned exit holds its seat until its day', () => {
    const NAME = '皇路店镇王庄中学教育集团';
    let g: { id: string; uuid: string; code: string };
    let cap: number;
    const active = async () => (await one(`SELECT count(*)::int AS n FROM group_membership WHERE group_id = $1 AND status = 'ACTIVE' AND role = 'MEMBER'`, [g.uuid])).n;
    /** A fresh campus of the zone whose application waits only for the supervising bureau. */
    const waiting = async () => {
      const c = await newCampus(g.code);
      const a = (await apply(bureauOf(g.code), g.id, c.campus)).data!.applyForMembership;
      await decide(groupAdmin(g.id), a.id);
      return a.id as string;
    };
    const members = async () => (await q(`SELECT id FROM group_membership WHERE group_id = $1 AND status = 'ACTIVE' AND role = 'MEMBER' AND left_on IS NULL AND joined_on <= $2 ORDER BY id`, [g.uuid, TODAY])).map((r: any) => encodeId('GroupMembership', r.id));

    beforeAll(async () => {
      g = await groupNamed(NAME);
      const mode = (await one(`SELECT mode FROM education_group WHERE id = $1`, [g.uuid])).mode;
      const policy = await hub.data(`query($c: String!) { jurisdiction(code: $c) { policy { maxMembers { mode maxMembers } } } }`, { c: g.code });
      cap = policy.jurisdiction.policy.maxMembers.find((l: any) => l.mode === mode).maxMembers;
      // Fill the group to its cap.
      while ((await active()) < cap) expect((await decide(bureauOf(g.code), await waiting())).errors).toBeUndefined();
    });

    test('a planned exit and a final approval racing: the seat stays held, the approval is refused; on the day it is free', async () => {
      const applicant = await waiting();
      const [leaver] = await members();
      const on = '2027-01-04';
      const [exit, approval] = await Promise.all([
        hub.as(bureauOf(g.code)).gql(EXIT, { id: leaver, on }),
        decide(bureauOf(g.code), applicant),
      ]);
      expect(exit.data?.exitMembership).toEqual({ status: 'ACTIVE', leftOn: on });
      expect(approval.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'id' });
      expect(await active()).toBe(cap);
      const later = await startHub({ databaseUrl: hub.databaseUrl, http: { fixedNow: new Date(`${on}T10:00:00+08:00`) } });
      try {
        expect((await decide(bureauOf(g.code), applicant, 'APPROVED', later)).data?.decideMembership.status).toBe('ACTIVE');
      } finally {
        await later.stop();
      }
      expect(await active()).toBe(cap);
      expect((await one(`SELECT status FROM group_membership WHERE id = $1`, [decodeId(leaver)!.uuid])).status).toBe('EXITED');
    });

    test('exits taking effect today and final approvals racing for the seat: the cap always holds, exits always succeed', async () => {
      for (let round = 0; round < 4; round++) {
        const applicants = [await waiting(), await waiting()];
        const [leaver] = await members();
        const [exit, ...approvals] = await Promise.all([
          hub.as(bureauOf(g.code)).gql(EXIT, { id: leaver, on: TODAY }),
          ...applicants.map((a) => decide(bureauOf(g.code), a)),
        ]);
        expect(exit.data?.exitMembership).toEqual({ status: 'EXITED', leftOn: TODAY });
        const won = approvals.filter((r) => !r.errors);
        for (const r of approvals.filter((x) => x.errors)) expect(r.errors![0].extensions?.code).toBe('POLICY_VIOLATION');
        expect(won.length).toBeLessThanOrEqual(1);
        expect(await active()).toBe(cap - 1 + won.length);
        // Refill before the next round, the losers withdrawing.
        while ((await active()) < cap) expect((await decide(bureauOf(g.code), await waiting())).errors).toBeUndefined();
        for (const [i, r] of approvals.entries()) if (r.errors) await hub.as(bureauOf(g.code)).data(`mutation($id: ID!) { withdrawMembership(id: $id) { status } }`, { id: applicants[i] });
      }
    });

    test('two exits of one membership at once: one is recorded, the other is a CONFLICT', async () => {
      const [leaver] = await members();
      const results = await Promise.all(['2027-03-01', '2027-03-01'].map((on) => hub.as(bureauOf(g.code)).gql(EXIT, { id: leaver, on })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.find((r) => r.errors)!.errors![0].extensions?.code).toBe('CONFLICT');
      expect((await q(`SELECT 1 FROM audit_entry WHERE action = 'exitMembership' AND entity_id = $1`, [decodeId(leaver)!.uuid]))).toHaveLength(1);
      // Brought forward to today, it takes effect at once.
      expect((await hub.as(bureauOf(g.code)).data(EXIT, { id: leaver, on: TODAY })).exitMembership).toEqual({ status: 'EXITED', leftOn: TODAY });
    });
  });

  test('dissolution ends memberships and postings like an exit taking effect today', async () => {
    const g = await groupNamed('中卫市第二幼儿园教育集团');
    const before: P[] = await q(`SELECT id, status, start_date, end_date FROM posting WHERE group_id = $1 ORDER BY id`, [g.uuid]);
    // A planned exit of a member is overtaken by the dissolution.
    const [m] = await q(`SELECT id FROM group_membership WHERE group_id = $1 AND role = 'MEMBER' AND status = 'ACTIVE' ORDER BY id LIMIT 1`, [g.uuid]);
    await hub.as(bureauOf(g.code)).data(EXIT, { id: encodeId('GroupMembership', m.id), on: '2027-06-01' });
    const after1 = await q(`SELECT id, status, start_date, end_date FROM posting WHERE group_id = $1 ORDER BY id`, [g.uuid]);
    const r = await hub.as(bureauOf(g.code)).data(`mutation($id: ID!) { dissolveGroup(id: $id, reason: "考核不合格") { status dissolvedOn } }`, { id: g.id });
    expect(r.dissolveGroup).toEqual({ status: 'DISSOLVED', dissolvedOn: TODAY });
    const after = await q(`SELECT id, status, end_date FROM posting WHERE group_id = $1 ORDER BY id`, [g.uuid]);
    expect(before.length).toBeGreaterThan(0);
    expect(after).toEqual(after1.map((p: P) => ({ id: p.id, ...afterExit(p, TODAY, true) })));
    expect(after.some((p: any) => p.status === 'COMPLETED' && p.end_date === dayBefore(TODAY))).toBe(true);
    const memberships = await q(`SELECT status, left_on FROM group_membership WHERE group_id = $1 AND status NOT IN ('REJECTED','WITHDRAWN')`, [g.uuid]);
    expect(memberships.every((x: any) => x.status === 'EXITED' && x.left_on === TODAY)).toBe(true);
  });
});
