import { DataSource } from 'typeorm';
import { Caller } from '../server/access/caller';
import { EntityKind, Scope } from '../server/access/scope';
import { createDataSource } from '../server/db/datasource';
import { migrations } from '../server/db/migrations';
import { Alternatives, join, raw, sql, Sql } from '../server/db/sql';
import { JurisdictionDirectory } from '../server/jurisdictions/directory';
import { useDirectResolvers } from '../server/graphql/direct-resolvers';
import { As, startHub, TestHub } from './support/hub';

/**
 * The scope of record of BUREAU_ADMIN / ANALYST / VENDOR (rules.ts areaRules) was rewritten for
 * speed (S(J) from the in-memory tree, the nation folded to TRUE, UNION sets for small areas,
 * row tests for large ones). It must mean exactly what it meant before. Here the rules of
 * 2035aea are kept, frozen, as the reference; for many callers and every entity kind the ids
 * for which the current `Scope.visible` holds are compared, in SQL over the same database,
 * with the ids for which the reference holds. Any difference fails with the ids listed, and
 * `visible` must never evaluate to NULL (a NULL would turn into "visible" under a NOT, e.g.
 * in the feed's "moved out of scope").
 *
 * Then the prefetch (graphql/prefetch.ts) and the compiled executor (graphql/executor.ts) are
 * probed over HTTP: a battery of queries must answer byte-for-byte the same JSON with the
 * prefetch on and off (HUB_PREFETCH=0, read per request) and with graphql-js (HUB_JIT=0, read
 * when the server starts), and the prefetch must not show what the relation resolvers refuse.
 */

// ---------------------------------------------------------------------------------------------
// FROZEN REFERENCE: the pre-optimisation statement of the same rule, copied verbatim from
// `git show 2035aea:server/access/rules.ts` (areaRules and the helpers it uses). Do not "fix"
// or optimise it: it is what the current rules are checked against.
// ---------------------------------------------------------------------------------------------
namespace Reference {
  type Rule = (alias: string) => Sql;
  type Rules = Partial<Record<EntityKind, Rule>>;

  const A = (alias: string) => raw(alias);

  /** `jcol` lies in S(anchor). */
  const within = (jcol: Sql, anchor: unknown) =>
    sql`EXISTS (SELECT 1 FROM jurisdiction_ancestor x WHERE x.ancestor_id = ${anchor}::uuid AND x.jurisdiction_id = ${jcol})`;

  /** `jcol` and `anchor` lie on one line of the tree (one is an ancestor-or-self of the other). */
  const related = (jcol: Sql, anchor: Sql) => sql`EXISTS (SELECT 1 FROM jurisdiction_ancestor x
  WHERE (x.ancestor_id = ${anchor} AND x.jurisdiction_id = ${jcol}) OR (x.ancestor_id = ${jcol} AND x.jurisdiction_id = ${anchor}))`;

  /** Campus `c` is an ACTIVE member (or the lead) of a group satisfying `group(g)`. */
  const activeIn = (c: string, group: (g: string) => Sql) => sql`EXISTS (SELECT 1 FROM group_membership am JOIN education_group ag ON ag.id = am.group_id
  WHERE am.campus_id = ${A(c)}.id AND am.status = 'ACTIVE' AND ${group('ag')})`;

  /** Group `g` has an ACTIVE member campus satisfying `campus(c)`. */
  const hasActive = (g: string, campus: (c: string) => Sql) => sql`EXISTS (SELECT 1 FROM group_membership hm JOIN campus hc ON hc.id = hm.campus_id
  WHERE hm.group_id = ${A(g)}.id AND hm.status = 'ACTIVE' AND ${campus('hc')})`;

  function libraryRule(group: (g: string) => Sql, line: Sql | null): Rule {
    return (l) => sql`(${A(l)}.visibility = 'PUBLIC' OR EXISTS (SELECT 1 FROM education_group lg WHERE lg.id = ${A(l)}.group_id
    AND (${group('lg')}${line ? sql` OR (${A(l)}.visibility = 'JURISDICTION' AND ${related(sql`lg.jurisdiction_id`, line)})` : raw('')})))`;
  }

  const resourceRule = (library: Rule): Rule => (r) =>
    sql`EXISTS (SELECT 1 FROM resource_library rl WHERE rl.id = ${A(r)}.library_id AND ${library('rl')})`;

  /** BUREAU_ADMIN and ANALYST of J; VENDOR of J, narrowed to its listed schools when it has any. */
  export function areaRules(caller: Caller): Rules {
    const J = caller.jurisdictionId!;
    const narrowed = caller.schoolIds.length > 0;
    const schools = caller.schoolIds;
    const local = (c: string) =>
      narrowed ? sql`(${within(sql`${A(c)}.jurisdiction_id`, J)} AND ${A(c)}.school_id = ANY(${schools}::uuid[]))` : within(sql`${A(c)}.jurisdiction_id`, J);
    const supervised = (g: string) => (narrowed ? raw('FALSE') : within(sql`${A(g)}.jurisdiction_id`, J));
    const group: Rule = (g) => sql`(${supervised(g)} OR (${A(g)}.status IN ('ACTIVE','SUSPENDED') AND ${hasActive(g, local)}))`;
    const campus: Rule = (c) => sql`(${local(c)} OR ${activeIn(c, supervised)})`;
    const library = libraryRule(group, sql`${J}::uuid`);
    const cycle: Rule = (y) => related(sql`${A(y)}.jurisdiction_id`, sql`${J}::uuid`);
    return {
      Jurisdiction: () => raw('TRUE'),
      School: (s) => (narrowed ? sql`(${A(s)}.id = ANY(${schools}::uuid[]) AND ${within(sql`${A(s)}.jurisdiction_id`, J)})` : within(sql`${A(s)}.jurisdiction_id`, J)),
      Campus: campus,
      EducationGroup: group,
      GroupMembership: (m) => sql`(EXISTS (SELECT 1 FROM campus mc WHERE mc.id = ${A(m)}.campus_id AND ${local('mc')})
      OR EXISTS (SELECT 1 FROM education_group mg WHERE mg.id = ${A(m)}.group_id AND ${supervised('mg')}))`,
      Staff: (s) => sql`EXISTS (SELECT 1 FROM campus hc WHERE hc.id = ${A(s)}.home_campus_id AND ${campus('hc')})`,
      Posting: (p) => sql`(EXISTS (SELECT 1 FROM campus pc WHERE pc.id IN (${A(p)}.from_campus_id, ${A(p)}.to_campus_id) AND ${local('pc')})
      OR EXISTS (SELECT 1 FROM education_group pg WHERE pg.id = ${A(p)}.group_id AND ${supervised('pg')}))`,
      ResourceLibrary: library,
      Resource: resourceRule(library),
      EvaluationCycle: cycle,
      Evaluation: (e) => sql`(EXISTS (SELECT 1 FROM campus ec WHERE ec.id = ${A(e)}.campus_id AND ${campus('ec')})
      OR (EXISTS (SELECT 1 FROM evaluation_cycle ey WHERE ey.id = ${A(e)}.cycle_id AND ${cycle('ey')})
        AND (EXISTS (SELECT 1 FROM education_group eg WHERE eg.id = ${A(e)}.group_id AND ${group('eg')})
          OR EXISTS (SELECT 1 FROM evaluation_cycle ey2 WHERE ey2.id = ${A(e)}.cycle_id AND ${narrowed ? raw('FALSE') : within(sql`ey2.jurisdiction_id`, J)}))))`,
      ApiClient: (a) => within(sql`${A(a)}.jurisdiction_id`, J),
      AuditEntry: (a) => sql`EXISTS (SELECT 1 FROM jurisdiction_ancestor x WHERE x.ancestor_id = ${J}::uuid AND x.jurisdiction_id = ANY(${A(a)}.jurisdiction_ids))`,
    };
  }
}
// ------------------------------------------------------------------------- end of the reference

const TABLES: Array<[EntityKind, string]> = [
  ['School', 'school'], ['Campus', 'campus'], ['EducationGroup', 'education_group'], ['GroupMembership', 'group_membership'],
  ['Staff', 'staff'], ['Posting', 'posting'], ['ResourceLibrary', 'resource_library'], ['Resource', 'resource'],
  ['EvaluationCycle', 'evaluation_cycle'], ['Evaluation', 'evaluation'], ['ApiClient', 'api_client'], ['AuditEntry', 'audit_entry'],
  ['Jurisdiction', 'jurisdiction'],
];

const ALL_READ = ['campus:read', 'group:read', 'staff:read', 'posting:read', 'resource:read', 'evaluation:read'];

const base: Omit<Caller, 'role' | 'subject'> = {
  jurisdictionId: null, jurisdictionCode: null, groupId: null, schoolId: null, schoolIds: [], cycleIds: [], scopes: [], apiClientId: null,
};

type Query = (q: Sql) => Promise<any[]>;

/**
 * Callers of every kind of area the database holds: the nation; every jurisdiction on the line
 * of some campus, school, group, cycle or API client (provinces, cities, counties, zones); an
 * empty county beside each of them; analysts; vendors with every read scope, narrowed to schools
 * (at a county, a city, a province and the nation; with schools of cross-county groups; with a
 * listed school outside the vendor's area) and a vendor with one scope only.
 */
async function callersOf(query: Query): Promise<Array<[string, Caller]>> {
  const rows = await query(sql`
    WITH used AS (
      SELECT jurisdiction_id AS id FROM campus UNION SELECT jurisdiction_id FROM school UNION SELECT jurisdiction_id FROM education_group
      UNION SELECT jurisdiction_id FROM evaluation_cycle UNION SELECT jurisdiction_id FROM api_client),
    lines AS (SELECT DISTINCT x.ancestor_id AS id FROM jurisdiction_ancestor x JOIN used u ON u.id = x.jurisdiction_id),
    empty_beside AS (
      SELECT DISTINCT ON (j.parent_id) j.id FROM jurisdiction j JOIN lines l ON l.id = j.parent_id
      WHERE j.id NOT IN (SELECT id FROM lines) ORDER BY j.parent_id, j.code)
    SELECT j.id::text, j.code, j.level FROM jurisdiction j WHERE j.id IN (SELECT id FROM lines UNION SELECT id FROM empty_beside) ORDER BY j.code`);
  const byCode = new Map<string, string>(rows.map((r) => [r.code, r.id]));
  const out: Array<[string, Caller]> = [];
  const add = (name: string, c: Omit<Caller, 'subject'>) => out.push([name, { subject: `eq:${name}`, ...c }]);
  for (const r of rows) {
    add(`BUREAU_ADMIN ${r.code} (${r.level})`, { ...base, role: 'BUREAU_ADMIN', jurisdictionId: r.id, jurisdictionCode: r.code });
  }
  // Analysts share the rules; ApiClient / AuditEntry are refused them (visible: FALSE).
  for (const r of rows.filter((r) => ['NATION', 'PROVINCE'].includes(r.level) || r.code === '640502').slice(0, 4)) {
    add(`ANALYST ${r.code}`, { ...base, role: 'ANALYST', jurisdictionId: r.id, jurisdictionCode: r.code });
  }
  // Schools whose campuses are ACTIVE members of a group supervised in another jurisdiction
  // (cross-county), then other schools: per county, city, province.
  const schools = await query(sql`
    SELECT s.id::text, s.code, sj.code AS county,
      EXISTS (SELECT 1 FROM campus c JOIN group_membership m ON m.campus_id = c.id AND m.status = 'ACTIVE'
        JOIN education_group g ON g.id = m.group_id WHERE c.school_id = s.id AND g.jurisdiction_id <> c.jurisdiction_id) AS cross_county,
      EXISTS (SELECT 1 FROM campus c WHERE c.school_id = s.id AND c.jurisdiction_id <> s.jurisdiction_id) AS campus_elsewhere,
      array_agg(x.ancestor_id::text) AS line
    FROM school s JOIN jurisdiction sj ON sj.id = s.jurisdiction_id JOIN jurisdiction_ancestor x ON x.jurisdiction_id = s.jurisdiction_id
    GROUP BY s.id, s.code, sj.code ORDER BY cross_county DESC, campus_elsewhere DESC, s.code`);
  const inside = (j: string) => schools.filter((s) => s.line.includes(j));
  const outside = (j: string) => schools.filter((s) => !s.line.includes(j));
  const pick = (list: any[], n: number) => list.slice(0, n).map((s) => s.id as string);
  const vendor = (name: string, code: string, schoolIds: string[], scopes = ALL_READ) => {
    const id = byCode.get(code);
    if (id) add(`VENDOR ${code} ${name}`, { ...base, role: 'VENDOR', jurisdictionId: id, jurisdictionCode: code, schoolIds, scopes });
  };
  const counties = rows.filter((r) => r.level === 'COUNTY' || r.level === 'ZONE').map((r) => r.code as string);
  const busiest = [...new Set(schools.map((s) => s.county as string))];
  for (const code of [...new Set(['640502', ...busiest.slice(0, 3)])].filter((c) => counties.includes(c))) {
    const j = byCode.get(code)!;
    vendor('all schools', code, []);
    vendor('narrowed to 3 schools', code, pick(inside(j), 3));
    vendor('narrowed to 1 school + 1 outside its area', code, [...pick(inside(j).slice(1), 1), ...pick(outside(j), 1)]);
  }
  for (const r of rows.filter((r) => r.level === 'CITY' || r.level === 'PROVINCE').slice(0, 4)) {
    vendor('all schools', r.code, []);
    vendor('narrowed to 4 schools', r.code, pick(inside(r.id), 4));
  }
  const nation = byCode.get('000000');
  if (nation) {
    // One school per county, across provinces (cross-county first).
    const perCounty = [...new Map(schools.map((s) => [s.county, s])).values()];
    vendor('narrowed to schools across the country', '000000', perCounty.slice(0, 6).map((s) => s.id));
    vendor('narrowed to 1 school', '000000', pick(schools, 1));
    vendor('all schools', '000000', []);
  }
  const someCounty = byCode.get('640502') ?? byCode.get(counties[0]);
  if (someCounty) {
    vendor('only listed schools outside its area', counties.includes('640502') ? '640502' : counties[0], pick(outside(someCounty), 2));
    vendor('campus:read only', counties.includes('640502') ? '640502' : counties[0], [], ['campus:read']);
  }
  return out;
}

interface Mismatch { caller: string; kind: EntityKind; onlyNew: string[]; onlyOld: string[]; nulls: string[]; branchFaults: string[] }
interface Coverage { caller: string; kind: EntityKind; visible: number; total: number }

/** For each caller and kind: the ids where the current rule and the reference disagree, or where the current rule is NULL. */
async function compare(query: Query, tree: JurisdictionDirectory, callers: Array<[string, Caller]>) {
  const mismatches: Mismatch[] = [];
  const coverage: Coverage[] = [];
  const alternatives: Array<{ caller: string; kind: EntityKind; branches: number }> = [];
  for (const [name, caller] of callers) {
    const scope = Scope.forCaller(caller, tree);
    const reference = Reference.areaRules(caller);
    for (const [kind, table] of TABLES) {
      const now = scope.visible(kind, 't');
      // Kinds refused to the caller were refused the same way before (Scope.denial is unchanged): FALSE.
      const before = scope.canRead(kind) ? reference[kind]!('t') : raw('FALSE');
      // A rule also given as branches (a page reads them one by one, graphql/connection.ts):
      // exactly one branch holds on each row in scope, none elsewhere (NULL counts as a mismatch).
      const branches = now instanceof Alternatives ? now.branches.map((b) => b.where) : [now];
      const [r] = await query(sql`
        SELECT count(*)::int AS total, count(*) FILTER (WHERE n)::int AS visible,
          coalesce(array_agg(id ORDER BY id) FILTER (WHERE n AND o IS NOT TRUE), '{}') AS only_new,
          coalesce(array_agg(id ORDER BY id) FILTER (WHERE o AND n IS NOT TRUE), '{}') AS only_old,
          coalesce(array_agg(id ORDER BY id) FILTER (WHERE n IS NULL), '{}') AS nulls,
          coalesce(array_agg(id ORDER BY id) FILTER (WHERE b IS DISTINCT FROM (CASE WHEN o THEN 1 ELSE 0 END)), '{}') AS branch_faults
        FROM (SELECT t.id::text AS id, (${now}) AS n, (${before}) AS o,
          ${join(branches.map((b) => sql`(CASE WHEN (${b}) THEN 1 WHEN NOT (${b}) THEN 0 END)`), ' + ')} AS b FROM ${raw(table)} t) q`);
      coverage.push({ caller: name, kind, visible: r.visible, total: r.total });
      if (now instanceof Alternatives) alternatives.push({ caller: name, kind, branches: branches.length });
      if (r.only_new.length || r.only_old.length || r.nulls.length || r.branch_faults.length) {
        mismatches.push({ caller: name, kind, onlyNew: r.only_new.slice(0, 25), onlyOld: r.only_old.slice(0, 25), nulls: r.nulls.slice(0, 25), branchFaults: r.branch_faults.slice(0, 25) });
      }
    }
  }
  return { mismatches, coverage, alternatives };
}

function expectNontrivial(coverage: Coverage[], kinds: EntityKind[]) {
  // The comparison means something only if some caller sees part of each kind (not nothing, not all).
  for (const kind of kinds) {
    const partial = coverage.filter((c) => c.kind === kind && c.visible > 0 && c.visible < c.total);
    expect({ kind, partialCallers: partial.length > 0 }).toEqual({ kind, partialCallers: true });
  }
}

const PARTIAL_KINDS: EntityKind[] = ['School', 'Campus', 'EducationGroup', 'GroupMembership', 'Staff', 'Posting', 'ResourceLibrary', 'Resource', 'EvaluationCycle', 'Evaluation', 'AuditEntry'];

describe('area scope of record: the optimised rules mean what the 2035aea rules meant', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub.stop());

  test('demo database: every caller, every kind, the same ids; never NULL', async () => {
    const query: Query = (q) => { const { text, values } = q.render(); return hub.ds.query(text, values); };
    const tree = await JurisdictionDirectory.of(hub.ds);
    const callers = await callersOf(query);
    expect(callers.length).toBeGreaterThan(30);
    const { mismatches, coverage, alternatives } = await compare(query, tree, callers);
    expect(mismatches).toEqual([]);
    expectNontrivial(coverage, PARTIAL_KINDS.filter((k) => k !== 'AuditEntry'));
    // The county callers' staff rule is given as branches too: they were checked above; so is a
    // city's (more than 8 jurisdictions, whose rule otherwise stays on the row: rules.ts SMALL_AREA).
    expect(alternatives.filter((a) => a.kind === 'Staff').length).toBeGreaterThan(3);
    expect(alternatives.some((a) => a.kind === 'Staff' && a.branches > 9)).toBe(true);
  });

  test('the literal check: SELECT ... WHERE (visible) IS NULL finds nothing, for every caller and kind', async () => {
    const tree = await JurisdictionDirectory.of(hub.ds);
    const query: Query = (q) => { const { text, values } = q.render(); return hub.ds.query(text, values); };
    const found: string[] = [];
    for (const [name, caller] of await callersOf(query)) {
      const scope = Scope.forCaller(caller, tree);
      for (const [kind, table] of TABLES) {
        const rows = await query(sql`SELECT t.id::text FROM ${raw(table)} t WHERE (${scope.visible(kind, 't')}) IS NULL`);
        for (const r of rows) found.push(`${name} ${kind} ${r.id}`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe('area scope of record on edited demo data (statuses and visibilities the demo lacks)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ writes: true });
    // A fresh copy of the demo, edited so every branch of the rules has rows: SUSPENDED,
    // DISSOLVED and PROPOSED groups with ACTIVE members elsewhere; EXITED, APPLIED, REJECTED and
    // WITHDRAWN memberships of campuses of other counties; libraries of every visibility on
    // groups supervised at a city and at a county.
    const q = (text: string) => hub.ds.query(text);
    // Cross-county groups: one non-lead ACTIVE member campus of each of six groups moves to a
    // county of another province (its school stays where it was).
    const counties: Array<{ id: string }> = await q(`SELECT DISTINCT jurisdiction_id::text AS id FROM campus ORDER BY 1`);
    const movers: Array<{ campus: string; group: string; j: string }> = await q(`
      SELECT DISTINCT ON (g.id) m.campus_id::text AS campus, g.id::text AS group, g.jurisdiction_id::text AS j
      FROM education_group g JOIN group_membership m ON m.group_id = g.id AND m.status = 'ACTIVE' AND m.campus_id <> g.lead_campus_id
      ORDER BY g.id, m.campus_id LIMIT 6`);
    for (const [i, m] of movers.entries()) {
      const other = counties.map((c) => c.id).filter((c) => c !== m.j)[i % (counties.length - 1)];
      await q(`UPDATE campus SET jurisdiction_id = '${other}' WHERE id = '${m.campus}'`);
    }
    // Groups that are not running, with ACTIVE members elsewhere.
    const statuses = ['SUSPENDED', 'DISSOLVED', 'PROPOSED'];
    for (let i = 0; i < statuses.length && i + 1 < movers.length; i++) {
      const dissolved = statuses[i] === 'DISSOLVED' ? `coalesce(established_on, DATE '2026-01-01')` : 'NULL';
      await q(`UPDATE education_group SET status = '${statuses[i]}', dissolved_on = ${dissolved} WHERE id = '${movers[i + 1].group}'`);
    }
    // Memberships that must bring nothing in: past and proposed ones.
    const members: Array<{ id: string }> = await q(`
      SELECT m.id::text FROM group_membership m JOIN education_group g ON g.id = m.group_id
      WHERE m.status = 'ACTIVE' AND g.lead_campus_id <> m.campus_id AND m.campus_id <> ALL('{${movers.map((m) => m.campus).join(',')}}'::uuid[])
      ORDER BY m.id LIMIT 8`);
    const past = ['EXITED', 'REJECTED', 'WITHDRAWN', 'APPLIED'];
    for (let i = 0; i < members.length; i++) {
      await q(`UPDATE group_membership SET status = '${past[i % past.length]}' WHERE id = '${members[i].id}'`);
      // Half of them of campuses in another county than the group's bureau: a past membership
      // must not bring the campus (its staff, evaluations) into the supervising bureau's scope.
      if (i % 2 === 0) {
        await q(`UPDATE campus c SET jurisdiction_id = (SELECT x.id FROM jurisdiction x WHERE x.id IN (SELECT jurisdiction_id FROM campus)
          AND x.id <> g.jurisdiction_id AND x.id <> c.jurisdiction_id ORDER BY x.code LIMIT 1)
          FROM group_membership m JOIN education_group g ON g.id = m.group_id WHERE m.id = '${members[i].id}' AND c.id = m.campus_id`);
      }
    }
    await q(`UPDATE resource_library l SET visibility = v.vis FROM (
      SELECT l2.id, (ARRAY['JURISDICTION','GROUP','PUBLIC'])[1 + (row_number() OVER (ORDER BY l2.id) % 3)] AS vis FROM resource_library l2) v
      WHERE v.id = l.id`);
  });
  afterAll(() => hub.stop());

  test('every caller, every kind, the same ids; never NULL', async () => {
    const query: Query = (q) => { const { text, values } = q.render(); return hub.ds.query(text, values); };
    const tree = await JurisdictionDirectory.of(hub.ds);
    const [shape] = await hub.ds.query(`SELECT
      (SELECT count(DISTINCT status) FROM group_membership)::int AS membership_statuses,
      (SELECT count(DISTINCT status) FROM education_group)::int AS group_statuses,
      (SELECT count(DISTINCT g.id) FROM education_group g JOIN group_membership m ON m.group_id = g.id AND m.status = 'ACTIVE'
        JOIN campus c ON c.id = m.campus_id WHERE c.jurisdiction_id <> g.jurisdiction_id)::int AS cross_county_groups`);
    expect(shape).toEqual({ membership_statuses: 5, group_statuses: 4, cross_county_groups: expect.any(Number) });
    expect(shape.cross_county_groups).toBeGreaterThanOrEqual(5);
    const { mismatches, coverage, alternatives } = await compare(query, tree, await callersOf(query));
    expect(mismatches).toEqual([]);
    expectNontrivial(coverage, PARTIAL_KINDS.filter((k) => k !== 'AuditEntry'));
    expect(alternatives.filter((a) => a.kind === 'Staff').length).toBeGreaterThan(3);
    expect(alternatives.some((a) => a.kind === 'Staff' && a.branches > 9)).toBe(true);
  });

  // An audit entry naming no jurisdiction lies nowhere: the old rule (no ancestor row matches an
  // empty array) and the new one (the nation: cardinality > 0) agree. No write of the hub records
  // an empty list today, so the demo cannot show it: the row is made here.
  test('an audit entry with no jurisdiction is in nobody\'s scope, the nation\'s included', async () => {
    await hub.ds.query(`INSERT INTO audit_entry (id, actor, action, entity_type, entity_id, jurisdiction_ids, diff)
      VALUES (gen_random_uuid(), 'test:eq', 'probe', 'Probe', gen_random_uuid(), '{}', '{}')`);
    const query: Query = (q) => { const { text, values } = q.render(); return hub.ds.query(text, values); };
    const tree = await JurisdictionDirectory.of(hub.ds);
    const { mismatches } = await compare(query, tree, await callersOf(query));
    expect(mismatches).toEqual([]);
  });
});

/** The generated city database of bench/ (cross-county groups at scale), read only. */
const CITY_URL = process.env.HUB_EQ_CITY_URL ?? 'postgres://postgres@127.0.0.1:5432/hub_bench_city';

describe('area scope of record on the generated city database (read only; skipped when absent)', () => {
  let ds: DataSource | null = null;
  beforeAll(async () => {
    const candidate = createDataSource(CITY_URL, { poolSize: 2, statementTimeoutMs: 300_000 });
    try {
      await candidate.initialize();
      const [{ ok }] = await candidate.query(`SELECT to_regclass('public.audit_entry') IS NOT NULL AND EXISTS (SELECT 1 FROM campus) AS ok`);
      // The rules read columns later migrations add: a database generated by an older checkout
      // (and not opened by a newer hub since, which would migrate it) is skipped, not misread.
      const applied = ok ? (await candidate.query(`SELECT name FROM migrations`)).map((r: { name: string }) => r.name) : [];
      const behind = migrations.map((m) => m.name).filter((name) => !applied.includes(name));
      if (ok && behind.length) console.warn(`scope-equivalence: ${CITY_URL} lacks migrations ${behind.join(', ')} (start the hub against it once); the city comparison is skipped`);
      if (ok && !behind.length) ds = candidate;
      else await candidate.destroy();
    } catch {
      if (candidate.isInitialized) await candidate.destroy();
    }
  });
  afterAll(async () => {
    if (ds) await ds.destroy();
  });

  test('every caller, every kind, the same ids; never NULL', async () => {
    if (!ds) {
      console.warn(`scope-equivalence: ${CITY_URL} is not there; the city comparison is skipped`);
      return;
    }
    // Every statement in a READ ONLY transaction: this database is never written.
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await qr.query('SET TRANSACTION READ ONLY');
      const query: Query = (q) => { const { text, values } = q.render(); return qr.query(text, values); };
      const tree = await JurisdictionDirectory.of(ds);
      const callers = await callersOf(query);
      const { mismatches, coverage, alternatives } = await compare(query, tree, callers);
      expect(mismatches).toEqual([]);
      expect(alternatives.filter((a) => a.kind === 'Staff').length).toBeGreaterThan(0);
      expectNontrivial(coverage, ['Campus', 'EducationGroup', 'GroupMembership', 'Staff', 'Posting', 'Evaluation']);
    } finally {
      await qr.rollbackTransaction().catch(() => undefined);
      await qr.release();
    }
  }, 900_000);
});

// ---------------------------------------------------------------------------------------------
// Over HTTP: the prefetch and the compiled executor change nothing a caller sees.
// ---------------------------------------------------------------------------------------------

const STAFF_DEEP = `id name role homeCampus { id name school { id code name jurisdiction { code } } jurisdiction { code } }`;
const BATTERY: Array<[string, string, Record<string, unknown>?]> = [
  ['staff with campus and school', `{ staffMembers(first: 60) { totalCount edges { cursor node { ${STAFF_DEEP} } } pageInfo { hasNextPage endCursor } } }`],
  ['staff, every filter, relations selected', `query($f: StaffFilter) { staffMembers(first: 40, filter: $f) { totalCount edges { node { ${STAFF_DEEP} } } } }`,
    { f: { nameContains: '王', backbone: true, roles: ['TEACHER'], updatedSince: '2000-01-01T00:00:00Z' } }],
  ['postings with staff, group, campuses', `{ postings(first: 60) { totalCount edges { node { id status type startDate
      staff { id name nationalIdMasked homeCampus { name school { code } } }
      group { id name status leadCampus { id name school { code } } }
      fromCampus { id name school { code name } } toCampus { id name school { code name } } } } } }`],
  ['postings, every filter', `query($f: PostingFilter) { postings(first: 40, filter: $f) { totalCount edges { node { id staff { name homeCampus { name } } fromCampus { name } toCampus { school { code } } group { name } } } } }`,
    { f: { schoolYear: '2025-2026', statuses: ['ACTIVE', 'PLANNED', 'ENDED'], updatedSince: '2000-01-01T00:00:00Z' } }],
  ['postings: staff nationalId (reached staff must answer null)', `{ postings(first: 200) { edges { node { id staff { id nationalId nationalIdMasked homeCampus { id } } } } } }`],
  ['aliased lists, different selections', `{ a: staffMembers(first: 30) { edges { node { id } } }
      b: staffMembers(first: 30) { edges { node { id homeCampus { school { name } } } } }
      c: staffMembers(first: 30) { edges { node { name homeCampus { name } } } } }`],
  ['fragments, inline fragments, @include/@skip', `query($yes: Boolean = true, $no: Boolean = false) {
      staffMembers(first: 30) { edges { node { ...S ... on Staff { homeCampus @include(if: $no) { school { name } } } homeCampus @skip(if: $no) { ...C } } } }
      postings(first: 30) { edges { node { staff @include(if: false) { name } group @skip(if: true) { name } fromCampus @include(if: $yes) { ...C } } } } }
    fragment S on Staff { id name }
    fragment C on Campus { id name school { code } }`],
  ['groups, memberships, deep nesting', `{ groups(first: 20) { totalCount edges { node { id name status crossJurisdiction
      leadCampus { name school { name campuses { name } } }
      memberships(first: 20) { totalCount edges { node { id status role campus { id name school { code name } staff(first: 3) { edges { node { name homeCampus { school { code } } } } } }
        group { id name leadCampus { school { code } } } } } }
      postings(first: 5) { edges { node { staff { name homeCampus { name school { name } } } fromCampus { name } } } }
      libraries { name visibility group { name } resources(first: 3) { edges { node { title contributingCampus { name school { code } } library { group { name } } } } } } } } } }`],
  ['same nested list twice, aliased, different selections', `{ groups(first: 10) { edges { node {
      x: memberships(first: 10) { edges { node { id } } }
      y: memberships(first: 10) { edges { node { campus { school { name } } group { leadCampus { name } } } } } } } } }`],
  ['joined rows pruned to their selection: sibling aliases, different columns of one relation', `{ groups(first: 10) { edges { node {
      x: memberships(first: 10) { edges { node { campus { name } } } }
      y: memberships(first: 10) { edges { node { campus { studentCount stages school { code type } } } } }
      z: memberships(first: 10) { edges { node { campus { id school { name } jurisdiction { code } } } } } } } } }`],
  ['a joined row asked for a field that reads more than its columns', `{ staffMembers(first: 40) { edges { node { id homeCampus { name fullTimeTeacherCount
      currentGroup { name } school { code campuses { name } } } } } }
      postings(first: 20) { edges { node { staff { name postings { id } currentPosting { id } } toCampus { leadershipQuota { principals filledPrincipals overQuota } } } } } }`],
  ['campuses with school and staff', `query($f: CampusFilter) { campuses(first: 50, filter: $f) { totalCount edges { node { id name school { code name }
      staff(first: 5, filter: { nameContains: "张" }) { totalCount edges { node { name homeCampus { school { code } } } } } } } } }`, { f: { grouped: true } }],
  ['resources with contributing campus', `{ resources(first: 40) { totalCount edges { node { id title contributingCampus { name school { name } } contributor { name } library { name group { name } } } } } }`],
  ['figures of reached groups through postings', `{ postings(first: 40) { edges { node { group { name stats { memberCampusCount } leadCampus { fullTimeTeacherCount } } } } } }`],
  ['non-null bubbling: a forbidden relation under a list', `{ postings(first: 5) { totalCount edges { node { id staff { name } } } } }`],
  // Nested pages fetched in their parent's statement (graphql/prefetch.ts PagePlan): every column type, arguments by
  // variable, cursors, counts, errors raised at the nested field, the same fragment at several places.
  ['nested pages: dates, timestamps, arrays, numbers in rows inside a page', `query($st: [MembershipStatus!], $n: Int) { groups(first: 15) { edges { node { id
      memberships(first: $n, status: $st) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id role status joinedOn leftOn appliedAt updatedAt
        campus { id name stages studentCount createdAt updatedAt school { code updatedAt }
          staff(first: 4) { totalCount pageInfo { hasNextPage } edges { cursor node { id name subjects backbone updatedAt } } } } } } }
      postings(first: 3, filter: { statuses: [ACTIVE, ENDED] }) { edges { node { id startDate endDate updatedAt staff { name } } } } } } } }`,
    { st: ['ACTIVE', 'EXITED'], n: 7 }],
  ['nested pages: evaluations (numeric) and resources (text arrays)', `{ evaluationCycles(first: 5) { edges { node { id name
      evaluations(first: 6) { totalCount edges { node { id totalScore valueAdded grade updatedAt } } } } } }
    groups(first: 10) { edges { node { libraries { resources(first: 4) { edges { node { id title tags useCount createdAt contributingCampus { name } } } } } } } } }`],
  ['nested pages: bad arguments fail at the nested field, as before', `{ groups(first: 5) { edges { node { id
      memberships(first: 600) { edges { node { id } } } postings(first: 2, after: "bm90IGEgY3Vyc29y") { edges { node { id } } } } } } }`],
  ['nested pages: one fragment at several places (list, lookup, join, page in a page)', `query($id: ID!) { groups(first: 8) { edges { node { ...G } } }
      group(id: $id) { ...G }
      postings(first: 10) { edges { node { group { ...G } toCampus { ...C } } } }
      campuses(first: 8) { edges { node { ...C } } } }
    fragment G on EducationGroup { id memberships(first: 3) { edges { node { id campus { ...C } } } } }
    fragment C on Campus { id name staff(first: 2) { totalCount edges { node { id name } } } }`, { id: '(a group)' }],
  // Errors bubble to the root here (a non-null root list): which of several sibling errors is reported then differs between
  // graphql-jit and graphql-js, and `canonical` compares only their messages.
  ['nested pages under a jurisdiction reached from memory (a batched statement), aliased pages with different arguments', `{ campuses(first: 3) { edges { node { id
      jurisdiction { code campuses(first: 4) { edges { node { id a: staff(first: 1) { edges { node { id } } } b: staff(first: 3, filter: { backbone: true }) { totalCount edges { node { id name } } } } } }
        groups(first: 3) { edges { node { id memberships(first: 2) { edges { node { campus { staff(first: 2) { edges { node { name } } } } } } } } } } } } } } }`],
  ['nested pages under a list of jurisdictions (a page whose FROM joins the division tree)', `{ jurisdictions(first: 3) { edges { node { code
      campuses(first: 3) { totalCount edges { node { id name staff(first: 2) { edges { node { id } } } } } } groups(first: 2) { edges { node { id name } } } } } } }`],
  ['introspection', `{ __schema { queryType { name } types { name kind } } __type(name: "Staff") { fields { name type { name kind ofType { name } } } } }`],
  ['typename and node', `{ staffMembers(first: 3) { edges { node { __typename id } } } viewer { __typename } }`],
  ['bad variable', `query($n: Int) { staffMembers(first: $n) { totalCount } }`, { n: 'many' }],
  ['missing required variable', `query($id: ID!) { staff(id: $id) { name } }`],
  ['unknown field error', `{ staffMembers(first: 1) { edges { node { nope } } } }`],
];

/** The last is the reference: the pipeline before these optimisations (type-graphql's own resolver handlers included). */
/** A group's global id (beforeAll), for queries whose variables ask for '(a group)'. */
let aGroup = '';
const ANSWERS = ['jit + prefetch', 'jit, HUB_PREFETCH=0', 'graphql-js (HUB_JIT=0) + prefetch', 'graphql-js, HUB_PREFETCH=0, HUB_DIRECT_RESOLVERS=0'] as const;

describe('over HTTP: prefetch and compiled execution answer exactly as before', () => {
  let jit: TestHub;
  let js: TestHub;
  const who: Record<string, As> = {};
  beforeAll(async () => {
    jit = await startHub({ writes: true });
    const previous = process.env.HUB_JIT;
    process.env.HUB_JIT = '0';
    try {
      js = await startHub({ databaseUrl: jit.databaseUrl });
    } finally {
      if (previous === undefined) delete process.env.HUB_JIT;
      else process.env.HUB_JIT = previous;
    }
    const [school] = await jit.ds.query(`SELECT s.code FROM school s JOIN jurisdiction j ON j.id = s.jurisdiction_id WHERE j.code = '640502' ORDER BY s.code LIMIT 1`);
    const [group] = await jit.ds.query(`SELECT id::text FROM education_group ORDER BY name LIMIT 1`);
    aGroup = Buffer.from(`EducationGroup:${group.id}`).toString('base64url');
    const key = async (input: Record<string, unknown>) =>
      ({ apiKey: (await jit.as({ sub: 'eq:keys', role: 'BUREAU_ADMIN', jurisdiction: input.jurisdictionCode as string, scopes: [...ALL_READ, 'pii:read'] }).data(`mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { apiKey } }`, { input: { name: `eq ${Math.random()}`, role: 'VENDOR', ...input } })).createApiClient.apiKey });
    Object.assign(who, {
      'nation bureau': { sub: 'eq:nation', role: 'BUREAU_ADMIN', jurisdiction: '000000', scopes: ['pii:read'] },
      'county bureau 640502 (pii:read)': { sub: 'eq:640502', role: 'BUREAU_ADMIN', jurisdiction: '640502', scopes: ['pii:read'] },
      'county bureau 530129 (pii:read)': { sub: 'eq:530129', role: 'BUREAU_ADMIN', jurisdiction: '530129', scopes: ['pii:read'] },
      'province bureau 640000 (pii:read)': { sub: 'eq:640000', role: 'BUREAU_ADMIN', jurisdiction: '640000', scopes: ['pii:read'] },
      'analyst 640502': { sub: 'eq:an', role: 'ANALYST', jurisdiction: '640502', scopes: ['pii:read'] },
      'analyst nation': { sub: 'eq:an0', role: 'ANALYST', jurisdiction: '000000' },
      'school admin': { sub: 'eq:sa', role: 'SCHOOL_ADMIN', school: school.code, scopes: ['pii:read'] },
      'group admin': { sub: 'eq:ga', role: 'GROUP_ADMIN', group: aGroup },
      'vendor 640502, no staff:read': await key({ jurisdictionCode: '640502', scopes: ['campus:read', 'posting:read', 'group:read'] }),
      'vendor 640502 narrowed, staff:read + pii:read': await key({ jurisdictionCode: '640502', scopes: [...ALL_READ, 'pii:read'], schoolCodes: [school.code] }),
      'vendor nation, staff:read only': await key({ jurisdictionCode: '000000', scopes: ['staff:read'] }),
    });
  });
  afterAll(async () => {
    await js?.stop();
    await jit?.stop();
  });

  /** The four answers to one request (the prefetch switch is read per request). */
  async function answers(caller: As, query: string, variables?: Record<string, unknown>) {
    if (variables?.id === '(a group)') variables = { ...variables, id: aGroup };
    const out: Record<string, unknown> = {};
    for (const [i, hub] of [jit, jit, js, js].entries()) {
      if (i % 2) process.env.HUB_PREFETCH = '0';
      if (i === 3) useDirectResolvers(false);
      try {
        const r = await hub.as(caller).gql(query, variables);
        out[ANSWERS[i]] = { status: r.status, data: r.data, errors: r.errors };
      } finally {
        delete process.env.HUB_PREFETCH;
        useDirectResolvers(true);
      }
    }
    return out;
  }

  /**
   * An answer as canonical JSON: keys sorted (the order of a response's keys is compared in a
   * test of its own, below). When an error nulled the whole answer (`data: null`), which
   * sibling's error is reported first depends on which list's statement returned first, before
   * and after: only the distinct messages and codes are compared then.
   */
  function canonical(answer: any): string {
    const sort = (v: any): any => (Array.isArray(v) ? v.map(sort) : v && typeof v === 'object'
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v);
    if (answer.data === null && answer.errors) {
      const errors = [...new Set(answer.errors.map((e: any) => `${e.extensions?.code}: ${e.message}`))].sort();
      return JSON.stringify({ status: answer.status, data: null, errors });
    }
    return JSON.stringify(sort(answer));
  }

  test('a battery of queries, for callers of every role: identical JSON four ways', async () => {
    const differences: string[] = [];
    for (const [name, caller] of Object.entries(who)) {
      // A caller refused outright (401) would compare nothing.
      expect({ name, status: (await jit.as(caller).gql('{ viewer { role } }')).status }).toEqual({ name, status: 200 });
      for (const [label, query, variables] of BATTERY) {
        const a = await answers(caller, query, variables);
        const reference = canonical(a[ANSWERS[3]]);
        for (const k of ANSWERS.slice(0, 3)) {
          const got = canonical(a[k]);
          if (got !== reference) differences.push(`${name} / ${label} / ${k}:\n  got       ${got.slice(0, 600)}\n  reference ${reference.slice(0, 600)}`);
        }
      }
    }
    expect(differences).toEqual([]);
  }, 300_000);

  test('analysts: names masked through joined staff; no ID number in any form', async () => {
    const q = `{ postings(first: 100) { edges { node { staff { name nationalId nationalIdMasked homeCampus { name } } } } }
      staffMembers(first: 100) { edges { node { name nationalId nationalIdMasked homeCampus { school { name } } } } } }`;
    for (const caller of [who['analyst 640502'], who['analyst nation']]) {
      const d = await jit.as(caller).data(q);
      const staff = [...d.postings.edges.map((e: any) => e.node.staff), ...d.staffMembers.edges.map((e: any) => e.node)];
      expect(staff.length).toBeGreaterThan(50);
      for (const s of staff) {
        expect(s.name).toMatch(/^.\*\*$/u);
        expect(s.nationalId).toBeNull();
        expect(s.nationalIdMasked).toBeNull();
      }
    }
  });

  test('a vendor without staff:read is refused postings { staff { name } } (FORBIDDEN), nothing of the staff shown', async () => {
    const r = await jit.as(who['vendor 640502, no staff:read']).gql(`{ postings(first: 20) { totalCount edges { node { id staff { name homeCampus { name } } } } } }`);
    expect(r.errors?.length).toBeGreaterThan(0);
    expect(r.errors!.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
    expect(JSON.stringify(r.data ?? null)).not.toMatch(/"name"/);
    // Without the relation the same list answers.
    const ok = await jit.as(who['vendor 640502, no staff:read']).data(`{ postings(first: 20) { totalCount edges { node { id fromCampus { name } } } } }`);
    expect(ok.postings.edges.length).toBeGreaterThan(0);
  });

  test('nationalId through postings: only of staff in the caller\'s scope of record, never of staff merely reached', async () => {
    // 530129's campuses receive staff posted from 530102 (the Kunming group is supervised by the city).
    const caller = who['county bureau 530129 (pii:read)'];
    const d = await jit.as(caller).data(`{ postings(first: 500) { edges { node { staff { id nationalId homeCampus { id } } } } } }`);
    const own = new Set<string>();
    for (let after: string | null = null; ;) {
      const p: any = await jit.as(caller).data(`query($after: String) { staffMembers(first: 500, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { after });
      for (const e of p.staffMembers.edges) own.add(e.node.id);
      if (!p.staffMembers.pageInfo.hasNextPage) break;
      after = p.staffMembers.pageInfo.endCursor;
    }
    let reached = 0;
    let held = 0;
    for (const e of d.postings.edges) {
      const s = e.node.staff;
      if (own.has(s.id)) {
        held++;
        expect(typeof s.nationalId === 'string' || s.nationalId === null).toBe(true);
      } else {
        reached++;
        expect(s.nationalId).toBeNull();
      }
    }
    expect(held).toBeGreaterThan(0);
    expect(reached).toBeGreaterThan(0);
  });

  // graphql-jit orders a response's keys by a field's first occurrence in the document even when
  // that occurrence is skipped (@include(if: false)); graphql-js (and the spec's CollectFields)
  // by its first *included* occurrence. Documents with @skip/@include run on graphql-js
  // (graphql/executor.ts needsGraphqlJs), so both hubs answer in the spec's order.
  test('key order after a skipped first occurrence follows the spec on either executor', async () => {
    const q = `query($no: Boolean = false) { staffMembers(first: 1) { edges { node {
      ... on Staff { homeCampus @include(if: $no) { school { name } } } homeCampus { id name school { code } } } } } }`;
    const keys = async (hub: TestHub) => Object.keys((await hub.data(q)).staffMembers.edges[0].node.homeCampus);
    expect(await keys(js)).toEqual(['id', 'name', 'school']);
    expect(await keys(jit)).toEqual(['id', 'name', 'school']);
  });

  test('a fragment skipped at one place is answered in full at another (graphql-jit dropped it)', async () => {
    const q = `query($x: Boolean!) { a: groups(first: 2) { edges { node { id ...F @include(if: $x) } } }
      b: groups(first: 2) { edges { node { id ...F } } } }
      fragment F on EducationGroup { name memberships(first: 1) { edges { node { id } } } }`;
    for (const hub of [jit, js]) {
      const d = await hub.data(q, { x: false });
      for (const e of d.b.edges) {
        expect(typeof e.node.name).toBe('string');
        expect(Array.isArray(e.node.memberships.edges)).toBe(true);
      }
      for (const e of d.a.edges) expect(e.node.name).toBeUndefined();
    }
  });

  test('null for a directive\'s non-null `if` is the client\'s mistake (400), not a server error', async () => {
    const r = await jit.gql(`query($x: Boolean = true) { groups(first: 1) { edges { node { id name @include(if: $x) } } } }`, { x: null });
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
