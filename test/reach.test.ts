import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { newId } from '../server/db/ids';
import { encodeId } from '../server/graphql/ids';
import { As, Client, startHub, TestHub } from './support/hub';

/**
 * Scope of record vs. reachable (DOMAIN.md "Who sees what", issue 7 findings 5-7): what a
 * caller lists, counts and reads figures of, against what it only reaches through a relation
 * (a shared library's group, a membership application's group). Expected sets are restated
 * in SQL from the rule, not read back from the server.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

const gid = encodeId;
const sorted = (xs: Iterable<string>) => [...xs].sort();
const one = async (q: string, p: unknown[] = []) => (await hub.ds.query(q, p))[0];
const codeOf = (e: { extensions?: Record<string, any> }) => e.extensions?.code;

async function allIds(client: Client, field: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  let total = -1;
  for (;;) {
    const d: any = await client.data(`query($after: String) { ${field}(first: 500, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`, { after });
    ids.push(...d[field].edges.map((e: any) => e.node.id));
    total = d[field].totalCount;
    if (!d[field].pageInfo.hasNextPage) break;
    after = d[field].pageInfo.endCursor;
  }
  expect(ids).toHaveLength(total);
  return sorted(ids);
}

const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });

const GROUP_VIEW = `query($g: ID!) { group(id: $g) { id name mode status jurisdiction { code } leadCampus { name }
  memberships { totalCount } libraries { name visibility } postings { totalCount } } }`;
const FIGURES = `query($g: ID!) { group(id: $g) { name stats(schoolYear: "2025-2026") { memberCount rotationRate }
  fundingEntitlement(schoolYear: "2025-2026") { total } policyViolations { rule } leadCampus { name fullTimeTeacherCount leadershipQuota { principals } } } }`;

describe('a PUBLIC library reaches every caller, and brings its group only as provenance', () => {
  let xuanhe: string;
  let siZhong: string;
  beforeAll(async () => {
    xuanhe = (await one(`SELECT id FROM education_group WHERE name = '中卫市宣和教育集团'`)).id;
    siZhong = (await one(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`)).id;
  });

  test('another county lists its own groups only, yet reads the shared resources and the group\'s identity', async () => {
    const gz = hub.as(bureauOf('620702'));
    const [{ id: gzId }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = '620702'`);
    expect(await allIds(gz, 'groups')).toEqual(sorted((await hub.ds.query(`SELECT g.id FROM education_group g WHERE g.jurisdiction_id = $1
      UNION SELECT m.group_id FROM group_membership m JOIN campus c ON c.id = m.campus_id WHERE m.status = 'ACTIVE' AND c.jurisdiction_id = $1`, [gzId]))
      .map((r: any) => gid('EducationGroup', r.id))));
    const publicResources = await hub.ds.query(`SELECT r.id FROM resource r JOIN resource_library l ON l.id = r.library_id
      WHERE l.group_id = $1 AND l.visibility = 'PUBLIC' AND r.deleted_at IS NULL`, [xuanhe]);
    expect(publicResources.length).toBeGreaterThan(0);
    const resources = await allIds(gz, 'resources');
    for (const r of publicResources) expect(resources).toContain(gid('Resource', r.id));
    // Reached through the resource: identity shows, lists keep to what is visible in its own right.
    const d = await gz.data(GROUP_VIEW, { g: gid('EducationGroup', xuanhe) });
    expect(d.group).toMatchObject({ name: '中卫市宣和教育集团', jurisdiction: { code: '640502' }, memberships: { totalCount: 0 }, postings: { totalCount: 0 } });
    expect(d.group.libraries.map((l: any) => l.visibility)).toEqual(['PUBLIC']);
    // A group neither in scope nor reachable is not there at all.
    expect((await gz.data(`query($g: ID!) { group(id: $g) { id } node(id: $g) { id } }`, { g: gid('EducationGroup', siZhong) }))).toEqual({ group: null, node: null });
  });

  test('figures of a reached group and its campus answer FORBIDDEN without nulling the group', async () => {
    const r = await hub.as(bureauOf('620702')).gql(FIGURES, { g: gid('EducationGroup', xuanhe) });
    expect(r.data.group.name).toBe('中卫市宣和教育集团');
    expect(r.data.group.leadCampus.name).toBeTruthy();
    for (const f of ['stats', 'fundingEntitlement', 'policyViolations']) expect(r.data.group[f]).toBeNull();
    expect(r.data.group.leadCampus.fullTimeTeacherCount).toBeNull();
    expect(r.data.group.leadCampus.leadershipQuota).toBeNull();
    const paths = r.errors!.map((e) => e.path!.join('.')).sort();
    expect(paths).toEqual(['group.fundingEntitlement', 'group.leadCampus.fullTimeTeacherCount', 'group.leadCampus.leadershipQuota', 'group.policyViolations', 'group.stats']);
    expect(new Set(r.errors!.map(codeOf))).toEqual(new Set(['FORBIDDEN']));
  });

  test('jurisdiction statistics count what is supervised there, the same for every caller (沙坡头区: 5 groups, not 7)', async () => {
    const q = `{ jurisdiction(code: "640502") { stats(schoolYear: "2025-2026") { groupCount campusCount groupedCampusCount fullTimeTeacherCount postingCount coverageRate } } }`;
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM education_group g JOIN jurisdiction j ON j.id = g.jurisdiction_id
      WHERE j.code = '640502' AND g.status <> 'PROPOSED' AND (g.established_on IS NULL OR g.established_on <= '2026-08-31')`);
    expect(n).toBe(5);
    const answers = await Promise.all(['640502', '640500', '620702', '000000'].map((c) => hub.as(bureauOf(c)).data(q)));
    expect(answers[0].jurisdiction.stats.groupCount).toBe(n);
    for (const a of answers) expect(a).toEqual(answers[0]);
  });
});

describe('figures are facts: the same for every caller allowed to read them', () => {
  test('the cross-county group 明远: stats and bundled results agree for the city, a member county and the group', async () => {
    const g = await one(`SELECT g.id, g.lead_campus_id FROM education_group g WHERE g.name = '昆明市明远实验小学教育集团'`);
    const leadSchool = await one(`SELECT s.code FROM campus c JOIN school s ON s.id = c.school_id WHERE c.id = $1`, [g.lead_campus_id]);
    const callers: As[] = [
      bureauOf('530100'), bureauOf('530129'), bureauOf('530102'),
      { sub: 't:ga', role: 'GROUP_ADMIN', group: gid('EducationGroup', g.id) },
      { sub: 't:sa', role: 'SCHOOL_ADMIN', school: leadSchool.code },
    ];
    const q = `query($g: ID!) { group(id: $g) { stats(schoolYear: "2025-2026") { memberCount studentCount fullTimeTeacherCount postingCount rotationRate backboneShareOfPosted }
      fundingEntitlement(schoolYear: "2025-2026") { total } policyViolations { rule message } } }`;
    const answers = await Promise.all(callers.map((c) => hub.as(c).data(q, { g: gid('EducationGroup', g.id) })));
    for (const a of answers) expect(a).toEqual(answers[0]);
    // Bundled results (捆绑考核) over every evaluation, whoever reads them.
    const results = `{ evaluationCycles { edges { node { jurisdiction { code } groupResults { group { name } memberAverage composite grade } } } } }`;
    const pick = (d: any) => d.evaluationCycles.edges.filter((e: any) => e.node.jurisdiction.code === '530100')
      .flatMap((e: any) => e.node.groupResults).filter((r: any) => r.group.name === '昆明市明远实验小学教育集团');
    const [city, wuhua] = await Promise.all([bureauOf('530100'), bureauOf('530102')].map((c) => hub.as(c).data(results)));
    expect(pick(city)).toHaveLength(1);
    expect(pick(wuhua)).toEqual(pick(city));
    // Computed from the rule: the mean of each campus's mean submitted/confirmed total, over the group's campuses.
    const [{ avg }] = await hub.ds.query(`SELECT round(avg(score)::numeric, 2)::float AS avg FROM (
      SELECT e.campus_id, avg(e.total_score) AS score FROM evaluation e JOIN evaluation_cycle y ON y.id = e.cycle_id JOIN jurisdiction j ON j.id = y.jurisdiction_id
      JOIN group_membership m ON m.campus_id = e.campus_id AND m.group_id = $1 AND m.status IN ('ACTIVE','EXITED')
      WHERE j.code = '530100' AND e.target_type = 'CAMPUS' AND e.status IN ('SUBMITTED','CONFIRMED') GROUP BY 1) x`, [g.id]);
    expect(pick(city)[0].memberAverage).toBeCloseTo(avg, 2);
  });
});

describe('a vendor key narrowed to its schools lists only them', () => {
  test('campuses, schools and groups of its two schools; nothing shared in from elsewhere', async () => {
    const schools = await hub.ds.query(`SELECT s.id FROM school s JOIN jurisdiction j ON j.id = s.jurisdiction_id WHERE j.code = '640502' ORDER BY s.code LIMIT 2`);
    const key = newApiKey();
    const sp = await one(`SELECT id FROM jurisdiction WHERE code = '640502'`);
    await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash) VALUES ($1, 'reach narrow', 'VENDOR', $2, $3, '{campus:read,group:read,resource:read}', $4)`,
      [newId(), sp.id, schools.map((s: any) => s.id), hashApiKey(key)]);
    const v = hub.as({ apiKey: key });
    const ids = schools.map((s: any) => s.id);
    const expectIds = async (type: string, q: string) => sorted((await hub.ds.query(q, [ids])).map((r: any) => gid(type, r.id)));
    expect(await allIds(v, 'campuses')).toEqual(await expectIds('Campus', `SELECT id FROM campus WHERE school_id = ANY($1)`));
    expect(await allIds(v, 'groups')).toEqual(await expectIds('EducationGroup', `SELECT DISTINCT m.group_id AS id FROM group_membership m JOIN campus c ON c.id = m.campus_id
      WHERE c.school_id = ANY($1) AND m.status = 'ACTIVE'`));
    const d = await v.data(`{ jurisdiction(code: "640502") { campuses { totalCount } groups { totalCount } } }`);
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM campus WHERE school_id = ANY($1)`, [ids]);
    expect(d.jurisdiction.campuses.totalCount).toBe(n);
  });
});

describe('applying does not bring a group into scope; an active membership does', () => {
  let w: TestHub;
  beforeAll(async () => (w = await startHub({ writes: true })));
  afterAll(() => w.stop());

  test('中宁县 applies to 沙坡头区\'s 四中 group, withdraws, applies again and is admitted', async () => {
    const zn = w.as(bureauOf('640521'));
    const group = await (async () => (await w.ds.query(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`))[0].id)();
    const g = gid('EducationGroup', group);
    const school = await zn.data(`mutation { upsertSchool(input: { code: "2164052199", name: "中宁县测试小学", type: PRIMARY, jurisdictionCode: "640521" }) { campuses { id } } }`);
    const campusId = school.upsertSchool.campuses[0].id;
    const apply = () => zn.data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id status } }`, { g, c: campusId });
    const listed = async () => (await allIds(zn, 'groups')).includes(g);
    const view = async () => {
      const r = await zn.gql(`query($g: ID!) { group(id: $g) { name libraries { visibility } stats { memberCount } } }`, { g });
      return { name: r.data?.group?.name, libraries: r.data?.group?.libraries, stats: r.data?.group?.stats, codes: (r.errors ?? []).map(codeOf) };
    };

    const m1 = (await apply()).applyForMembership;
    expect(m1.status).toBe('APPLIED');
    expect(await listed()).toBe(false);
    // Reached through its own application: identity only; the GROUP-only library and the figures stay hidden.
    expect(await view()).toEqual({ name: '中卫市第四中学教育集团', libraries: [], stats: null, codes: ['FORBIDDEN'] });
    await zn.data(`mutation($id: ID!) { withdrawMembership(id: $id) { status } }`, { id: m1.id });
    expect(await listed()).toBe(false);
    expect((await view()).codes).toEqual(['FORBIDDEN']);
    const d = await zn.data(`{ jurisdiction(code: "640502") { groups { totalCount } } }`);
    expect(d.jurisdiction.groups.totalCount).toBe(0);

    // Admitted: the council, the supervising county, the home county and the common city decide in turn.
    const m2 = (await apply()).applyForMembership;
    const deciders: As[] = [{ sub: 't:ga', role: 'GROUP_ADMIN', group: g }, bureauOf('640502'), bureauOf('640521'), bureauOf('640500')];
    for (const who of deciders) {
      await w.as(who).data(`mutation($id: ID!) { decideMembership(id: $id, decision: APPROVED) { status } }`, { id: m2.id });
    }
    expect(await listed()).toBe(true);
    const v = await view();
    expect(v.codes).toEqual([]);
    expect(v.libraries.map((l: any) => l.visibility)).toContain('GROUP');
    expect(v.stats.memberCount).toBeGreaterThan(0);
  });
});
