import { newId } from '../server/db/ids';
import { encodeId } from '../server/graphql/ids';
import { As, startHub, TestHub } from './support/hub';

/** Group lifecycle and cross-county admission, over HTTP, on a database of their own. */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
const groupAdmin = (groupId: string): As => ({ sub: 't:group-admin', role: 'GROUP_ADMIN', group: groupId });

async function groupId(name: string): Promise<string> {
  const [{ id }] = await hub.ds.query(`SELECT id FROM education_group WHERE name = $1`, [name]);
  return encodeId('EducationGroup', id);
}

/** A new school with one campus in a county (schools are registered through SQL until upsertSchool is tested). */
async function newCampus(county: string, name: string, code: string): Promise<string> {
  const [{ id: jid }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [county]);
  const school = newId();
  const campus = newId();
  await hub.ds.query(`INSERT INTO school (id, code, name, type, type_code, jurisdiction_id) VALUES ($1, $2, $3, 'PRIMARY', '211', $4)`, [school, code, name, jid]);
  await hub.ds.query(`INSERT INTO campus (id, school_id, name, stages, urban_rural, jurisdiction_id, student_count) VALUES ($1, $2, $3, '{PRIMARY}', 'RURAL', $4, 120)`,
    [campus, school, name, jid]);
  return encodeId('Campus', campus);
}

const MEMBERSHIP = `id status pendingApprovals joinedOn approvals { authority decision decidedBy jurisdiction { code } }`;

describe('group lifecycle', () => {
  test('create (PROPOSED, lead membership), approve, suspend, reinstate, dissolve; audited and on the feed', async () => {
    const [{ id: campus }] = await hub.ds.query(`SELECT c.id FROM campus c WHERE c.name = '沙坡头区迎水镇沙坡头小学'`);
    const input = { name: '沙坡头区迎水教育共同体', mode: 'COMMUNITY', leadCampusId: encodeId('Campus', campus) };
    const create = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id status jurisdiction { code } leadCampus { name }
      memberships { edges { node { role status } } } } }`;
    // Only the bureau over the lead school may create (and approve) it.
    const wrong = await hub.as(bureauOf('640000')).gql(create, { input });
    expect(wrong.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(wrong.errors?.[0].message).toContain('沙坡头区 (640502)');
    const [{ id: busy }] = await hub.ds.query(`SELECT lead_campus_id AS id FROM education_group WHERE name = '中卫市第四中学教育集团'`);
    const taken = await hub.as(bureauOf('640502')).gql(create, { input: { ...input, leadCampusId: encodeId('Campus', busy) } });
    expect(taken.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'input.leadCampusId' });
    const blank = await hub.as(bureauOf('640502')).gql(create, { input: { ...input, name: '  ' } });
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });

    const sp = hub.as(bureauOf('640502'));
    const g = (await sp.data(create, { input })).createGroup;
    expect(g).toMatchObject({ status: 'PROPOSED', jurisdiction: { code: '640502' }, leadCampus: { name: '沙坡头区迎水镇沙坡头小学' } });
    expect(g.memberships.edges).toEqual([{ node: { role: 'LEAD', status: 'ACTIVE' } }]);

    const step = async (m: string, extra = '') => (await sp.data(`mutation($id: ID!) { ${m}(id: $id${extra}) { status establishedOn dissolvedOn } }`, { id: g.id }))[m];
    expect((await step('approveGroup')).status).toBe('ACTIVE');
    expect((await step('suspendGroup', ', reason: "整改"')).status).toBe('SUSPENDED');
    const again = await sp.gql(`mutation($id: ID!) { suspendGroup(id: $id, reason: "x") { status } }`, { id: g.id });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await step('approveGroup')).status).toBe('ACTIVE');
    const dissolved = await step('dissolveGroup', ', reason: "考核不合格"');
    expect(dissolved.status).toBe('DISSOLVED');
    expect(dissolved.dissolvedOn).not.toBeNull();
    const after = await sp.data(`query($id: ID!) { group(id: $id) { memberships { edges { node { status leftOn } } } } auditLog(entityId: $id) { totalCount edges { node { action actor diff } } } }`, { id: g.id });
    expect(after.group.memberships.edges.every((e: any) => e.node.status === 'EXITED' && e.node.leftOn === dissolved.dissolvedOn)).toBe(true);
    expect(after.auditLog.edges.map((e: any) => e.node.action)).toEqual(['dissolveGroup', 'approveGroup', 'suspendGroup', 'approveGroup', 'createGroup']);
    expect(JSON.parse(after.auditLog.edges[0].node.diff)).toMatchObject({ before: { status: 'ACTIVE' }, after: { status: 'DISSOLVED' } });
    const feed = await sp.data(`{ changes(first: 5000, entityTypes: ["EducationGroup"]) { changes { entityId operation } } }`);
    expect(feed.changes.changes.filter((c: any) => c.entityId === g.id)).toHaveLength(5);
    // The audit trail is read within scope: another county's bureau sees none of it.
    const far = await hub.as(bureauOf('620702')).data(`query($id: ID!) { auditLog(entityId: $id) { totalCount } }`, { id: g.id });
    expect(far.auditLog.totalCount).toBe(0);
    const city = await hub.as(bureauOf('640500')).data(`query($id: ID!) { auditLog(entityId: $id) { totalCount } }`, { id: g.id });
    expect(city.auditLog.totalCount).toBe(5);
  });
});

describe('cross-county admission (跨县域吸收)', () => {
  test('4 approvals by 3 bureaus and the group council, in order; out-of-turn deciders are FORBIDDEN', async () => {
    const group = await groupId('甘州区北街小学教育集团');
    const campus = await newCampus('620722', '民乐县六坝镇海潮坝小学', '2162072201');
    // 民乐县 applies for its campus.
    const applied = (await hub.as(bureauOf('620722')).data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { ${MEMBERSHIP} } }`,
      { g: group, c: campus })).applyForMembership;
    expect(applied.status).toBe('APPLIED');
    expect(applied.pendingApprovals).toEqual(['GROUP_COUNCIL', 'SUPERVISING_BUREAU', 'HOME_BUREAU', 'COMMON_PARENT_BUREAU']);
    const decide = (who: As, decision = 'APPROVED') =>
      hub.as(who).gql(`mutation($id: ID!, $d: ApprovalDecision!) { decideMembership(id: $id, decision: $d, comment: "同意") { ${MEMBERSHIP} } }`, { id: applied.id, d: decision });
    const order: Array<[As, string]> = [
      [groupAdmin(group), '理事会'],
      [bureauOf('620702'), '甘州区 (620702)'],
      [bureauOf('620722'), '民乐县 (620722)'],
      [bureauOf('620700'), '张掖市 (620700)'],
    ];
    for (let i = 0; i < order.length; i++) {
      // Everyone but the next authority is turned away, and told who is next.
      for (let j = 0; j < order.length; j++) {
        if (j === i) continue;
        const r = await decide(order[j][0]);
        expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
        expect(r.errors?.[0].message).toContain(order[i][1]);
      }
      const r = await decide(order[i][0]);
      expect(r.errors).toBeUndefined();
    }
    const done = (await hub.data(`query($id: ID!) { node(id: $id) { ... on GroupMembership { ${MEMBERSHIP} } } }`, { id: applied.id })).node;
    expect(done.status).toBe('ACTIVE');
    expect(done.joinedOn).toBe('2026-11-23');
    expect(done.pendingApprovals).toEqual([]);
    expect(done.approvals.map((a: any) => [a.authority, a.jurisdiction?.code ?? null])).toEqual([
      ['GROUP_COUNCIL', null], ['SUPERVISING_BUREAU', '620702'], ['HOME_BUREAU', '620722'], ['COMMON_PARENT_BUREAU', '620700'],
    ]);
    const g = await hub.data(`query($g: ID!) { group(id: $g) { crossJurisdiction memberJurisdictions { code } } }`, { g: group });
    expect(g.group.crossJurisdiction).toBe(true);
  });

  test('a rejection ends the application; withdrawal by the applicant', async () => {
    const group = await groupId('甘州区北街小学教育集团');
    const c1 = await newCampus('620722', '民乐县永固镇小学', '2162072202');
    const c2 = await newCampus('620722', '民乐县南古镇小学', '2162072203');
    const apply = async (c: string) => (await hub.as(bureauOf('620722')).data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`, { g: group, c })).applyForMembership.id;
    const m1 = await apply(c1);
    const rejected = await hub.as(groupAdmin(group)).data(`mutation($id: ID!) { decideMembership(id: $id, decision: REJECTED, comment: "名额已满") { status pendingApprovals } }`, { id: m1 });
    expect(rejected.decideMembership).toEqual({ status: 'REJECTED', pendingApprovals: [] });
    const m2 = await apply(c2);
    const dup = await hub.as(bureauOf('620722')).gql(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`, { g: group, c: c2 });
    expect(dup.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'campusId' });
    const w = await hub.as(bureauOf('620722')).data(`mutation($id: ID!) { withdrawMembership(id: $id) { status } }`, { id: m2 });
    expect(w.withdrawMembership.status).toBe('WITHDRAWN');
  });
});

describe('race safety', () => {
  /** Campuses that have applied and passed the council, waiting for the supervising bureau. */
  async function waitingForBureau(group: string, county: string, n: number, base: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const campus = await newCampus(county, `竞争测试小学${base + i}`, `21${county}${base + i}`);
      const m = (await hub.as(bureauOf(county)).data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`, { g: group, c: campus })).applyForMembership.id;
      await hub.as(groupAdmin(group)).data(`mutation($id: ID!) { decideMembership(id: $id, decision: APPROVED) { status } }`, { id: m });
      ids.push(m);
    }
    return ids;
  }

  const finalApprovals = (county: string, ids: string[]) =>
    Promise.all(ids.map((id) => hub.as(bureauOf(county)).gql(`mutation($id: ID!) { decideMembership(id: $id, decision: APPROVED) { status } }`, { id })));

  test.each([
    ['皇路店镇王庄中学教育集团', 1, 50],
    ['皇路店镇鸭河中学教育集团', 2, 70],
  ])('20 concurrent final approvals for %s with %i free seat(s): exactly that many become ACTIVE', async (name, seats, base) => {
    const group = await groupId(name);
    const ids = await waitingForBureau(group, '411373', 20, base);
    // Feed entries of memberships: an admission also re-announces what its campus's readers gain (feed-scope.test.ts).
    const counts = async () => (await hub.ds.query(`SELECT (SELECT count(*) FROM audit_entry)::int AS audit,
      (SELECT count(*) FROM change_event WHERE entity_type = 'GroupMembership')::int AS feed, (SELECT count(*) FROM membership_approval)::int AS approvals`))[0];
    const before = await counts();
    const results = await finalApprovals('411373', ids);
    const ok = results.filter((r) => !r.errors);
    expect(ok).toHaveLength(seats);
    for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions?.code).toBe('POLICY_VIOLATION');
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM group_membership m JOIN education_group g ON g.id = m.group_id
      WHERE g.name = $1 AND m.status = 'ACTIVE' AND m.role = 'MEMBER'`, [name]);
    expect(n).toBe(5);
    // The losers are still waiting for a seat, their last approval not recorded.
    const [{ waiting }] = await hub.ds.query(`SELECT count(*)::int AS waiting FROM group_membership m JOIN education_group g ON g.id = m.group_id
      WHERE g.name = $1 AND m.status = 'APPLIED'`, [name]);
    expect(waiting).toBe(20 - seats);
    // Nothing of the refused approvals was written: no approval, no audit entry, no feed entry.
    const after = await counts();
    expect(after).toEqual({ audit: before.audit + seats, feed: before.feed + seats, approvals: before.approvals + seats });
  });

  test('one campus, two groups, final approvals at once: it joins exactly one', async () => {
    const a = await groupId('甘州区南关学校教育集团');
    const b = await groupId('甘州区青年东街小学教育集团');
    for (let round = 0; round < 3; round++) {
      const campus = await newCampus('620702', `双申请测试小学${round}`, `216207029${round}`);
      const ms: string[] = [];
      for (const g of [a, b]) {
        const m = (await hub.as(bureauOf('620702')).data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`, { g, c: campus })).applyForMembership.id;
        await hub.as(groupAdmin(g)).data(`mutation($id: ID!) { decideMembership(id: $id, decision: APPROVED) { status } }`, { id: m });
        ms.push(m);
      }
      const results = await finalApprovals('620702', ms);
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.find((r) => r.errors)!.errors![0].extensions?.code).toBe('POLICY_VIOLATION');
    }
  });
});

describe('admission across provinces', () => {
  test('a 甘州区 (Gansu) campus cannot apply to a 沙坡头区 (Ningxia) group: POLICY_VIOLATION, nothing written', async () => {
    const campus = await newCampus('620702', '甘州区跨省测试小学', '2162070299');
    const g = await groupId('中卫市第四中学教育集团');
    const count = async () => (await hub.ds.query(`SELECT (SELECT count(*) FROM group_membership)::int + (SELECT count(*) FROM audit_entry)::int AS n`))[0].n;
    const before = await count();
    const r = await hub.as(bureauOf('620702')).gql(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`, { g, c: campus });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'POLICY_VIOLATION', field: 'campusId' });
    expect(await count()).toBe(before);
  });
});
