import 'reflect-metadata';
import zlib from 'node:zlib';
import { NATIONAL_BUREAU, startHub, TestHub } from './support/hub';
import type { TokenClaims } from '../server/access/tokens';

/**
 * Issue 7, finding 9: whatever a client sends, the hub answers JSON with a client error code.
 * Over a thousand malformed requests are generated from seeds (valid queries and mutations of
 * the contract, mutated: wrong variable types, junk ids and cursors, NUL characters in every
 * string argument, impossible dates, broken bodies, content types, methods, paths, headers),
 * sent by several callers against a database of its own, and every answer is checked: no
 * INTERNAL_SERVER_ERROR, no status ≥ 500, JSON only, no stack trace, SQL or server path,
 * and no table gains or loses a row.
 */
let hub: TestHub;
let origin: string;
let seeds: { campusId: string; campusName: string; schoolCode: string; groupId: string; staffId: string; postingId: string; groupCursor: string; jurisdictionCursor: string };

const COUNTY: TokenClaims = { sub: 'test:malformed-county', role: 'BUREAU_ADMIN', jurisdiction: '640502' };
const ANALYST: TokenClaims = { sub: 'test:malformed-analyst', role: 'ANALYST', jurisdiction: '640502' };
let schoolAdmin: TokenClaims;

/** Tables and their row counts; rate_limit is the limiter's store, not data. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables: Array<{ name: string }> = await hub.ds.query(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('rate_limit') ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) counts[name] = (await hub.ds.query(`SELECT count(*)::int AS n FROM "${name}"`))[0].n;
  return counts;
}

beforeAll(async () => {
  hub = await startHub({ writes: true });
  origin = new URL(hub.url).origin;
  const d = await hub.data(`{
    campuses(first: 1) { edges { node { id name school { code } } } }
    groups(first: 2) { edges { cursor node { id } } }
    staffMembers(first: 1) { edges { node { id } } }
    postings(first: 1) { edges { node { id } } }
    jurisdictions(first: 1) { edges { cursor } } }`);
  const campus = d.campuses.edges[0].node;
  seeds = {
    campusId: campus.id,
    campusName: campus.name,
    schoolCode: campus.school.code,
    groupId: d.groups.edges[0].node.id,
    groupCursor: d.groups.edges[0].cursor,
    staffId: d.staffMembers.edges[0].node.id,
    postingId: d.postings.edges[0].node.id,
    jurisdictionCursor: d.jurisdictions.edges[0].cursor,
  };
  schoolAdmin = { sub: 'test:malformed-school', role: 'SCHOOL_ADMIN', school: seeds.schoolCode };
});
afterAll(() => hub.stop());

/** A small seeded PRNG (mulberry32): the same requests on every run. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Req {
  name: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Who calls (token claims); null: nobody; undefined: the national bureau. */
  as?: TokenClaims | null;
}

const gqlBody = (query: string, variables?: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ query, variables, ...extra });
const cursorOf = (key: string) => Buffer.from(`k:${key}`, 'utf8').toString('base64url');
const NUL = '\u0000';
const BAD_DATES = ['0000-01-01', '2024-02-30', '2023-02-29', '1899-12-31', '2101-01-01', '10000-01-01', '2024-13-01', '2024-1-1', '', '２０２４-01-01', 'yesterday', `2024-01-0${NUL}`];
const BAD_INSTANTS = ['0000-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01', '2024-01-01T25:00:00Z', 'now', '', '1899-12-31T23:59:59Z', `2024-01-01T00:00:00Z${NUL}`];
const JUNK_IDS = ['', 'x', '0', '-1', 'null', 'Q2FtcHVzOm5vdC1hLXV1aWQ', 'Campus:00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000', 'a'.repeat(5000), `id${NUL}`, '🙂🙂', "' OR 1=1 --", '%00', Buffer.from('Campus:' + NUL).toString('base64')];
const JUNK_KEYS = ['not-a-uuid', NUL, `${NUL}00000000-0000-0000-0000-000000000000`, 'x'.repeat(99), "' OR 1=1 --", '110000', '00000000-0000-0000-0000-00000000000g', '🙂', '-1', '2024-01-01'];

function generate(): Req[] {
  const rand = prng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const reqs: Req[] = [];
  const gq = (name: string, query: string, variables?: unknown, as?: TokenClaims | null) => reqs.push({ name, body: gqlBody(query, variables), as });

  // Documents: valid queries of the contract, truncated and mutated character by character.
  const templates = [
    '{ groups(first: 5) { totalCount edges { cursor node { id name mode memberships { totalCount edges { node { role campus { name } } } } } } } }',
    'query($code: String!) { jurisdiction(code: $code) { name stats(schoolYear: "2025-2026") { coverageRate rotationRate } } }',
    `mutation { upsertCampus(input: { schoolCode: "0000000000", name: "x", studentCount: 10 }) { id name } }`,
    `mutation { createGroup(input: { name: "g", mode: ALLIANCE, leadCampusId: "nope" }) { id } }`,
    '{ node(id: "x") { id ... on Campus { name school { code } } } }',
  ];
  const nasty = ['{', '}', '(', ')', '"', '\\', '$', '@', '#', '...', ':', '!', '[', ']', NUL, '\uD800', '\u2028', '"""', '\\u0000', ' fragment F on X { a } '];
  for (const t of templates) {
    for (let i = 1; i < t.length; i += 7) gq('document prefix', t.slice(0, i), { code: '640502' });
    for (let k = 0; k < 30; k++) {
      const at = Math.floor(rand() * t.length);
      const op = rand();
      const mutated = op < 0.4 ? t.slice(0, at) + pick(nasty) + t.slice(at) : op < 0.7 ? t.slice(0, at) + t.slice(at + 1 + Math.floor(rand() * 5)) : t.slice(0, at) + pick(nasty) + t.slice(at + 1);
      gq('document mutation', mutated, { code: '640502' });
    }
  }
  for (const depth of [20, 100, 1000, 5000]) gq(`nesting ${depth}`, '{ viewer '.repeat(1) + '{ a '.repeat(depth) + '}'.repeat(depth + 1));
  for (const depth of [16, 30, 200]) gq(`deep valid nesting ${depth}`, `{ jurisdiction(code: "640502") { ${'children { '.repeat(depth)}code${' }'.repeat(depth)} } }`);
  gq('subscription', 'subscription { x }');
  gq('subscription named', 'subscription S { changes { hasMore } }');
  gq('empty document', '');
  gq('only comment', '# nothing');
  gq('two anonymous operations', '{ viewer { subject } } { viewer { role } }');
  gq('unknown operation name', '{ viewer { subject } }');
  reqs.push({ name: 'operationName missing', body: JSON.stringify({ query: 'query A { viewer { subject } } query B { viewer { role } }' }) });
  reqs.push({ name: 'operationName wrong', body: JSON.stringify({ query: 'query A { viewer { subject } }', operationName: `B${NUL}` }) });
  reqs.push({ name: 'operationName number', body: JSON.stringify({ query: 'query A { viewer { subject } }', operationName: 5 }) });
  gq('fragment cycle', '{ viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }');
  gq('fragment bomb', `{ viewer { ...F0 } } ${Array.from({ length: 20 }, (_, i) => `fragment F${i} on Viewer { subject ${i < 19 ? `...F${i + 1} ...F${i + 1}` : ''} }`).join(' ')}`);
  gq('unknown field with suggestion', '{ grops { totalCount } }');
  gq('directives', `{ viewer @skip(if: "yes") { subject } }`);
  gq('many directives', `{ viewer { subject ${'@include(if: true) '.repeat(60)} } }`);
  gq('unknown directive', '{ viewer @nope { subject } }');
  gq('aliases', `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: viewer { subject }`).join(' ')} }`);
  gq('huge string literal', `{ jurisdiction(code: "${'9'.repeat(200_000)}") { name } }`);
  gq('tokens', `{ ${'viewer { subject } '.repeat(3000)} }`);
  gq('introspection deep', '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }');
  gq('typename on mutation', 'mutation { __typename }');

  // Variables: valid queries with values of the wrong type, size or shape.
  const badValues: unknown[] = ['x', '5', 5.5, -1, 2 ** 31, 2 ** 53, 1e308, true, null, {}, [], [1], { a: 1 }, NUL, `5${NUL}`, 'a'.repeat(10_000), { nested: { deep: [[[[['x']]]]] } }];
  const varQueries: Array<[string, string]> = [
    ['n', 'query($n: Int) { groups(first: $n) { totalCount } }'],
    ['n', 'query($n: Int!) { jurisdictions(first: $n) { totalCount } }'],
    ['code', 'query($code: String!) { jurisdiction(code: $code) { name } }'],
    ['code', 'query($code: String!) { school(code: $code) { name } }'],
    ['id', 'query($id: ID!) { node(id: $id) { id } }'],
    ['after', 'query($after: String) { groups(after: $after) { totalCount } }'],
    ['filter', 'query($filter: GroupFilter) { groups(filter: $filter) { totalCount } }'],
    ['filter', 'query($filter: CampusFilter) { campuses(filter: $filter) { totalCount } }'],
    ['modes', 'query($modes: [GroupMode!]) { groups(filter: { modes: $modes }) { totalCount } }'],
    ['since', 'query($since: DateTime) { staffMembers(filter: { updatedSince: $since }) { totalCount } }'],
  ];
  for (const [name, q] of varQueries) for (const v of badValues) gq(`variable ${name}`, q, { [name]: v });
  for (const [name, q] of varQueries.slice(0, 4)) {
    reqs.push({ name: 'variables not an object', body: JSON.stringify({ query: q, variables: 'x' }) });
    reqs.push({ name: 'variables array', body: JSON.stringify({ query: q, variables: [1] }) });
    reqs.push({ name: 'variable missing', body: JSON.stringify({ query: q, variables: {} }) });
    reqs.push({ name: 'variable with NUL name', body: JSON.stringify({ query: q, variables: { [`${name}${NUL}`]: 1 } }) });
  }
  for (const filter of [{ nameContains: NUL }, { nameContains: `第${NUL}` }, { updatedSince: '0000-01-01T00:00:00Z' }, { modes: ['NOPE'] }, { statuses: [null] }, { crossJurisdiction: 'yes' }, { unknown: 1 }]) {
    gq('group filter', 'query($f: GroupFilter) { groups(filter: $f) { totalCount } }', { f: filter });
    gq('staff filter', 'query($f: StaffFilter) { staffMembers(filter: $f) { totalCount } }', { f: filter });
  }

  // Ids: every lookup by id, with junk.
  for (const id of JUNK_IDS) {
    for (const field of ['node', 'group', 'campus', 'staff', 'evaluationCycle']) {
      gq(`id ${field}`, `query($id: ID!) { ${field}(id: $id) { id } }`, { id });
    }
    gq('id literal', `{ node(id: ${JSON.stringify(id)}) { id } }`);
    gq('id in filter', 'query($id: ID) { auditLog(entityId: $id) { totalCount } }', { id });
  }
  for (const code of ['', 'x', '6405021', '64050', '999999', `6405${NUL}2`, "640502' --", '６４０５０２']) {
    gq('jurisdiction code', 'query($c: String!) { jurisdiction(code: $c) { name stats(schoolYear: "2025-2026") { coverageRate } } }', { c: code });
    gq('school code', 'query($c: String!) { school(code: $c) { name } }', { c: code });
  }
  for (const year of ['', '2025', '2025-2025', '2025-2027', '0000-0001', `2025-2026${NUL}`, 'x'.repeat(1000), '2025–2026']) {
    gq('school year', 'query($y: String) { jurisdiction(code: "640502") { stats(schoolYear: $y) { coverageRate } } }', { y: year });
    gq('school year group', 'query($y: String!, $id: ID!) { group(id: $id) { fundingEntitlement(schoolYear: $y) { total } } }', { y: year, id: seeds.groupId });
  }

  // Cursors: base64url("k:" + junk) and plain junk, on every kind of list.
  const cursors = [...JUNK_KEYS.map(cursorOf), 'junk', '!!', 'a'.repeat(300), Buffer.from('x:1').toString('base64url'), seeds.jurisdictionCursor, seeds.groupCursor];
  const lists = [
    'groups(first: 2, after: $a) { totalCount }',
    'campuses(first: 2, after: $a) { totalCount }',
    'jurisdictions(first: 2, after: $a) { totalCount }',
    'staffMembers(first: 2, after: $a) { totalCount }',
    'postings(first: 2, after: $a) { totalCount }',
    'resources(first: 2, after: $a) { totalCount }',
    'evaluationCycles(first: 2, after: $a) { totalCount }',
    'auditLog(first: 2, after: $a) { totalCount }',
    'changes(first: 2, after: $a) { hasMore }',
    'groups(first: 2) { edges { node { memberships(first: 2, after: $a) { totalCount } } } }',
    'jurisdiction(code: "640502") { children { code } campuses(first: 2, after: $a) { totalCount } }',
  ];
  for (const list of lists) for (const a of cursors) gq('cursor', `query($a: String) { ${list} }`, { a });

  // NUL in every string argument of mutations, as literals and as variables, by several callers.
  const mutations: Array<{ name: string; input: Record<string, unknown>; call: (arg: string) => string; type?: string }> = [
    { name: 'upsertSchool', type: 'UpsertSchoolInput!', input: { code: '6405029999', name: '测试学校', jurisdictionCode: '640502', type: 'PRIMARY', typeCode: '211' }, call: (a) => `upsertSchool(input: ${a}) { code }` },
    { name: 'upsertCampus', type: 'UpsertCampusInput!', input: { schoolCode: seeds.schoolCode, name: '新校区', address: '某路1号', jurisdictionCode: '640502' }, call: (a) => `upsertCampus(input: ${a}) { id }` },
    { name: 'createGroup', type: 'CreateGroupInput!', input: { name: '测试集团', mode: 'ALLIANCE', leadCampusId: seeds.campusId, jurisdictionCode: '640502' }, call: (a) => `createGroup(input: ${a}) { id }` },
    { name: 'upsertStaff', type: 'UpsertStaffInput!', input: { externalId: 'e-1', name: '张三', homeCampusId: seeds.campusId, role: 'TEACHER', title: 'SECOND', subjects: ['语文'], backbone: false, fullTimeTeacher: true, nationalId: '110101199003074514' }, call: (a) => `upsertStaff(input: ${a}) { id }` },
    { name: 'createLibrary', type: 'CreateLibraryInput!', input: { groupId: seeds.groupId, name: '资源库', description: '说明' }, call: (a) => `createLibrary(input: ${a}) { id }` },
    { name: 'updateGroup', type: 'UpdateGroupInput!', input: { name: '新名称' }, call: (a) => `updateGroup(id: "${seeds.groupId}", input: ${a}) { id }` },
  ];
  const literal = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map(literal).join(', ')}]` : typeof v === 'string' ? (/^[A-Z_]+$/.test(v) ? v : JSON.stringify(v)) : typeof v === 'object' && v ? `{ ${Object.entries(v).map(([k, x]) => `${k}: ${literal(x)}`).join(', ')} }` : String(v);
  for (const caller of [NATIONAL_BUREAU, COUNTY, ANALYST, null as unknown as TokenClaims]) {
    for (const m of mutations) {
      for (const [field, value] of Object.entries(m.input)) {
        const poisoned = Array.isArray(value) ? [`${value[0]}${NUL}`] : typeof value === 'string' && !/^[A-Z_]+$/.test(value) ? `${value.slice(0, 1)}${NUL}${value.slice(1)}` : undefined;
        if (poisoned === undefined) continue;
        const input = { ...m.input, [field]: poisoned };
        gq(`NUL ${m.name}.${field} variable`, `mutation($input: ${m.type}) { ${m.call('$input')} }`, { input }, caller ?? null);
        gq(`NUL ${m.name}.${field} literal`, `mutation { ${m.call(literal(input))} }`, undefined, caller ?? null);
      }
    }
  }
  for (const caller of [NATIONAL_BUREAU, COUNTY]) {
    for (const [name, q] of [
      ['dissolveGroup', `mutation($r: String!) { dissolveGroup(id: "${seeds.groupId}", reason: $r) { id } }`],
      ['suspendGroup', `mutation($r: String!) { suspendGroup(id: "${seeds.groupId}", reason: $r) { id } }`],
      ['cancelPosting', `mutation($r: String!) { cancelPosting(id: "${seeds.postingId}", reason: $r) { id } }`],
      ['setGroupPolicy', 'mutation($r: String!) { setGroupPolicy(jurisdictionCode: $r, input: {}) { coverageTarget } }'],
      ['decideMembership', 'mutation($r: String) { decideMembership(id: "nope", decision: APPROVED, comment: $r) { id } }'],
    ] as const) {
      for (const r of [NUL, `理由${NUL}`, `${NUL}${NUL}`]) gq(`NUL ${name}`, q, { r }, caller);
    }
  }

  // Impossible dates and instants wherever the contract takes one.
  for (const date of BAD_DATES) {
    gq('date completePosting', `mutation($d: Date!) { completePosting(id: "${seeds.postingId}", endDate: $d) { id } }`, { d: date });
    gq('date exitMembership', 'mutation($d: Date!) { exitMembership(id: "nope", on: $d, reason: "r") { id } }', { d: date });
    gq('date createGroup', `mutation($d: Date) { createGroup(input: { name: "g", mode: ALLIANCE, leadCampusId: "${seeds.campusId}", establishedOn: $d }) { id } }`, { d: date });
    gq('date createPosting', `mutation($d: Date!) { createPosting(input: { staffId: "${seeds.staffId}", toCampusId: "${seeds.campusId}", type: ROTATION, hostRole: TEACHER, startDate: $d }) { id } }`, { d: date });
    gq('date setGroupPolicy', 'mutation($d: Date) { setGroupPolicy(jurisdictionCode: "640502", input: { coverageDeadline: $d }) { coverageTarget } }', { d: date }, COUNTY);
    gq('date literal', `mutation { completePosting(id: "${seeds.postingId}", endDate: ${JSON.stringify(date)}) { id } }`);
  }
  for (const instant of BAD_INSTANTS) {
    gq('instant filter', 'query($t: DateTime) { groups(filter: { updatedSince: $t }) { totalCount } }', { t: instant });
    gq('instant literal', `{ campuses(filter: { updatedSince: ${JSON.stringify(instant)} }) { totalCount } }`);
  }

  // Bodies, content types, methods, paths and headers.
  const valid = gqlBody('{ viewer { subject } }');
  for (const body of ['{', '{"query": ', '{"query": "{ viewer { subject } }"', 'null', '[]', '"x"', '5', 'true', '{}', '{"query": 5}', '{"query": null}', '{"query": ["x"]}', '{"query": {"a": 1}}', '[{"query": "{ viewer { subject } }"}]', '{"query": "{ viewer { subject } }", "variables": "x"}', '{"query": "{ viewer { subject } }", "extensions": "x"}', '{"query": "{ viewer { subject } }", "variables": {"__proto__": {"x": 1}}}', '\u0000', '{"query": "\\ud800"}', "{'query': '{ viewer { subject } }'}", '{"query": "{ viewer { subject } }"}garbage', 'x'.repeat(100)]) {
    reqs.push({ name: 'json body', body });
  }
  reqs.push({ name: 'invalid utf-8', body: Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]) });
  reqs.push({ name: 'oversized body', body: JSON.stringify({ query: '{ viewer { subject } }', variables: { x: 'a'.repeat(2_000_000) } }) });
  reqs.push({ name: 'oversized query', body: gqlBody(`{ viewer { subject } } # ${'x'.repeat(1_100_000)}`) });
  reqs.push({ name: 'gzip junk', body: Buffer.from('not gzip at all'), headers: { 'content-encoding': 'gzip' } });
  reqs.push({ name: 'gzip bomb', body: zlib.gzipSync(Buffer.alloc(20_000_000, 0x20)), headers: { 'content-encoding': 'gzip' } });
  reqs.push({ name: 'unknown encoding', body: valid, headers: { 'content-encoding': 'br2' } });
  for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset=nope', 'application/graphql', '', 'application/json-patch+json', '*/*', 'application/json; boundary=%%%']) {
    reqs.push({ name: `content-type ${type}`, body: valid, headers: { 'content-type': type } });
  }
  for (const method of ['PUT', 'DELETE', 'PATCH']) reqs.push({ name: `method ${method}`, method, body: valid });
  for (const search of ['', '?query=', '?query=%7B', '?query={viewer{subject}}&variables=x', '?query={viewer{subject}}&extensions=%7B', '?query=mutation{__typename}', `?query=${encodeURIComponent('{ jurisdiction(code:"000000"){ children{ parent{ children{ parent{ children{ code }}}}}}}')}`, '?query=%00', '?variables=%7B%7D']) {
    reqs.push({ name: `GET /graphql${search}`, method: 'GET', path: `/graphql${search}`, headers: { 'apollo-require-preflight': 'true' } });
  }
  for (const path of ['/', '/graphq', '/graphql/x', '/admin', '/../../etc/passwd', '/%00', '/%E0%A4%A', '/graphiql/assets/nope.js', '/graphiql/assets/..%2f..%2fpackage.json', '/graphiql/assets/__proto__', '/health/x', '/.env', '/node_modules/pg/package.json', `/${'a'.repeat(5000)}`]) {
    reqs.push({ name: `path ${path.slice(0, 40)}`, method: 'GET', path });
    reqs.push({ name: `POST path ${path.slice(0, 40)}`, method: 'POST', path, body: valid });
  }
  for (const auth of ['Bearer', 'Bearer ', 'Bearer x', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz', 'bearer', `Bearer ${'a'.repeat(8000)}`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6IkJVUkVBVV9BRE1JTiJ9.', 'Token x']) {
    reqs.push({ name: 'authorization', body: valid, as: null, headers: { authorization: auth } });
  }
  for (const key of ['', 'x', 'hub_', `hub_${'a'.repeat(43)}`, 'a'.repeat(300)]) reqs.push({ name: 'api key', body: valid, as: null, headers: { 'x-api-key': key } });
  reqs.push({ name: 'both credentials', body: valid, headers: { 'x-api-key': 'hub_x' } });
  for (const claims of [
    { sub: 'x', role: 'GROUP_ADMIN', group: 'not-a-uuid' },
    { sub: 'x', role: 'GROUP_ADMIN', group: `${NUL}` },
    { sub: 'x', role: 'SCHOOL_ADMIN', school: `2164${NUL}` },
    { sub: 'x', role: 'BUREAU_ADMIN', jurisdiction: `6405${NUL}2` },
    { sub: 'x', role: 'EVALUATOR', cycles: ['not-a-uuid'] },
    { sub: 'x', role: 'EVALUATOR', cycles: [NUL] },
    { sub: `x${NUL}`, role: 'ANALYST', jurisdiction: '640502' },
    { sub: 'x', role: 'NOPE' },
    { sub: 'x', role: 'VENDOR', jurisdiction: '640502' },
  ] as unknown as TokenClaims[]) {
    reqs.push({ name: `claims ${claims.role}`, body: valid, as: claims });
  }

  // APQ: hash mismatch, unknown hash, unsupported version.
  const apq = (extensions: unknown, query?: string) => JSON.stringify({ query, extensions });
  reqs.push({ name: 'apq mismatch', body: apq({ persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } }, '{ viewer { subject } }') });
  reqs.push({ name: 'apq unknown', body: apq({ persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } }) });
  reqs.push({ name: 'apq version', body: apq({ persistedQuery: { version: 2, sha256Hash: 'f'.repeat(64) } }) });
  reqs.push({ name: 'apq junk', body: apq({ persistedQuery: 'x' }) });
  reqs.push({ name: 'apq null hash', body: apq({ persistedQuery: { version: 1, sha256Hash: null } }, '{ viewer { subject } }') });

  // The rest as every other caller too: the school admin and the county reach other checks.
  const n = reqs.length;
  for (let i = 0; i < n; i += 3) if (reqs[i].as === undefined && reqs[i].body && !reqs[i].path) reqs.push({ ...reqs[i], name: `${reqs[i].name} (school admin)`, as: 'school' as never });
  return reqs;
}

/** What may never reach a client: stack frames, server paths, SQL, driver error names, HTML. */
const LEAKS = /\bat [\w.<>]+ \(|\/work\/|node_modules|\.ts:\d+|\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|\bUPDATE\b \w+ SET|QueryFailedError|invalid byte sequence|syntax error at or near|<!DOCTYPE|<html|<pre>/i;

test('a thousand malformed requests: JSON client errors only, nothing written', async () => {
  const before = await rowCounts();
  const requests = generate();
  expect(requests.length).toBeGreaterThanOrEqual(1000);
  const problems: string[] = [];
  const codes = new Map<string, number>();
  let i = 0;
  const started = Date.now();
  const send = async (r: Req) => {
    const who = (r.as as unknown) === 'school' ? schoolAdmin : r.as === undefined ? NATIONAL_BUREAU : r.as;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(await hub.headers(who)), ...r.headers };
    if (r.headers && 'content-type' in r.headers && !r.headers['content-type']) delete headers['content-type'];
    const method = r.method ?? 'POST';
    let res: Response;
    try {
      res = await fetch(`${origin}${r.path ?? '/graphql'}`, { method, headers, body: method === 'GET' ? undefined : typeof r.body === 'string' || r.body === undefined ? r.body : new Uint8Array(r.body), redirect: 'manual' });
    } catch (e) {
      problems.push(`${r.name}: no answer (${String(e)})`);
      return;
    }
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    // The pages: GraphiQL and the analysts' workbench at `/`.
    const allowedHtml = method === 'GET' && res.status < 300 && /^\/(graphiql|health|$)/.test(r.path ?? '');
    const bodiless = res.status >= 300 && res.status < 400 && text === '';
    if (res.status >= 500) problems.push(`${r.name}: HTTP ${res.status} ${text.slice(0, 200)}`);
    if (!allowedHtml && !bodiless) {
      if (!type.includes('application/json')) problems.push(`${r.name}: content-type ${type} (${res.status}) ${text.slice(0, 120)}`);
      let body: { errors?: Array<{ extensions?: { code?: string } }> } | undefined;
      try {
        body = JSON.parse(text);
      } catch {
        problems.push(`${r.name}: body is not JSON (${res.status}) ${text.slice(0, 120)}`);
      }
      for (const e of body?.errors ?? []) {
        const code = String(e.extensions?.code);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (code === 'INTERNAL_SERVER_ERROR' || code === 'undefined') problems.push(`${r.name}: ${code} ${JSON.stringify(e).slice(0, 200)}`);
      }
      if (res.status >= 400 && !body?.errors?.length) problems.push(`${r.name}: HTTP ${res.status} without errors`);
    }
    // A page is HTML by design; nothing else of LEAKS may be in it.
    const checked = allowedHtml ? text.replace(/<!doctype html>|<html[^>]*>/gi, '') : text;
    if (LEAKS.test(checked)) problems.push(`${r.name}: leaks ${checked.match(LEAKS)![0]} in ${checked.slice(0, 160)}`);
  };
  const workers = Array.from({ length: 12 }, async () => {
    while (i < requests.length) await send(requests[i++]);
  });
  await Promise.all(workers);
  console.log(`${requests.length} malformed requests in ${Date.now() - started} ms; error codes: ${JSON.stringify(Object.fromEntries(codes))}`);
  expect(problems).toEqual([]);
  expect(await rowCounts()).toEqual(before);
  // The hub still serves.
  expect((await hub.gql('{ viewer { subject } }')).errors).toBeUndefined();
});

describe('each kind of mistake answers its code, naming the field', () => {
  const post = async (body: string | object, init: { path?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${origin}${init.path ?? '/graphql'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await hub.headers(NATIONAL_BUREAU)), ...init.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors: Array<{ message: string; extensions: Record<string, unknown> }> } };
  };
  const firstError = async (query: string, variables?: unknown, as: TokenClaims = NATIONAL_BUREAU) => {
    const r = await hub.as(as).gql(query, variables as Record<string, unknown>);
    expect(r.errors?.length).toBeGreaterThan(0);
    return { status: r.status, ...r.errors![0] };
  };

  test('NUL in a string argument, literal or variable: BAD_USER_INPUT with its path, before anything is written', async () => {
    const literal = await firstError(`mutation { upsertCampus(input: { schoolCode: "${seeds.schoolCode}", name: "a\\u0000b" }) { id } }`, undefined, COUNTY);
    expect(literal.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    const variable = await firstError('mutation($input: UpsertCampusInput!) { upsertCampus(input: $input) { id } }', { input: { schoolCode: seeds.schoolCode, name: `a${NUL}b` } }, COUNTY);
    expect(variable.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect(variable.status).toBe(400);
  });

  test('forged cursors: BAD_USER_INPUT on after, for uuid keys and for division codes', async () => {
    for (const [list, key] of [['groups', 'not-a-uuid'], ['groups', '110000'], ['jurisdictions', '00000000-0000-0000-0000-000000000000'], ['jurisdictions', `11${NUL}000`]]) {
      const e = await firstError(`query($a: String) { ${list}(after: $a) { totalCount } }`, { a: cursorOf(key) });
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });

  test('dates outside 1900-2100 or impossible: BAD_USER_INPUT naming the variable', async () => {
    for (const d of ['0000-01-01', '2024-02-30', '2101-01-01']) {
      const e = await firstError(`mutation($d: Date!) { completePosting(id: "${seeds.postingId}", endDate: $d) { id } }`, { d });
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'd' });
      expect(e.status).toBe(400);
    }
    const y = await firstError('{ jurisdiction(code: "640502") { stats(schoolYear: "0000-0001") { coverageRate } } }');
    expect(y.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'schoolYear' });
  });

  test('a variable of the wrong type: BAD_USER_INPUT naming it', async () => {
    const e = await firstError('query($n: Int) { groups(first: $n) { totalCount } }', { n: 'many' });
    expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'n' });
  });

  test('subscriptions and APQ hash mismatches: 400 with a client code', async () => {
    const sub = await post({ query: 'subscription { x }' });
    expect(sub.status).toBe(400);
    expect(sub.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const apq = await post({ query: '{ viewer { subject } }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } });
    expect(apq.status).toBe(400);
    expect(apq.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery.sha256Hash' });
  });

  test('bodies and paths: JSON errors with 4xx statuses', async () => {
    const broken = await post('{"query": ');
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
    const huge = await post({ query: '{ viewer { subject } }', variables: { x: 'a'.repeat(2_000_000) } });
    expect(huge.status).toBe(413);
    const latin = await post({ query: '{ viewer { subject } }' }, { headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin.status).toBe(415);
    const nowhere = await post({ query: '{ viewer { subject } }' }, { path: '/nowhere' });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

test('without introspection, validation errors suggest no field names', async () => {
  const closed = await startHub({ limits: { introspection: false } });
  try {
    const r = await closed.gql('{ grops { totalCount } }');
    expect(r.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors![0].message).not.toMatch(/Did you mean/);
    expect((await closed.gql('{ __schema { types { name } } }')).errors).toBeDefined();
  } finally {
    await closed.stop();
  }
  // With introspection (the default), the suggestion helps.
  expect((await hub.gql('{ grops { totalCount } }')).errors![0].message).toMatch(/Did you mean "groups"/);
});
