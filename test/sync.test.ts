import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { newId } from '../server/db/ids';
import { pruneFeed } from '../server/feed/retention';
import { checkDigit } from '../server/staff/pii';
import { encodeId } from '../server/graphql/ids';
import { As, Client, startHub, TestHub } from './support/hub';

/** MIS vendors' writes (upserts by natural key), resources, evaluations, and syncing from the change feed. */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const spBureau: As = { sub: 't:sp', role: 'BUREAU_ADMIN', jurisdiction: '640502' };
const SCHOOL = `mutation($input: UpsertSchoolInput!) { upsertSchool(input: $input) { id code name type campuses { name stages } } }`;
const CAMPUS = `mutation($input: UpsertCampusInput!) { upsertCampus(input: $input) { id name urbanRural studentCount jurisdiction { code } } }`;
const STAFF = `mutation($input: UpsertStaffInput!) { upsertStaff(input: $input) { id name nationalIdMasked homeCampus { id } } }`;

async function vendor(scopes: string[], schoolIds: string[] = []): Promise<Client> {
  const key = newApiKey();
  const [{ id: jid }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = '640502'`);
  await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash) VALUES ($1, $2, 'VENDOR', $3, $4, $5, $6)`,
    [newId(), `vendor ${key.slice(4, 10)}`, jid, schoolIds, scopes, hashApiKey(key)]);
  return hub.as({ apiKey: key });
}

const feedCount = async () => (await hub.ds.query(`SELECT count(*)::int AS n FROM change_event`))[0].n;

describe('upserts by natural key', () => {
  test('schools: validated codes, a main campus, idempotent', async () => {
    const b = hub.as(spBureau);
    const input = { code: '2164050299', name: '沙坡头区镇罗镇中心小学', type: 'PRIMARY', typeCode: '211', jurisdictionCode: '640502' };
    const s = (await b.data(SCHOOL, { input })).upsertSchool;
    expect(s).toMatchObject({ code: '2164050299', campuses: [{ name: '沙坡头区镇罗镇中心小学', stages: ['PRIMARY'] }] });
    const before = await feedCount();
    expect((await b.data(SCHOOL, { input })).upsertSchool.id).toBe(s.id);
    expect(await feedCount()).toBe(before); // nothing changed, nothing written
    const renamed = (await b.data(SCHOOL, { input: { ...input, name: '沙坡头区镇罗镇中心学校' } })).upsertSchool;
    expect(renamed.name).toBe('沙坡头区镇罗镇中心学校');
    expect(await feedCount()).toBe(before + 1);
    for (const [field, bad] of [['input.code', { code: '2162050299' }], ['input.code', { code: '21640502' }], ['input.typeCode', { typeCode: '21' }], ['input.jurisdictionCode', { jurisdictionCode: '999999' }]] as const) {
      const r = await b.gql(SCHOOL, { input: { ...input, ...bad } });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const other = await hub.as({ sub: 't', role: 'BUREAU_ADMIN', jurisdiction: '640000' }).gql(SCHOOL, { input });
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test('campuses and staff: school admins and vendors with write scopes sync them; ID numbers checked', async () => {
    const admin = hub.as({ sub: 't:sa', role: 'SCHOOL_ADMIN', school: '2164050299' });
    const missing = await admin.gql(CAMPUS, { input: { schoolCode: '2164050299', name: '分校' } });
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.urbanRural' });
    const campus = (await admin.data(CAMPUS, { input: { schoolCode: '2164050299', name: '分校', urbanRural: 'RURAL', stages: ['PRIMARY'], studentCount: 180 } })).upsertCampus;
    expect(campus).toMatchObject({ name: '分校', urbanRural: 'RURAL', studentCount: 180, jurisdiction: { code: '640502' } });
    const negative = await admin.gql(CAMPUS, { input: { schoolCode: '2164050299', name: '分校', studentCount: -1 } });
    expect(negative.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.studentCount' });

    const readOnly = await vendor(['staff:read', 'campus:read']);
    const writer = await vendor(['staff:read', 'staff:write', 'campus:read']);
    const input = { externalId: 'T-0001', homeCampusId: campus.id, name: '马晓燕', nationalId: '640502198805060021', role: 'TEACHER', title: 'FIRST', subjects: ['语文'], backbone: true, fullTimeTeacher: true };
    // A valid check digit for the ID above.
    input.nationalId = input.nationalId.slice(0, 17) + checkDigit(input.nationalId.slice(0, 17));
    expect((await readOnly.gql(STAFF, { input })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const wrongDigit = { ...input, nationalId: input.nationalId.slice(0, 17) + (input.nationalId[17] === '1' ? '2' : '1') };
    expect((await writer.gql(STAFF, { input: wrongDigit })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.nationalId' });
    const s1 = (await writer.data(STAFF, { input })).upsertStaff;
    expect(s1.nationalIdMasked).toBe(`${'*'.repeat(14)}${input.nationalId.slice(-4)}`);
    const s2 = (await writer.data(STAFF, { input: { ...input, name: '马晓艳' } })).upsertStaff;
    expect(s2.id).toBe(s1.id);
    expect(s2.name).toBe('马晓艳');
  });
});

describe('resources', () => {
  test('libraries, resources, uses and soft deletes', async () => {
    const [g] = await hub.ds.query(`SELECT g.id, g.lead_campus_id, c.school_id FROM education_group g JOIN campus c ON c.id = g.lead_campus_id WHERE g.name = '中卫市宣和教育集团'`);
    const ga = hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', g.id) });
    const lib = (await ga.data(`mutation($input: CreateLibraryInput!) { createLibrary(input: $input) { id name visibility } }`,
      { input: { groupId: encodeId('EducationGroup', g.id), name: '宣和集团作业设计库' } })).createLibrary;
    expect(lib.visibility).toBe('GROUP');
    const create = `mutation($input: CreateResourceInput!) { createResource(input: $input) { id title useCount contributingCampus { id } } }`;
    const base = { libraryId: lib.id, title: '七年级数学分层作业', kind: 'EXERCISE_SET', subject: '数学', stages: ['JUNIOR'], uri: 'resources/x.pdf', contributingCampusId: encodeId('Campus', g.lead_campus_id) };
    const [{ id: outsider }] = await hub.ds.query(`SELECT lead_campus_id AS id FROM education_group WHERE name = '中卫市兴仁教育集团'`);
    const wrongCampus = await ga.gql(create, { input: { ...base, contributingCampusId: encodeId('Campus', outsider) } });
    expect(wrongCampus.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.contributingCampusId' });
    const r = (await ga.data(create, { input: base })).createResource;
    const [{ campus_id: member }] = await hub.ds.query(`SELECT campus_id FROM group_membership WHERE group_id = $1 AND role = 'MEMBER' AND status = 'ACTIVE' LIMIT 1`, [g.id]);
    const used = await ga.data(`mutation($r: ID!, $c: ID!) { recordResourceUse(resourceId: $r, campusId: $c, kind: TEACH) { useCount uses { count } } }`,
      { r: r.id, c: encodeId('Campus', member) });
    expect(used.recordResourceUse.useCount).toBe(1);
    const deleted = await ga.data(`mutation($id: ID!) { deleteResource(id: $id) }`, { id: r.id });
    expect(deleted.deleteResource).toBe(r.id);
    expect((await ga.data(`query($id: ID!) { node(id: $id) { id } }`, { id: r.id })).node).toBeNull();
    const again = await ga.gql(`mutation($id: ID!) { deleteResource(id: $id) }`, { id: r.id });
    expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('evaluations', () => {
  test('a cycle, scores within maxScore, who records which kind, confirm, close', async () => {
    const b = hub.as(spBureau);
    const indicators = [
      { key: 'party_building', name: '党建引领', maxScore: 10, targetType: 'GROUP' },
      { key: 'comprehensive', name: '综合', maxScore: 90, targetType: 'GROUP' },
      { key: 'quality', name: '教育教学质量', maxScore: 100, targetType: 'CAMPUS' },
    ];
    const create = `mutation($input: CreateEvaluationCycleInput!) { createEvaluationCycle(input: $input) { id status indicators { key } weights { memberAverage } } }`;
    const bad = await b.gql(create, { input: { jurisdictionCode: '640502', name: '测试', schoolYear: '2026-2027', indicators: [{ ...indicators[0], maxScore: 20 }, indicators[1]] } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.indicators' });
    const y = (await b.data(create, { input: { jurisdictionCode: '640502', name: '2026-2027学年中期考核', schoolYear: '2026-2027', indicators } })).createEvaluationCycle;
    expect(y.status).toBe('OPEN');
    const [g] = await hub.ds.query(`SELECT g.id, c.school_id AS lead_school FROM education_group g JOIN campus c ON c.id = g.lead_campus_id WHERE g.name = '中卫市第四中学教育集团'`);
    const [{ campus_id: member }] = await hub.ds.query(`SELECT campus_id FROM group_membership WHERE group_id = $1 AND role = 'MEMBER' AND status = 'ACTIVE' LIMIT 1`, [g.id]);
    const record = `mutation($input: RecordEvaluationInput!) { recordEvaluation(input: $input) { id status totalScore grade } }`;
    const groupInput = { cycleId: y.id, targetType: 'GROUP', targetId: encodeId('EducationGroup', g.id), evaluatorKind: 'BUREAU', scores: [{ indicatorKey: 'party_building', score: 9 }, { indicatorKey: 'comprehensive', score: 80 }], submit: true };
    const over = await b.gql(record, { input: { ...groupInput, scores: [{ indicatorKey: 'party_building', score: 11 }] } });
    expect(over.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scores[0].score' });
    const e = (await b.data(record, { input: groupInput })).recordEvaluation;
    expect(e).toMatchObject({ status: 'SUBMITTED', totalScore: 89, grade: 'GOOD' });
    // The lead school scores members; a third party needs an EVALUATOR assignment.
    const campusInput = { cycleId: y.id, targetType: 'CAMPUS', targetId: encodeId('Campus', member), evaluatorKind: 'LEAD_SCHOOL', scores: [{ indicatorKey: 'quality', score: 75 }] };
    expect((await b.gql(record, { input: campusInput })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const ga = hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', g.id) });
    expect((await ga.data(record, { input: campusInput })).recordEvaluation.status).toBe('DRAFT');
    const third = { ...campusInput, evaluatorKind: 'THIRD_PARTY' };
    expect((await ga.gql(record, { input: third })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const evaluator = hub.as({ sub: 't:agency', role: 'EVALUATOR', cycles: [y.id] });
    expect((await evaluator.data(record, { input: { ...third, submit: true } })).recordEvaluation.status).toBe('SUBMITTED');
    // Confirm, then close: no more writes.
    expect((await b.data(`mutation($id: ID!) { confirmEvaluation(id: $id) { status } }`, { id: e.id })).confirmEvaluation.status).toBe('CONFIRMED');
    const changeConfirmed = await b.gql(record, { input: groupInput });
    expect(changeConfirmed.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await b.data(`mutation($id: ID!) { closeEvaluationCycle(id: $id) { status } }`, { id: y.id })).closeEvaluationCycle.status).toBe('CLOSED');
    const late = await evaluator.gql(record, { input: third });
    expect(late.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.cycleId' });
  });
});

describe('the change feed', () => {
  test('a vendor syncing from no cursor ends with exactly its visible dataset, while writes run', async () => {
    const v = await vendor(['campus:read', 'staff:read', 'resource:read', 'group:read']);
    const replica = new Map<string, string>(); // entityId -> entityType
    let cursor: string | null = null;
    const pull = async () => {
      for (;;) {
        const d: any = await v.data(`query($after: String) { changes(after: $after, first: 300) { endCursor hasMore
          changes { cursor entityType entityId operation node { id } } } }`, { after: cursor });
        for (const c of d.changes.changes) {
          if (c.operation === 'DELETE' || c.node === null) replica.delete(c.entityId);
          else replica.set(c.entityId, c.entityType);
        }
        cursor = d.changes.endCursor;
        if (!d.changes.hasMore) return;
      }
    };
    // Writers: a bureau registering staff and a group admin sharing and withdrawing resources.
    const [g] = await hub.ds.query(`SELECT id, lead_campus_id FROM education_group WHERE name = '中卫市兴仁教育集团'`);
    const ga = hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', g.id) });
    const [lib] = await hub.ds.query(`SELECT id FROM resource_library WHERE group_id = $1 LIMIT 1`, [g.id]);
    const one = async (i: number) => {
      await hub.as(spBureau).data(STAFF, { input: { externalId: `SYNC-${i}`, homeCampusId: encodeId('Campus', g.lead_campus_id), name: `同步测试${i}`, role: 'TEACHER', title: 'SECOND', subjects: ['英语'], backbone: false, fullTimeTeacher: true } });
      const r = (await ga.data(`mutation($input: CreateResourceInput!) { createResource(input: $input) { id } }`, { input: {
        libraryId: encodeId('ResourceLibrary', lib.id), title: `同步资源${i}`, kind: 'COURSEWARE', subject: '英语', stages: ['JUNIOR'], uri: `r/${i}`,
        contributingCampusId: encodeId('Campus', g.lead_campus_id) } })).createResource;
      if (i % 3 === 0) await ga.data(`mutation($id: ID!) { deleteResource(id: $id) }`, { id: r.id });
    };
    // Four writers at once: transactions commit in a different order than they started.
    const writes = Promise.all([0, 1, 2, 3].map(async (lane) => {
      for (let i = lane; i < 24; i += 4) await one(i);
    }));
    while (!(await Promise.race([writes.then(() => true), new Promise((r) => setTimeout(() => r(false), 30))]))) await pull();
    await writes;
    await pull();
    const all = async (field: string) => {
      const ids: string[] = [];
      let after: string | null = null;
      for (;;) {
        const d: any = await v.data(`query($after: String) { ${field}(first: 500, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`, { after });
        ids.push(...d[field].edges.map((e: any) => e.node.id));
        if (!d[field].pageInfo.hasNextPage) return ids.sort();
        after = d[field].pageInfo.endCursor;
      }
    };
    const of = (type: string) => [...replica].filter(([, t]) => t === type).map(([id]) => id).sort();
    expect(of('Staff')).toEqual(await all('staffMembers'));
    expect(of('Resource')).toEqual(await all('resources'));
    expect(of('Campus')).toEqual(await all('campuses'));
    expect(of('EducationGroup')).toEqual(await all('groups'));
    expect(of('Staff').length).toBeGreaterThan(1000);
  });

  test('retention: cursors past the window answer RESYNC_REQUIRED; compaction keeps every live entity', async () => {
    const old = Buffer.from(`f:1:1:${Math.floor(Date.now() / 1000) - 91 * 86400}`).toString('base64url');
    const r = await hub.gql(`query($after: String) { changes(after: $after) { hasMore } }`, { after: old });
    expect(r.errors?.[0].extensions?.code).toBe('RESYNC_REQUIRED');
    // Age every entry, then prune: superseded entries and tombstones go, the latest per live entity stays.
    await hub.ds.query(`UPDATE change_event SET at = now() - interval '100 days'`);
    const [{ live }] = await hub.ds.query(`SELECT count(DISTINCT entity_id)::int AS live FROM change_event e
      WHERE NOT EXISTS (SELECT 1 FROM change_event n WHERE n.entity_id = e.entity_id AND (n.txid, n.seq) > (e.txid, e.seq)) AND e.operation = 'UPSERT'`);
    expect(await pruneFeed(hub.ds, 90)).toBeGreaterThan(0);
    const [{ n, distinct }] = await hub.ds.query(`SELECT count(*)::int AS n, count(DISTINCT entity_id)::int AS distinct FROM change_event`);
    expect(n).toBe(live);
    expect(distinct).toBe(live);
  });
});
