import { encodeId } from '../server/graphql/ids';
import { As, startHub, TestHub } from './support/hub';

/**
 * Holes an adversarial review found in the trust rules after they were rebuilt, each kept
 * closed by a test: the rule it breaks is stated with each.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
const one = async (q: string, p: unknown[] = []) => (await hub.ds.query(q, p))[0];
const gid = encodeId;
const codeOf = (r: { errors?: Array<{ extensions?: Record<string, any> }> }) => r.errors?.[0]?.extensions?.code;
const tableCounts = async () => (await hub.ds.query(`SELECT (SELECT count(*) FROM resource_use)::int AS uses, (SELECT count(*) FROM audit_entry)::int AS audit,
  (SELECT count(*) FROM change_event)::int AS feed, (SELECT count(*) FROM education_group)::int AS groups, (SELECT count(*) FROM posting)::int AS postings`))[0];

test('recordResourceUse: a group acts for its own campuses, and nobody uses what they cannot read', async () => {
  const xuanhe = await one(`SELECT id FROM education_group WHERE name = '中卫市宣和教育集团'`);
  const publicResource = await one(`SELECT r.id FROM resource r JOIN resource_library l ON l.id = r.library_id WHERE l.group_id = $1 AND l.visibility = 'PUBLIC' AND r.deleted_at IS NULL LIMIT 1`, [xuanhe.id]);
  const gansuCampus = await one(`SELECT c.id, s.code FROM campus c JOIN school s ON s.id = c.school_id JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE j.code = '620702' ORDER BY c.id LIMIT 1`);
  const farResource = await one(`SELECT r.id FROM resource r JOIN resource_library l ON l.id = r.library_id JOIN education_group g ON g.id = l.group_id
    JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE l.visibility = 'JURISDICTION' AND j.code = '411373' AND r.deleted_at IS NULL LIMIT 1`);
  const use = `mutation($r: ID!, $c: ID!) { recordResourceUse(resourceId: $r, campusId: $c, kind: TEACH) { title useCount } }`;
  const before = await tableCounts();
  // 宣和's admin may not record uses at a 甘州区 campus, even of its own PUBLIC resource.
  const ga = await hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: gid('EducationGroup', xuanhe.id) }).gql(use, { r: gid('Resource', publicResource.id), c: gid('Campus', gansuCampus.id) });
  expect(codeOf(ga)).toBe('FORBIDDEN');
  // A 甘州区 school may not "use" a 南阳 resource shared only along 南阳's line: it cannot read it, and learns nothing of it.
  const sa = await hub.as({ sub: 't:sa', role: 'SCHOOL_ADMIN', school: gansuCampus.code }).gql(use, { r: gid('Resource', farResource.id), c: gid('Campus', gansuCampus.id) });
  expect(codeOf(sa)).toBe('NOT_FOUND');
  expect(sa.data?.recordResourceUse ?? null).toBeNull();
  expect(await tableCounts()).toEqual(before);
  // The school may use the PUBLIC one.
  const ok = await hub.as({ sub: 't:sa', role: 'SCHOOL_ADMIN', school: gansuCampus.code }).gql(use, { r: gid('Resource', publicResource.id), c: gid('Campus', gansuCampus.id) });
  expect(ok.errors).toBeUndefined();
});

test('an application leaves no trace of the group in the applicant county\'s audit log', async () => {
  const siZhong = await one(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`);
  const g = gid('EducationGroup', siZhong.id);
  const zn = hub.as(bureauOf('640521'));
  const made = await zn.data(`mutation { upsertSchool(input: { code: "2164052188", name: "中宁县审计测试小学", type: PRIMARY, jurisdictionCode: "640521" }) { campuses { id } } }`);
  const m = await zn.data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`, { g, c: made.upsertSchool.campuses[0].id });
  await zn.data(`mutation($id: ID!) { withdrawMembership(id: $id) { status } }`, { id: m.applyForMembership.id });
  await hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: g }).data(`mutation($g: ID!) { fileCharter(groupId: $g, input: { title: "章程（修订）", uri: "charters/secret-revision.pdf", filedOn: "2026-11-01" }) { id } }`, { g });
  await hub.as(bureauOf('640502')).data(`mutation($g: ID!) { suspendGroup(id: $g, reason: "专项审计") { status } }`, { g });
  const log = await zn.data(`{ auditLog(first: 500) { edges { node { action entityType entityId } } } }`);
  const about = log.auditLog.edges.filter((e: any) => e.node.entityId === g);
  expect(about).toEqual([]);
  // The supervising county sees both.
  const sp = await hub.as(bureauOf('640502')).data(`query($g: ID!) { auditLog(entityId: $g) { edges { node { action } } } }`, { g });
  expect(sp.auditLog.edges.map((e: any) => e.node.action)).toEqual(expect.arrayContaining(['fileCharter', 'suspendGroup']));
  await hub.as(bureauOf('640502')).data(`mutation($g: ID!) { approveGroup(id: $g) { status } }`, { g });
});

test('exits take effect on their date: never back-dated; a future one is planned and the membership stays ACTIVE until then', async () => {
  const m = await one(`SELECT m.id, m.group_id FROM group_membership m JOIN education_group g ON g.id = m.group_id
    WHERE g.name = '中卫市第七小学教育集团' AND m.role = 'MEMBER' AND m.status = 'ACTIVE' LIMIT 1`);
  const exit = (on: string) => hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: gid('EducationGroup', m.group_id) })
    .gql(`mutation($id: ID!, $on: Date!) { exitMembership(id: $id, on: $on, reason: "x") { status leftOn } }`, { id: gid('GroupMembership', m.id), on });
  expect((await exit('2026-11-22')).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'on' });
  expect((await one(`SELECT status, left_on FROM group_membership WHERE id = $1`, [m.id]))).toEqual({ status: 'ACTIVE', left_on: null });
  expect((await exit('2099-12-31')).data?.exitMembership).toEqual({ status: 'ACTIVE', leftOn: '2099-12-31' });
});

test('a group is supervised by the bureau its lead school answers to: a parent bureau cannot make itself supervisor', async () => {
  const lead = await one(`SELECT c.id FROM campus c WHERE c.name = '沙坡头区迎水镇沙坡头小学'`);
  const input = { name: '越级集团', mode: 'ALLIANCE', jurisdictionCode: '640500', leadCampusId: gid('Campus', lead.id) };
  const before = await tableCounts();
  const city = await hub.as(bureauOf('640500')).gql(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`, { input });
  expect(codeOf(city)).toBe('FORBIDDEN');
  const county = await hub.as(bureauOf('640502')).gql(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`, { input });
  expect(county.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.jurisdictionCode' });
  expect(await tableCounts()).toEqual(before);
});

test('an active member is not relocated out from under its group', async () => {
  const member = await one(`SELECT c.name, s.code FROM group_membership m JOIN campus c ON c.id = m.campus_id JOIN school s ON s.id = c.school_id
    JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE m.status = 'ACTIVE' AND m.role = 'MEMBER' AND j.code = '640502' LIMIT 1`);
  const r = await hub.as(bureauOf('000000')).gql(`mutation($input: UpsertCampusInput!) { upsertCampus(input: $input) { id } }`,
    { input: { schoolCode: member.code, name: member.name, jurisdictionCode: '620702' } });
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'input.jurisdictionCode' });
});

test('createPosting: a caller without authority over the person\'s group learns nothing about the campuses it names', async () => {
  const staff = await one(`SELECT s.id, s.home_campus_id FROM staff s JOIN campus c ON c.id = s.home_campus_id JOIN jurisdiction j ON j.id = c.jurisdiction_id
    JOIN group_membership m ON m.campus_id = c.id AND m.status = 'ACTIVE' WHERE j.code = '620702' LIMIT 1`);
  const elsewhere = await one(`SELECT c.id FROM campus c JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE j.code = '640502' LIMIT 1`);
  const q = `mutation($input: CreatePostingInput!) { createPosting(input: $input) { id } }`;
  const base = { staffId: gid('Staff', staff.id), type: 'ROTATION', hostRole: 'TEACHER', startDate: '2026-12-01' };
  const stranger = hub.as(bureauOf('411373'));
  for (const to of [staff.home_campus_id, elsewhere.id]) {
    const r = await stranger.gql(q, { input: { ...base, toCampusId: gid('Campus', to) } });
    expect(codeOf(r)).toBe('FORBIDDEN');
  }
});

test('a member county sees its own campus\'s evaluations, whichever bureau\'s cycle scored them', async () => {
  const e = await one(`SELECT e.id, c.jurisdiction_id FROM evaluation e JOIN campus c ON c.id = e.campus_id JOIN jurisdiction cj ON cj.id = c.jurisdiction_id
    JOIN evaluation_cycle y ON y.id = e.cycle_id JOIN jurisdiction yj ON yj.id = y.jurisdiction_id WHERE cj.code = '530129' AND yj.code = '530100' LIMIT 1`);
  expect(e).toBeTruthy();
  const d = await hub.as(bureauOf('530129')).data(`query($id: ID!) { node(id: $id) { id ... on Evaluation { totalScore campus { jurisdiction { code } } } } }`, { id: gid('Evaluation', e.id) });
  expect(d.node.campus.jurisdiction.code).toBe('530129');
  // A neighbouring county does not.
  const other = await hub.as(bureauOf('530128')).data(`query($id: ID!) { node(id: $id) { id } }`, { id: gid('Evaluation', e.id) });
  expect(other.node).toBeNull();
});

test('school(code) answers what node(id) answers; a reached group\'s charter is not shown', async () => {
  const xuanhe = await one(`SELECT g.id, s.code FROM education_group g JOIN campus c ON c.id = g.lead_campus_id JOIN school s ON s.id = c.school_id WHERE g.name = '中卫市宣和教育集团'`);
  const gz = hub.as(bureauOf('620702'));
  const d = await gz.gql(`query($code: String!, $g: ID!) { school(code: $code) { name } group(id: $g) { name charter { title } } }`, { code: xuanhe.code, g: gid('EducationGroup', xuanhe.id) });
  expect(d.data.school?.name).toBeTruthy();
  expect(d.data.group.name).toBe('中卫市宣和教育集团');
  expect(d.data.group.charter).toBeNull();
  expect(d.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([['group.charter', 'FORBIDDEN']]);
});

test('the precheck sees GET documents however the URL is padded, and counts repeated fields', async () => {
  const headers = await hub.headers({ sub: 't:an', role: 'ANALYST', jurisdiction: '000000' });
  const tree = '{ jurisdiction(code:"000000"){ children{ parent{ children{ parent{ children{ code }}}}}}}';
  const url = `${hub.url}?${'&'.repeat(1500)}&query=${encodeURIComponent(tree)}`;
  const got = await fetch(url, { headers: { ...headers, 'apollo-require-preflight': '1' } });
  expect(got.status).toBe(400);
  expect((await got.json()).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  const repeated = await hub.as({ sub: 't:an', role: 'ANALYST', jurisdiction: '000000' }).gql(`{ ${'viewer { role } '.repeat(1200)} }`);
  expect(repeated.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', rule: 'fields' });
});

test('every row served costs: a page of the feed is priced by its size, whatever it selects', async () => {
  const r = await hub.gql(`{ changes(first: 5000) { changes { entityId } } }`);
  expect(r.errors).toBeUndefined();
  expect((r as any).extensions?.cost ?? Number.NaN).toBeGreaterThanOrEqual(5000);
});

test('figures cannot be overflowed by inputs: counts and amounts are bounded', async () => {
  const [{ code }] = await hub.ds.query(`SELECT code FROM school WHERE name = '中卫市第四中学'`);
  const campus = await hub.as({ sub: 't:sa', role: 'SCHOOL_ADMIN', school: code })
    .gql(`mutation { upsertCampus(input: { schoolCode: "${code}", name: "中卫市第四中学", studentCount: 2147483647 }) { id } }`);
  expect(campus.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.studentCount' });
  const policy = await hub.as(bureauOf('640502')).gql(`mutation { setGroupPolicy(jurisdictionCode: "640502", input: { fundingBaseAmount: 2147483647 }) { coverageTarget } }`);
  expect(policy.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.fundingBaseAmount' });
});

test('a proposed group is not in its member counties\' lists until it runs', async () => {
  // 昆明市 proposes a group led by its own 市属 school's campus lying in 五华区.
  const lead = await one(`SELECT c.id FROM education_group g JOIN campus c ON c.id = g.lead_campus_id WHERE g.name = '昆明市明远实验小学教育集团'`);
  const city = hub.as(bureauOf('530100'));
  await city.data(`mutation($g: ID!) { dissolveGroup(id: $g, reason: "重组") { status } }`, { g: gid('EducationGroup', (await one(`SELECT id FROM education_group WHERE name = '昆明市明远实验小学教育集团'`)).id) });
  const made = await city.data(`mutation($c: ID!) { createGroup(input: { name: "明远新集团", mode: COMMUNITY, leadCampusId: $c }) { id status } }`, { c: gid('Campus', lead.id) });
  expect(made.createGroup.status).toBe('PROPOSED');
  const listed = async () => (await hub.as(bureauOf('530102')).data(`{ groups(first: 500) { edges { node { id } } } }`)).groups.edges.map((e: any) => e.node.id);
  expect(await listed()).not.toContain(made.createGroup.id);
  await city.data(`mutation($g: ID!) { approveGroup(id: $g) { status } }`, { g: made.createGroup.id });
  expect(await listed()).toContain(made.createGroup.id);
});
