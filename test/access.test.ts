import { SignJWT } from 'jose';
import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { newId } from '../server/db/ids';
import { encodeId } from '../server/graphql/ids';
import { As, Client, startHub, TestHub } from './support/hub';

/**
 * The permission matrix (DOMAIN.md "Who sees what") over real HTTP: for each role, a caller
 * in scope and one out of scope, across the top-level lists, totals, node(id), nested edges
 * and the change feed. Lists and totals cover the *scope of record* only; what is merely
 * shared or related is reached through relations (test/reach.test.ts). Expected row sets are
 * restated here in plain SQL over the demo data, independently of server/access/rules.ts.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

const gid = (type: string, uuid: string) => encodeId(type, uuid);
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** Global ids of the rows an SQL query returns (column `id`). */
async function expected(type: string, query: string, params: unknown[] = []): Promise<string[]> {
  const rows = await hub.ds.query(query, params);
  return sorted(rows.map((r: { id: string }) => gid(type, r.id)));
}

/** Every node id of a top-level connection, paging through it; also checks totalCount. */
async function all(client: Client, field: string, args = ''): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  let total = -1;
  for (;;) {
    const d: any = await client.data(`query($after: String) { ${field}(first: 500, after: $after${args ? `, ${args}` : ''}) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`, { after });
    total = d[field].totalCount;
    ids.push(...d[field].edges.map((e: any) => e.node.id));
    if (!d[field].pageInfo.hasNextPage) break;
    after = d[field].pageInfo.endCursor;
  }
  expect(ids).toHaveLength(total);
  return sorted(ids);
}

async function nodeVisible(client: Client, id: string): Promise<boolean> {
  const d = await client.data(`query($id: ID!) { node(id: $id) { id } }`, { id });
  return d.node !== null;
}

/** Libraries a caller on this jurisdiction's line sees beyond its own groups: PUBLIC, and JURISDICTION ones on its line of the tree. */
const SHARED_LIBRARIES = `
  SELECT l.id FROM resource_library l JOIN education_group g ON g.id = l.group_id
  WHERE l.visibility = 'PUBLIC' OR (l.visibility = 'JURISDICTION' AND EXISTS (
    SELECT 1 FROM jurisdiction_ancestor x WHERE (x.ancestor_id = g.jurisdiction_id AND x.jurisdiction_id = $1)
                                            OR (x.ancestor_id = $1 AND x.jurisdiction_id = g.jurisdiction_id)))`;

let ids: Record<string, string>;
beforeAll(async () => {
  const one = async (q: string, p: unknown[] = []) => (await hub.ds.query(q, p))[0]?.id as string;
  ids = {
    sp: await one(`SELECT id FROM jurisdiction WHERE code = '640502'`),
    gz: await one(`SELECT id FROM jurisdiction WHERE code = '620702'`),
    xundian: await one(`SELECT id FROM jurisdiction WHERE code = '530129'`),
    luquan: await one(`SELECT id FROM jurisdiction WHERE code = '530128'`),
    kunming: await one(`SELECT id FROM jurisdiction WHERE code = '530100'`),
    siZhong: await one(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`),
    beiJie: await one(`SELECT id FROM education_group WHERE name = '甘州区北街小学教育集团'`),
    kmGroup: await one(`SELECT id FROM education_group WHERE name = '昆明市明远实验小学教育集团'`),
    siZhongSchool: await one(`SELECT id FROM school WHERE name = '中卫市第四中学'`),
    gzStaff: await one(`SELECT s.id FROM staff s JOIN campus c ON c.id = s.home_campus_id JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE j.code = '620702' LIMIT 1`),
    spStaff: await one(`SELECT s.id FROM staff s JOIN campus c ON c.id = s.home_campus_id JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE j.code = '640502' LIMIT 1`),
    spCycle: await one(`SELECT y.id FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = '640502' AND y.school_year = '2025-2026'`),
    gzCycle: await one(`SELECT y.id FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = '620702'`),
  };
});

const countyBureau: As = { sub: 't:sp-bureau', role: 'BUREAU_ADMIN', jurisdiction: '640502' };
const otherBureau: As = { sub: 't:gz-bureau', role: 'BUREAU_ADMIN', jurisdiction: '620702' };

describe('authentication', () => {
  test('no request reads anything without valid credentials; the health check answers', async () => {
    const cases: As[] = [
      null,
      { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
      { headers: { authorization: 'Bearer not.a.jwt' } },
      { apiKey: 'hub_not-a-real-key' },
    ];
    for (const who of cases) {
      const r = await hub.as(who).gql(`{ groups { totalCount } viewer { role } }`);
      expect(r.status).toBe(401);
      expect(r.data).toBeUndefined();
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    const health = await fetch(hub.url.replace('/graphql', '/health'));
    expect(health.status).toBe(200);
  });

  test('expired, wrongly signed and inconsistent tokens are UNAUTHENTICATED', async () => {
    const sign = (claims: Record<string, unknown>, secret = Buffer.from(process.env.AUTH_JWT_SECRET!, 'utf8'), exp = '1h') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('t:x').setExpirationTime(exp).sign(secret);
    const tokens = [
      await sign({ role: 'BUREAU_ADMIN', jurisdiction: '640502' }, undefined, Math.floor(Date.now() / 1000) - 60 as never),
      await sign({ role: 'BUREAU_ADMIN', jurisdiction: '640502' }, Buffer.from('another secret entirely, 32 bytes!!')),
      await sign({ role: 'BUREAU_ADMIN' }), // no jurisdiction
      await sign({ role: 'BUREAU_ADMIN', jurisdiction: '999999' }), // unknown division
      await sign({ role: 'GROUP_ADMIN', jurisdiction: '640502' }), // no group
      await sign({ role: 'SCHOOL_ADMIN', school: '0000000000' }),
      await sign({ role: 'EVALUATOR', cycles: [] }),
      await sign({ role: 'SUPERUSER', jurisdiction: '000000' }),
      await sign({ role: 'VENDOR', jurisdiction: '640502' }), // vendors use API keys
      await sign({ role: 'BUREAU_ADMIN', jurisdiction: '640502', scopes: 'pii:read' }), // scopes not a list
    ];
    for (const t of tokens) {
      const r = await hub.as({ headers: { authorization: `Bearer ${t}` } }).gql(`{ viewer { role } }`);
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(r.data).toBeUndefined();
    }
  });

  test('a token accepted once is refused when it expires (the verified-token cache keeps no token past its exp)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ role: 'BUREAU_ADMIN', jurisdiction: '640502' }).setProtectedHeader({ alg: 'HS256' })
      .setSubject('t:short').setExpirationTime(exp).sign(Buffer.from(process.env.AUTH_JWT_SECRET!, 'utf8'));
    const caller = hub.as({ headers: { authorization: `Bearer ${token}` } });
    expect((await caller.data(`{ viewer { role } }`)).viewer.role).toBe('BUREAU_ADMIN');
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 200));
    const late = await caller.gql(`{ viewer { role } }`);
    expect(late.status).toBe(401);
    expect(late.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('viewer says who is calling; the nation is a valid jurisdiction', async () => {
    const d = await hub.as({ sub: 'u1', role: 'ANALYST', jurisdiction: '000000', scopes: ['x:y'] }).data(`{ viewer { subject role scopes jurisdiction { code } group { id } school { id } } }`);
    expect(d.viewer).toEqual({ subject: 'u1', role: 'ANALYST', scopes: ['x:y'], jurisdiction: { code: '000000' }, group: null, school: null });
    const g = await hub.as({ sub: 'u2', role: 'GROUP_ADMIN', group: gid('EducationGroup', ids.siZhong) }).data(`{ viewer { role group { name } jurisdiction { code } } }`);
    expect(g.viewer).toEqual({ role: 'GROUP_ADMIN', group: { name: '中卫市第四中学教育集团' }, jurisdiction: null });
  });
});

describe('BUREAU_ADMIN: everything located in its jurisdiction and below', () => {
  test('a county bureau lists exactly its scope of record: its county, and groups supervised or actively joined there', async () => {
    const c = hub.as(countyBureau);
    const inCounty = `SELECT c.id FROM campus c JOIN jurisdiction_ancestor x ON x.jurisdiction_id = c.jurisdiction_id AND x.ancestor_id = $1`;
    const supervised = `SELECT g.id FROM education_group g JOIN jurisdiction_ancestor x ON x.jurisdiction_id = g.jurisdiction_id AND x.ancestor_id = $1`;
    const groups = await expected('EducationGroup', `${supervised}
      UNION SELECT m.group_id FROM group_membership m WHERE m.status = 'ACTIVE' AND m.campus_id IN (${inCounty})`, [ids.sp]);
    expect(await all(c, 'groups')).toEqual(groups);
    // 沙坡头区's five pilot groups, none of them shared in: a PUBLIC library brings nothing into the list.
    expect(groups).toHaveLength(5);
    const campuses = `${inCounty}
      UNION SELECT m.campus_id FROM group_membership m WHERE m.status = 'ACTIVE' AND m.group_id IN (${supervised})`;
    expect(await all(c, 'campuses')).toEqual(await expected('Campus', campuses, [ids.sp]));
    expect(await all(c, 'staffMembers')).toEqual(await expected('Staff', `SELECT s.id FROM staff s WHERE s.home_campus_id IN (${campuses})`, [ids.sp]));
    expect(await all(c, 'postings')).toEqual(await expected('Posting',
      `SELECT p.id FROM posting p WHERE p.from_campus_id IN (${inCounty}) OR p.to_campus_id IN (${inCounty}) OR p.group_id IN (${supervised})`, [ids.sp]));
    expect(await all(c, 'resources')).toEqual(await expected('Resource', `
      SELECT r.id FROM resource r JOIN resource_library l ON l.id = r.library_id WHERE r.deleted_at IS NULL AND (
        l.group_id IN (${supervised} UNION SELECT m.group_id FROM group_membership m WHERE m.status = 'ACTIVE' AND m.campus_id IN (${inCounty}))
        OR l.id IN (${SHARED_LIBRARIES}))`, [ids.sp]));
    expect(await all(c, 'evaluationCycles')).toEqual(await expected('EvaluationCycle', `
      SELECT y.id FROM evaluation_cycle y WHERE EXISTS (SELECT 1 FROM jurisdiction_ancestor x
        WHERE (x.ancestor_id = $1 AND x.jurisdiction_id = y.jurisdiction_id) OR (x.ancestor_id = y.jurisdiction_id AND x.jurisdiction_id = $1))`, [ids.sp]));
  });

  test('out of scope: another county\'s rows read as NOT_FOUND and are absent from lists and totals', async () => {
    const other = hub.as(otherBureau);
    const spGroup = gid('EducationGroup', ids.siZhong);
    const spStaff = gid('Staff', ids.spStaff);
    const [{ campus }] = await hub.ds.query(`SELECT lead_campus_id AS campus FROM education_group WHERE id = $1`, [ids.siZhong]);
    const c = await other.data(`query($c: ID!) { campus(id: $c) { id } }`, { c: gid('Campus', campus) });
    expect(c.campus).toBeNull();
    const d = await other.data(`query($g: ID!, $s: ID!) { group(id: $g) { id } staff(id: $s) { id } node(id: $g) { id }
      school(code: "2164050203") { id } jurisdiction(code: "640502") { name campuses { totalCount } groups { totalCount }
        stats(schoolYear: "2025-2026") { campusCount groupCount fullTimeTeacherCount postingCount } } }`, { g: spGroup, s: spStaff });
    expect(d.group).toBeNull();
    expect(d.staff).toBeNull();
    expect(d.node).toBeNull();
    expect(d.school).toBeNull();
    // The division tree is public; what lies in it is not.
    expect(d.jurisdiction.name).toBe('沙坡头区');
    expect(d.jurisdiction.groups.totalCount).toBe(0); // 宣和's PUBLIC library does not list the group
    expect(d.jurisdiction.campuses.totalCount).toBe(0);
    // Figures are facts: a jurisdiction's statistics are the same for every caller.
    const own = await hub.as(countyBureau).data(`{ jurisdiction(code: "640502") { stats(schoolYear: "2025-2026") { campusCount groupCount fullTimeTeacherCount postingCount } } }`);
    expect(d.jurisdiction.stats).toEqual(own.jurisdiction.stats);
    const [{ n: groupCount }] = await hub.ds.query(`SELECT count(*)::int AS n FROM education_group g WHERE g.jurisdiction_id = $1 AND g.status <> 'PROPOSED'`, [ids.sp]);
    expect(d.jurisdiction.stats.groupCount).toBe(groupCount);
    expect(await nodeVisible(hub.as(countyBureau), spGroup)).toBe(true);
    expect(await nodeVisible(hub.as(countyBureau), gid('Staff', ids.gzStaff))).toBe(false);
    // A province bureau sees its counties; the nation sees everything.
    expect(await nodeVisible(hub.as({ sub: 'p', role: 'BUREAU_ADMIN', jurisdiction: '640000' }), spStaff)).toBe(true);
    expect(await nodeVisible(hub.as({ sub: 'p', role: 'BUREAU_ADMIN', jurisdiction: '620000' }), spStaff)).toBe(false);
  });

  test('jurisdictions start from the caller\'s own', async () => {
    const d = await hub.as(countyBureau).data(`{ jurisdictions { edges { node { code } } } counties: jurisdictions(level: COUNTY) { totalCount } provinces: jurisdictions(level: PROVINCE) { totalCount } }`);
    expect(d.jurisdictions.edges).toEqual([{ node: { code: '640502' } }]);
    expect(d.counties.totalCount).toBe(1);
    expect(d.provinces.totalCount).toBe(0);
  });

  test('cross-county group: each county sees the group and its own side only; the supervising city sees all', async () => {
    const q = `query($g: ID!) { group(id: $g) { name leadCampus { name staff { totalCount } }
      memberships(status: [ACTIVE, APPLIED]) { totalCount edges { node { status campus { jurisdiction { code } } } } }
      postings { totalCount } } }`;
    const v = { g: gid('EducationGroup', ids.kmGroup) };
    const xundian = (await hub.as({ sub: 'x', role: 'BUREAU_ADMIN', jurisdiction: '530129' }).data(q, v)).group;
    const luquan = (await hub.as({ sub: 'l', role: 'BUREAU_ADMIN', jurisdiction: '530128' }).data(q, v)).group;
    const city = (await hub.as({ sub: 'k', role: 'BUREAU_ADMIN', jurisdiction: '530100' }).data(q, v)).group;
    const far = (await hub.as(countyBureau).data(q, v)).group;
    expect(xundian.name).toBe('昆明市明远实验小学教育集团');
    expect(xundian.memberships.totalCount).toBe(2);
    expect(xundian.memberships.edges.every((e: any) => e.node.campus.jurisdiction.code === '530129')).toBe(true);
    expect(luquan.memberships.edges.map((e: any) => e.node.status).sort()).toEqual(['ACTIVE', 'APPLIED']);
    // The lead campus (in 五华区) is shown as the group's face; its staff lie outside 寻甸's
    // scope of record (those posted to 寻甸 are reached through their postings, not listed).
    expect(xundian.leadCampus.name).toBe('昆明市明远实验小学');
    const [{ n: leadStaff }] = await hub.ds.query(`SELECT count(*)::int AS n FROM staff s JOIN education_group g ON g.lead_campus_id = s.home_campus_id WHERE g.id = $1`, [ids.kmGroup]);
    expect(xundian.leadCampus.staff.totalCount).toBe(0);
    expect(city.memberships.totalCount).toBe(5);
    expect(city.leadCampus.staff.totalCount).toBe(leadStaff);
    // Postings: each county sees those touching its campuses.
    const [{ n: xdPostings }] = await hub.ds.query(`SELECT count(*)::int AS n FROM posting p JOIN campus a ON a.id = p.from_campus_id JOIN campus b ON b.id = p.to_campus_id
      WHERE p.group_id = $1 AND $2 IN (a.jurisdiction_id, b.jurisdiction_id)`, [ids.kmGroup, ids.xundian]);
    expect(xundian.postings.totalCount).toBe(xdPostings);
    expect(city.postings.totalCount).toBeGreaterThan(xundian.postings.totalCount);
    // JURISDICTION-shared: 昆明's library reaches 沙坡头区? No: not on its line of the tree.
    expect(far).toBeNull();
  });

  test('the change feed carries exactly the entities the caller may see', async () => {
    for (const who of [countyBureau, { sub: 't:ga', role: 'GROUP_ADMIN', group: gid('EducationGroup', ids.siZhong) } as As]) {
      const c = hub.as(who);
      const feed = await c.data(`{ changes(first: 5000, entityTypes: ["Campus", "Staff", "Posting", "EducationGroup"]) { hasMore changes { entityType entityId } } }`);
      expect(feed.changes.hasMore).toBe(false);
      const of = (t: string) => sorted(feed.changes.changes.filter((x: any) => x.entityType === t).map((x: any) => x.entityId));
      expect(of('Campus')).toEqual(await all(c, 'campuses'));
      expect(of('Staff')).toEqual(await all(c, 'staffMembers'));
      expect(of('Posting')).toEqual(await all(c, 'postings'));
      expect(of('EducationGroup')).toEqual(await all(c, 'groups'));
    }
  });

  test('apiClients and the audit log are scoped to bureau admins', async () => {
    const b = await hub.as(countyBureau).gql(`{ apiClients { id } auditLog { totalCount } }`);
    expect(b.errors).toBeUndefined();
  });
});

describe('GROUP_ADMIN: its group, memberships, campuses, their schools and staff, postings, libraries, evaluations', () => {
  const admin = (g: () => string): As => ({ sub: 't:ga', role: 'GROUP_ADMIN', group: gid('EducationGroup', g()) });

  test('in scope: exactly the group\'s rows', async () => {
    const c = hub.as(admin(() => ids.siZhong));
    const members = `SELECT campus_id AS id FROM group_membership WHERE group_id = $1`;
    const groups = await all(c, 'groups');
    expect(groups).toEqual([gid('EducationGroup', ids.siZhong)]);
    expect(await all(c, 'postings')).toEqual(await expected('Posting', `SELECT id FROM posting WHERE group_id = $1`, [ids.siZhong]));
    expect(await all(c, 'staffMembers')).toEqual(await expected('Staff', `
      SELECT s.id FROM staff s WHERE s.home_campus_id IN (SELECT campus_id FROM group_membership WHERE group_id = $1 AND status = 'ACTIVE')
      UNION SELECT staff_id FROM posting WHERE group_id = $1`, [ids.siZhong]));
    expect(await all(c, 'campuses')).toEqual(await expected('Campus', `${members} AND status = 'ACTIVE'`, [ids.siZhong]));
    const d = await c.data(`query($g: ID!) { group(id: $g) { memberships { totalCount } libraries { name } } }`, { g: gid('EducationGroup', ids.siZhong) });
    expect(d.group.memberships.totalCount).toBe(4);
  });

  test('out of scope: another group is NOT_FOUND, its staff too', async () => {
    const c = hub.as(admin(() => ids.beiJie));
    const d = await c.data(`query($g: ID!, $s: ID!) { group(id: $g) { id } staff(id: $s) { id } }`,
      { g: gid('EducationGroup', ids.siZhong), s: gid('Staff', ids.spStaff) });
    expect(d).toEqual({ group: null, staff: null });
    const r = await c.gql(`{ auditLog { totalCount } }`);
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('SCHOOL_ADMIN: its school, campuses and staff, the groups they belong to, postings touching them', () => {
  test('in scope and out of scope', async () => {
    const [{ code }] = await hub.ds.query(`SELECT code FROM school WHERE id = $1`, [ids.siZhongSchool]);
    const c = hub.as({ sub: 't:sa', role: 'SCHOOL_ADMIN', school: code });
    expect(await all(c, 'staffMembers')).toEqual(await expected('Staff', `SELECT id FROM staff WHERE school_id = $1`, [ids.siZhongSchool]));
    expect(await all(c, 'campuses')).toEqual(await expected('Campus', `SELECT id FROM campus WHERE school_id = $1`, [ids.siZhongSchool]));
    expect(await all(c, 'postings')).toEqual(await expected('Posting', `
      SELECT p.id FROM posting p JOIN campus a ON a.id = p.from_campus_id JOIN campus b ON b.id = p.to_campus_id
      WHERE a.school_id = $1 OR b.school_id = $1`, [ids.siZhongSchool]));
    const groups = await all(c, 'groups');
    expect(groups).toEqual(await expected('EducationGroup', `SELECT m.group_id AS id FROM group_membership m JOIN campus c ON c.id = m.campus_id
      WHERE c.school_id = $1 AND m.status = 'ACTIVE'`, [ids.siZhongSchool]));
    expect(groups).toContain(gid('EducationGroup', ids.siZhong));
    const d = await c.data(`query($g: ID!) { group(id: $g) { memberships { totalCount } } school(code: "${code}") { name } }`, { g: gid('EducationGroup', ids.siZhong) });
    // Its own membership only.
    expect(d.group.memberships.totalCount).toBe(1);
    expect(d.school.name).toBe('中卫市第四中学');
    expect(await nodeVisible(c, gid('Staff', ids.gzStaff))).toBe(false);
  });
});

describe('EVALUATOR: its cycles and their targets', () => {
  test('in scope: the assigned cycle, its evaluations and groups; no staff or postings', async () => {
    const c = hub.as({ sub: 't:ev', role: 'EVALUATOR', cycles: [gid('EvaluationCycle', ids.spCycle)] });
    expect(await all(c, 'evaluationCycles')).toEqual([gid('EvaluationCycle', ids.spCycle)]);
    const d = await c.data(`{ evaluationCycles { edges { node { evaluations { totalCount } groupResults { group { name } grade } } } } }`);
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM evaluation WHERE cycle_id = $1`, [ids.spCycle]);
    expect(d.evaluationCycles.edges[0].node.evaluations.totalCount).toBe(n);
    expect(d.evaluationCycles.edges[0].node.groupResults).toHaveLength(5);
    for (const q of [`{ staffMembers { totalCount } }`, `{ postings { totalCount } }`]) {
      const r = await c.gql(q);
      expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(r.errors?.[0].message).toMatch(/EVALUATOR/);
    }
  });

  test('out of scope: other cycles are NOT_FOUND', async () => {
    const c = hub.as({ sub: 't:ev', role: 'EVALUATOR', cycles: [gid('EvaluationCycle', ids.gzCycle)] });
    const d = await c.data(`query($y: ID!) { evaluationCycle(id: $y) { id } }`, { y: gid('EvaluationCycle', ids.spCycle) });
    expect(d.evaluationCycle).toBeNull();
    expect(await nodeVisible(c, gid('EducationGroup', ids.siZhong))).toBe(false);
  });
});

describe('VENDOR (API key): a bureau-like scope narrowed to its schools and the kinds its scopes grant', () => {
  let broadKey = '';
  let narrowKey = '';
  beforeAll(async () => {
    broadKey = newApiKey();
    narrowKey = newApiKey();
    await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash) VALUES
      ($1, 'vendor broad', 'VENDOR', $2, '{}', '{campus:read,staff:read}', $3),
      ($4, 'vendor narrow', 'VENDOR', $2, $5, '{campus:read,staff:read,posting:read,group:read}', $6)`,
      [newId(), ids.sp, hashApiKey(broadKey), newId(), [ids.siZhongSchool], hashApiKey(narrowKey)]);
  });

  test('kinds outside its scopes are FORBIDDEN, naming the scope', async () => {
    const c = hub.as({ apiKey: broadKey });
    const r = await c.gql(`{ postings { totalCount } }`);
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(r.errors?.[0].message).toContain('posting:read');
    expect((await c.gql(`{ groups { totalCount } }`)).errors?.[0].message).toContain('group:read');
    const staff = await all(c, 'staffMembers');
    expect(staff).toEqual(await expected('Staff', `SELECT s.id FROM staff s JOIN campus c ON c.id = s.home_campus_id WHERE c.jurisdiction_id = $1`, [ids.sp]));
    // lastUsedAt is kept.
    const [{ last_used_at }] = await hub.ds.query(`SELECT last_used_at FROM api_client WHERE name = 'vendor broad'`);
    expect(last_used_at).not.toBeNull();
  });

  test('a vendor with listed schools sees only those schools\' data', async () => {
    const c = hub.as({ apiKey: narrowKey });
    // The school's own staff and campuses: nothing of the groups it shares a library or a group with.
    expect(await all(c, 'staffMembers')).toEqual(await expected('Staff', `SELECT id FROM staff WHERE school_id = $1`, [ids.siZhongSchool]));
    expect(await all(c, 'campuses')).toEqual(await expected('Campus', `SELECT id FROM campus WHERE school_id = $1`, [ids.siZhongSchool]));
    expect(await all(c, 'groups')).toEqual(await expected('EducationGroup', `SELECT m.group_id AS id FROM group_membership m JOIN campus c ON c.id = m.campus_id
      WHERE c.school_id = $1 AND m.status = 'ACTIVE'`, [ids.siZhongSchool]));
    const [{ code }] = await hub.ds.query(`SELECT code FROM school WHERE id = $1`, [ids.siZhongSchool]);
    const d = await c.data(`{ other: school(code: "2164050201") { id } mine: school(code: "${code}") { name } }`);
    expect(d.other).toBeNull();
    expect(d.mine.name).toBe('中卫市第四中学');
    // The change feed carries only what it may see.
    const feed = await c.data(`{ changes(first: 5000, entityTypes: ["Staff", "School", "Posting", "Resource"]) { changes { entityType entityId } } }`);
    const types = new Set(feed.changes.changes.map((x: any) => x.entityType));
    expect(types.has('Resource')).toBe(false);
    const staffIds = sorted(feed.changes.changes.filter((x: any) => x.entityType === 'Staff').map((x: any) => x.entityId));
    expect(staffIds).toEqual(await all(c, 'staffMembers'));
  });

  test('bureau admins see the API clients of their jurisdiction only', async () => {
    const mine = await hub.as(countyBureau).data(`{ apiClients { name scopes jurisdiction { code } schools { name } } }`);
    const names = mine.apiClients.map((a: any) => a.name);
    expect(names).toEqual(expect.arrayContaining(['vendor broad', 'vendor narrow']));
    expect(mine.apiClients.find((a: any) => a.name === 'vendor narrow').schools).toEqual([{ name: '中卫市第四中学' }]);
    expect((await hub.as(otherBureau).data(`{ apiClients { name } }`)).apiClients.map((a: any) => a.name)).not.toContain('vendor broad');
    expect((await hub.as({ apiKey: broadKey }).gql(`{ apiClients { name } }`)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test('a revoked key stops working', async () => {
    const key = newApiKey();
    await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, scopes, key_hash, revoked_at) VALUES ($1, 'revoked', 'VENDOR', $2, '{campus:read}', $3, now())`,
      [newId(), ids.sp, hashApiKey(key)]);
    const r = await hub.as({ apiKey: key }).gql(`{ campuses { totalCount } }`);
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('ANALYST: reads its jurisdiction, staff pseudonymised, never the audit log', () => {
  test('names masked, no ID number in any form, even with pii:read', async () => {
    const c = hub.as({ sub: 't:an', role: 'ANALYST', jurisdiction: '640500', scopes: ['pii:read'] });
    const d = await c.data(`{ staffMembers(first: 50) { totalCount edges { node { id name nationalId nationalIdMasked } } } }`);
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM staff s JOIN campus c ON c.id = s.home_campus_id WHERE c.jurisdiction_id = $1`, [ids.sp]);
    expect(d.staffMembers.totalCount).toBe(n);
    for (const { node } of d.staffMembers.edges) {
      expect(node.name).toMatch(/^.\*\*$/u); // first character and a fixed mask: not even the length shows
      expect(node.nationalId).toBeNull();
      expect(node.nationalIdMasked).toBeNull();
    }
    for (const q of [`{ auditLog { totalCount } }`, `{ apiClients { id } }`, `{ staffMembers(filter: { nameContains: "王" }) { totalCount } }`]) {
      expect((await c.gql(q)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('personal data: nationalId only with pii:read, every read logged', () => {
  test('reveals and logs with pii:read; null without', async () => {
    const q = `{ staffMembers(first: 3) { edges { node { id nationalId nationalIdMasked } } } }`;
    const without = await hub.as(countyBureau).data(q);
    expect(without.staffMembers.edges.every((e: any) => e.node.nationalId === null)).toBe(true);
    const [{ n: before }] = await hub.ds.query(`SELECT count(*)::int AS n FROM pii_access_log`);
    const withPii = await hub.as({ ...(countyBureau as object), sub: 't:pii-reader', scopes: ['pii:read'] } as As).data(q);
    for (const { node } of withPii.staffMembers.edges) {
      expect(node.nationalId).toMatch(/^\d{17}[\dX]$/);
      // A masked form shows at most the last four characters.
      expect(node.nationalIdMasked).toBe(`${'*'.repeat(14)}${node.nationalId.slice(-4)}`);
    }
    const log = await hub.ds.query(`SELECT subject, role, staff_id FROM pii_access_log ORDER BY at DESC LIMIT 3`);
    const [{ n: after }] = await hub.ds.query(`SELECT count(*)::int AS n FROM pii_access_log`);
    expect(after - before).toBe(3);
    expect(log.every((l: any) => l.subject === 't:pii-reader' && l.role === 'BUREAU_ADMIN')).toBe(true);
    expect(sorted(log.map((l: any) => gid('Staff', l.staff_id)))).toEqual(sorted(withPii.staffMembers.edges.map((e: any) => e.node.id)));
    // The database holds no ID number in clear.
    const [{ leaked }] = await hub.ds.query(`SELECT count(*)::int AS leaked FROM staff WHERE encode(national_id_cipher, 'escape') ~ '[0-9]{17}'`);
    expect(leaked).toBe(0);
  });
});

describe('scoping costs no extra round trips per row', () => {
  test('the foundation\'s nested query, as a county bureau: same statement count at first: 5 and first: 200', async () => {
    const c = hub.as(countyBureau);
    const q = `query($n: Int) { groups(first: $n) { totalCount edges { node { name
      memberships(first: $n) { totalCount edges { node { role campus { name school { code jurisdiction { code } } } } } } } } }
      postings(first: $n) { totalCount edges { node { type staff { name homeCampus { name } } } } } }`;
    const small = await c.gql(q, { n: 5 });
    const large = await c.gql(q, { n: 200 });
    expect(small.errors).toBeUndefined();
    expect(large.errors).toBeUndefined();
    expect((large.data as any).postings.edges.length).toBeGreaterThan(5);
    expect(large.statements).toBe(small.statements);
  });
});
