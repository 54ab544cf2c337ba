import { decodeId, encodeId } from '../server/graphql/ids';
import { As, startHub, TEST_NOW, TestHub } from './support/hub';

/** Postings, policy and API clients: writes over HTTP on a database of their own. */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });

/** Full-time teachers of a group's lead campus with no open posting, and a member campus. */
async function postingFixture(groupName: string, n: number) {
  const [g] = await hub.ds.query(`SELECT id, lead_campus_id FROM education_group WHERE name = $1`, [groupName]);
  const [{ campus_id: member }] = await hub.ds.query(`SELECT campus_id FROM group_membership WHERE group_id = $1 AND role = 'MEMBER' AND status = 'ACTIVE' LIMIT 1`, [g.id]);
  const staff = await hub.ds.query(`SELECT s.id FROM staff s WHERE s.home_campus_id = $1 AND s.full_time_teacher
    AND NOT EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id AND p.status <> 'CANCELLED' AND coalesce(p.end_date, 'infinity') >= '2027-01-01')
    ORDER BY s.id LIMIT ${n}`, [g.lead_campus_id]);
  return {
    group: encodeId('EducationGroup', g.id),
    lead: encodeId('Campus', g.lead_campus_id),
    member: encodeId('Campus', member),
    staff: staff.map((s: { id: string }) => encodeId('Staff', s.id)),
  };
}

const CREATE = `mutation($input: CreatePostingInput!) { createPosting(input: $input) { id status type hostRole startDate endDate countsAsRuralService
  fromCampus { id } toCampus { id } group { id } } }`;

describe('postings', () => {
  test('create, start, complete; lead-campus service at a member counts as rural service; rules enforced', async () => {
    const f = await postingFixture('中卫市第四中学教育集团', 2);
    const admin = hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: f.group });
    const input = { staffId: f.staff[0], toCampusId: f.member, type: 'ROTATION', hostRole: 'TEACHER', startDate: '2027-02-20', endDate: '2027-07-10' };
    const p = (await admin.data(CREATE, { input })).createPosting;
    expect(p).toMatchObject({ status: 'PLANNED', countsAsRuralService: true, fromCampus: { id: f.lead }, toCampus: { id: f.member }, group: { id: f.group } });
    // One open posting per person; dates; another group's campus; another bureau.
    const twice = await admin.gql(CREATE, { input: { ...input, startDate: '2027-08-01', endDate: null } });
    expect(twice.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.staffId' });
    const backwards = await admin.gql(CREATE, { input: { ...input, staffId: f.staff[1], endDate: '2027-01-01' } });
    expect(backwards.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.endDate' });
    const [{ id: foreign }] = await hub.ds.query(`SELECT lead_campus_id AS id FROM education_group WHERE name = '中卫市兴仁教育集团'`);
    const outside = await admin.gql(CREATE, { input: { ...input, staffId: f.staff[1], toCampusId: encodeId('Campus', foreign) } });
    expect(outside.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'input.toCampusId' });
    const stranger = await hub.as(bureauOf('620702')).gql(CREATE, { input: { ...input, staffId: f.staff[1] } });
    expect(stranger.errors?.[0].extensions?.code).toBe('FORBIDDEN'); // 甘州区 does not supervise the group

    // ACTIVE means it is taking place: not before its start date.
    const notYet = await admin.gql(`mutation($id: ID!) { startPosting(id: $id) { status } }`, { id: p.id });
    expect(notYet.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    // One that began this school year starts, and completes on (or after) the day it ended.
    const running = (await admin.data(CREATE, { input: { ...input, staffId: f.staff[1], startDate: '2026-10-12', endDate: null } })).createPosting;
    const start = await admin.data(`mutation($id: ID!) { startPosting(id: $id) { status staff { currentPosting { id } } } }`, { id: running.id });
    expect(start.startPosting).toEqual({ status: 'ACTIVE', staff: { currentPosting: { id: running.id } } });
    const early = await admin.gql(`mutation($id: ID!) { completePosting(id: $id, endDate: "2026-10-01") { status } }`, { id: running.id });
    expect(early.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'endDate' });
    // COMPLETED means it took place: never with an end still ahead (it would count in years to come).
    const ahead = await admin.gql(`mutation($id: ID!) { completePosting(id: $id, endDate: "2027-07-01") { status } }`, { id: running.id });
    expect(ahead.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'endDate' });
    const today = new Date(TEST_NOW.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const done = await admin.data(`mutation($id: ID!, $d: Date!) { completePosting(id: $id, endDate: $d) { status endDate } }`, { id: running.id, d: today });
    expect(done.completePosting).toEqual({ status: 'COMPLETED', endDate: today });
    const cancel = await admin.gql(`mutation($id: ID!) { cancelPosting(id: $id, reason: "x") { status } }`, { id: running.id });
    expect(cancel.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  test('a posting cannot be completed on or past a day its campus leaves the group (an exit due but not yet settled)', async () => {
    const f = await postingFixture('中卫市第四中学教育集团', 3);
    const admin = hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: f.group });
    const today = new Date(TEST_NOW.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const p = (await admin.data(CREATE, { input: { staffId: f.staff[2], toCampusId: f.member, type: 'ROTATION', hostRole: 'TEACHER', startDate: '2026-10-12', endDate: null } })).createPosting;
    await admin.data(`mutation($id: ID!) { startPosting(id: $id) { status } }`, { id: p.id });
    // The member's exit is due today and no write has settled it yet: the membership is still ACTIVE.
    const member = decodeId(f.member)!.uuid;
    const group = decodeId(f.group)!.uuid;
    await hub.ds.query(`UPDATE group_membership SET left_on = $3 WHERE group_id = $1 AND campus_id = $2 AND status = 'ACTIVE'`, [group, member, today]);
    try {
      const r = await admin.gql(`mutation($id: ID!, $d: Date!) { completePosting(id: $id, endDate: $d) { status } }`, { id: p.id, d: today });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'endDate' });
      expect((await hub.ds.query(`SELECT status FROM posting WHERE id = $1`, [decodeId(p.id)!.uuid]))[0].status).toBe('ACTIVE');
    } finally {
      await hub.ds.query(`UPDATE group_membership SET left_on = NULL WHERE group_id = $1 AND campus_id = $2 AND status = 'ACTIVE'`, [group, member]);
    }
  });

  test('racing postings for one person: exactly one is created, repeatedly', async () => {
    const f = await postingFixture('中卫市兴仁教育集团', 3);
    const admin = hub.as({ sub: 't:ga', role: 'GROUP_ADMIN', group: f.group });
    for (const staffId of f.staff) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        admin.gql(CREATE, { input: { staffId, toCampusId: f.member, type: 'TEACHING_SUPPORT', hostRole: 'TEACHER', startDate: `2027-03-${String(i + 1).padStart(2, '0')}`, endDate: '2027-06-30' } })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions?.code).toBe('CONFLICT');
    }
  });
});

describe('policy', () => {
  test('a bureau sets its own rules; unset fields inherit; null clears; bad values name the field', async () => {
    const set = `mutation($code: String!, $input: GroupPolicyInput!) { setGroupPolicy(jurisdictionCode: $code, input: $input) {
      source { code } maxMembers { mode maxMembers } minAnnualRotationRate coverageTarget funding { baseAmount } } }`;
    const other = await hub.as(bureauOf('640000')).gql(set, { code: '640500', input: { coverageTarget: 0.5 } });
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(other.errors?.[0].message).toContain('中卫市 (640500)');
    const city = hub.as(bureauOf('640500'));
    const bad = await city.gql(set, { code: '640500', input: { coverageTarget: 1.5 } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.coverageTarget' });
    const r = (await city.data(set, { code: '640500', input: { coverageTarget: 0.5, minAnnualRotationRate: 0.08, maxMembers: [{ mode: 'ALLIANCE', maxMembers: 6 }] } })).setGroupPolicy;
    expect(r).toEqual({ source: { code: '640500' }, maxMembers: [{ mode: 'ALLIANCE', maxMembers: 6 }], minAnnualRotationRate: 0.08, coverageTarget: 0.5, funding: null });
    // 沙坡头区 keeps its own coverage and funding and inherits the rest from the city.
    const sp = await hub.data(`{ jurisdiction(code: "640502") { policy { coverageTarget minAnnualRotationRate maxMembers { mode maxMembers } funding { baseAmount } } } }`);
    expect(sp.jurisdiction.policy).toEqual({ coverageTarget: 0.6, minAnnualRotationRate: 0.08, maxMembers: [{ mode: 'ALLIANCE', maxMembers: 6 }], funding: { baseAmount: 100000 } });
    // null clears one setting; the others stay.
    const cleared = (await city.data(set, { code: '640500', input: { minAnnualRotationRate: null } })).setGroupPolicy;
    expect(cleared).toMatchObject({ minAnnualRotationRate: null, coverageTarget: 0.5 });
    const audit = await hub.data(`{ auditLog(first: 5) { edges { node { action entityType } } } }`);
    expect(audit.auditLog.edges[0].node).toEqual({ action: 'setGroupPolicy', entityType: 'GroupPolicy' });
  });
});

describe('API clients', () => {
  test('created with a key shown once, usable at once, revoked by the bureau', async () => {
    const sp = hub.as(bureauOf('640502'));
    const create = `mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { apiKey client { id name role scopes schools { code } revokedAt } } }`;
    const bad = await sp.gql(create, { input: { name: 'x', role: 'VENDOR', jurisdictionCode: '640502', scopes: ['campus:raed'] } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scopes' });
    const admin = await sp.gql(create, { input: { name: 'x', role: 'BUREAU_ADMIN', jurisdictionCode: '640502', scopes: [] } });
    expect(admin.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.role' });
    const made = (await sp.data(create, { input: { name: '某教务系统', role: 'VENDOR', jurisdictionCode: '640502', schoolCodes: ['2164050203'], scopes: ['campus:read'] } })).createApiClient;
    expect(made.apiKey).toMatch(/^hub_[A-Za-z0-9_-]{43}$/);
    expect(made.client).toMatchObject({ name: '某教务系统', role: 'VENDOR', scopes: ['campus:read'], schools: [{ code: '2164050203' }], revokedAt: null });
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM api_client WHERE key_hash = $1 OR key_hash LIKE $2`, [made.apiKey, `%${made.apiKey.slice(4, 20)}%`]);
    expect(n).toBe(0); // only a hash is stored
    const asVendor = hub.as({ apiKey: made.apiKey });
    expect((await asVendor.data(`{ viewer { role } campuses { totalCount } }`)).viewer.role).toBe('VENDOR');
    const revoked = await sp.data(`mutation($id: ID!) { revokeApiClient(id: $id) { revokedAt } }`, { id: made.client.id });
    expect(revoked.revokeApiClient.revokedAt).not.toBeNull();
    expect((await asVendor.gql(`{ viewer { role } }`)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
