/**
 * The benchmark's scenarios: for each server the request that answers it (or why it cannot),
 * and how answers are normalised so the three servers' answers can be compared.
 */
import { v7 as uuidv7 } from 'uuid';

export type ServerName = 'hub' | 'postgraphile' | 'floor';
export const SERVERS: ServerName[] = ['hub', 'postgraphile', 'floor'];

/** One HTTP request: the same every time (reads). */
export interface Call {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** An autocannon request step (writes: bodies built per request, ids carried to the next step). */
export interface Step {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  setupRequest: (req: any, context: Record<string, any>) => any;
  onResponse?: (status: number, body: string, context: Record<string, any>) => void;
}

export interface Scenario {
  key: string;
  title: string;
  /** Reads: one call per server; a server without one is n/a for the reason in `na`. */
  calls: Partial<Record<ServerName, Call>>;
  /** Writes: a cycle of steps per server, run per connection. */
  steps?: Partial<Record<ServerName, () => Step[]>>;
  na: Partial<Record<ServerName, string>>;
  /** Writes are not compared (each server writes its own rows). */
  compare: boolean;
  note?: string;
  /** (a) as a scoped caller: its hub figures are also read against the nation's (a) (run.ts hubVsHubNation). */
  vsNation?: boolean;
}

/** Everything the scenarios need from the database, found once before the run (run.ts setup). */
export interface Setup {
  nationToken: string;
  county: { id: string; code: string; name: string; token: string };
  /** Absent where the data has no city level. */
  city?: { id: string; code: string; name: string; token: string };
  /** Key of the row after which (a') starts, its 1-based position, and PostGraphile's cursor for it. */
  middle: { id: string; position: number; pgCursor: string };
  group: { id: string; name: string };
  /** A group for (f): under a policy with funding bands and a rotation rule leaving out some posting types, when there is one. */
  dashboard: { id: string; name: string };
  schoolYear: string;
  vendor: { key: string; jurisdictionId: string; code: string; schoolIds: string[]; types: string[] };
  /** A feed position near the head (about 100 of the vendor's entries before it). */
  feedCursor: { txid: string; seq: string; at: number };
  writer: { token: string; code: string; groupId: string; fromCampusId: string; fromSchoolId: string; fromJurisdictionId: string; toCampusId: string; startDate: string; endDate: string };
  runId: string;
}

const json = { 'content-type': 'application/json' };
const bearer = (t: string) => ({ ...json, authorization: `Bearer ${t}` });
const gql = (headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}): Call => ({
  path: '/graphql',
  headers,
  body: JSON.stringify({ query, variables }),
});
const floor = (statement: string, params: unknown[]): Call => ({ path: `/q/${statement}`, headers: json, body: JSON.stringify({ params }) });

export const encodeGlobalId = (type: string, uuid: string) => Buffer.from(`${type}:${uuid}`, 'utf8').toString('base64url');
/** The hub's list cursor (server/graphql/connection.ts encodeCursor). */
export const hubCursor = (key: string) => Buffer.from(`k:${key}`, 'utf8').toString('base64url');
/** The hub's feed cursor (server/feed/resolver.ts encodeFeedCursor). */
export const hubFeedCursor = (c: { txid: string; seq: string; at: number }) => Buffer.from(`f:${c.txid}:${c.seq}:${c.at}`).toString('base64url');

const HUB_STAFF = `staffMembers(first: 500, after: $after) { edges { node { id externalId name role title backbone homeCampus { id name school { code } } } } }`;
const PG_STAFF = `staffMembers: allStaff(first: 500, after: $after, orderBy: PRIMARY_KEY_ASC) { nodes { id: rowId externalId name role title backbone
  homeCampus: campusByHomeCampusIdAndSchoolId { id: rowId name school: schoolBySchoolId { code } } } }`;

export function scenarios(s: Setup): Scenario[] {
  const middleHub = hubCursor(s.middle.id);
  const groupHubId = encodeGlobalId('EducationGroup', s.group.id);
  const vendorHeaders = { ...json, 'x-api-key': s.vendor.key };
  /** (a) as a scoped caller (PostGraphile cannot scope), against the floor's hand-written rule. */
  const scopedPage = (key: string, who: string, headers: Record<string, string>, floorCall: Call): Scenario => ({
    key,
    title: `(a) as ${who}`,
    calls: { hub: gql(headers, `query A($after: String) { ${HUB_STAFF} }`, { after: null }), floor: floorCall },
    na: { postgraphile: noPgScope },
    compare: true,
    note: 'compare with (a)',
    vsNation: true,
  });
  const feedFloor = (after: { txid: string; seq: string } | null) => [s.vendor.jurisdictionId, s.vendor.schoolIds, s.vendor.types, after?.txid ?? null, after?.seq ?? null, 500];
  const FEED = `query Feed($after: String) { changes(first: 500, after: $after) { endCursor hasMore changes { entityType entityId naturalKey operation } } }`;
  const noPgScope = 'PostGraphile has no scoping: it cannot answer as this caller';
  return [
    {
      key: 'a',
      title: 'staffMembers(first: 500) + home campus + school code, page 1 (nation)',
      calls: {
        hub: gql(bearer(s.nationToken), `query A($after: String) { ${HUB_STAFF} }`, { after: null }),
        postgraphile: gql(json, `query A($after: Cursor) { ${PG_STAFF} }`, { after: null }),
        floor: floor('staffPage', [null, 500]),
      },
      na: {},
      compare: true,
    },
    {
      key: "a'",
      title: `the same, the page after row ${s.middle.position.toLocaleString('en')} (keyset)`,
      calls: {
        hub: gql(bearer(s.nationToken), `query A($after: String) { ${HUB_STAFF} }`, { after: middleHub }),
        postgraphile: gql(json, `query A($after: Cursor) { ${PG_STAFF} }`, { after: s.middle.pgCursor }),
        floor: floor('staffPage', [s.middle.id, 500]),
      },
      na: {},
      compare: true,
    },
    scopedPage('a-county', `the county bureau of ${s.county.code} ${s.county.name}`, bearer(s.county.token), floor('staffPageCounty', [null, 500, s.county.id])),
    ...(s.city ? [scopedPage('a-city', `the city bureau of ${s.city.code} ${s.city.name}`, bearer(s.city.token), floor('staffPageArea', [null, 500, s.city.id]))] : []),
    scopedPage('a-vendor', `a VENDOR key of ${s.county.code} narrowed to ${s.vendor.schoolIds.length} schools`, vendorHeaders,
      floor('staffPageSchools', [null, 500, s.county.id, s.vendor.schoolIds])),
    {
      key: 'b',
      title: '50 groups -> <=10 memberships -> campus -> school, jurisdiction',
      calls: {
        hub: gql(bearer(s.nationToken), `{ groups(first: 50) { edges { node { id name mode status memberships(first: 10) { edges { node { id role status
          campus { id name school { code name } jurisdiction { code name } } } } } } } } }`),
        postgraphile: gql(json, `{ groups: allEducationGroups(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id: rowId name mode status
          memberships: groupMembershipsByGroupId(first: 10, orderBy: PRIMARY_KEY_ASC) { nodes { id: rowId role status
            campus: campusByCampusId { id: rowId name school: schoolBySchoolId { code name } jurisdiction: jurisdictionByJurisdictionId { code name } } } } } } }`),
        floor: floor('groupsMemberships', [50, 10]),
      },
      na: {},
      compare: true,
    },
    {
      key: 'c',
      title: '20 groups -> memberships(50) -> campus -> staff(first: 50)',
      calls: {
        hub: gql(bearer(s.nationToken), `{ groups(first: 20) { edges { node { id name memberships(first: 50) { edges { node { id
          campus { id name staff(first: 50) { edges { node { id name title } } } } } } } } } } }`),
        postgraphile: gql(json, `{ groups: allEducationGroups(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { id: rowId name
          memberships: groupMembershipsByGroupId(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id: rowId
            campus: campusByCampusId { id: rowId name staff: staffByHomeCampusIdAndSchoolId(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id: rowId name title } } } } } } } }`),
        floor: floor('groupsCampusStaff', [20, 50, 50]),
      },
      na: {},
      compare: true,
    },
    {
      key: 'd',
      title: `one group by id with its members (${s.group.name})`,
      calls: {
        hub: gql(bearer(s.nationToken), `query D($id: ID!) { group(id: $id) { id name mode status jurisdiction { code name } leadCampus { id name }
          memberships(first: 100) { edges { node { id role status campus { id name studentCount school { code } } } } } } }`, { id: groupHubId }),
        postgraphile: gql(json, `query D($id: UUID!) { group: educationGroupByRowId(rowId: $id) { id: rowId name mode status
          jurisdiction: jurisdictionByJurisdictionId { code name } leadCampus: campusByLeadCampusId { id: rowId name }
          memberships: groupMembershipsByGroupId(first: 100, orderBy: PRIMARY_KEY_ASC) { nodes { id: rowId role status
            campus: campusByCampusId { id: rowId name studentCount school: schoolBySchoolId { code } } } } } }`, { id: s.group.id }),
        floor: floor('groupById', [s.group.id, 100]),
      },
      na: {},
      compare: true,
    },
    {
      key: 'e-full',
      title: `vendor feed sync: changes(first: 500) from no cursor (key of ${s.vendor.code}, ${s.vendor.schoolIds.length} schools)`,
      calls: { hub: gql(vendorHeaders, FEED, { after: null }), floor: floor('feedPage', feedFloor(null)) },
      na: { postgraphile: noPgScope + ' (and has no change feed)' },
      compare: true,
    },
    {
      key: 'e-incr',
      title: 'vendor feed: incremental page from a cursor near the head',
      calls: { hub: gql(vendorHeaders, FEED, { after: hubFeedCursor(s.feedCursor) }), floor: floor('feedPage', feedFloor(s.feedCursor)) },
      na: { postgraphile: noPgScope + ' (and has no change feed)' },
      compare: true,
    },
    {
      key: 'f',
      title: `group dashboard: stats + fundingEntitlement (${s.schoolYear}, ${s.dashboard.name})`,
      calls: {
        hub: gql(bearer(s.nationToken), `query F($id: ID!, $year: String!) { group(id: $id) { id name stats(schoolYear: $year) { schoolYear operatingDays
          memberCount studentCount fullTimeTeacherCount postingCount plannedPostingCount rotationRate teacherRotationRate plannedRotationRate
          backboneShareOfPosted meetsRotationTarget resourceCount resourceUseCount ruralResourceUseCount }
          fundingEntitlement(schoolYear: $year) { baseAmount campusAmount total } } }`,
          { id: encodeGlobalId('EducationGroup', s.dashboard.id), year: s.schoolYear }),
        floor: floor('groupDashboard', [s.dashboard.id, ...schoolYearDays(s.schoolYear), s.schoolYear]),
      },
      na: { postgraphile: 'figures are hub logic (policy inheritance, bands), not tables' },
      compare: true,
    },
    {
      key: 'g',
      title: 'write mix: upsertStaff (new) then createPosting of that person, alternating',
      calls: {},
      steps: writeSteps(s),
      na: {},
      compare: false,
      note: 'each server writes its own rows; PostGraphile: raw createStaff/createPosting (no checks, no audit, no feed); floor: one INSERT each',
    },
    {
      key: 'g-rows',
      title: 'write mix writing the same rows: (g), with PostGraphile and the floor also writing the audit entry and the feed entries (their audience by the hub\'s key SQL)',
      calls: {},
      steps: writeSteps(s, true),
      na: {},
      compare: false,
      note: 'each server writes its own rows; PostGraphile: custom mutations benchStaffRows/benchPostingRows, the floor: the same functions (bench/same-rows.ts: PL/pgSQL, generic plans), one statement each: row + audit + feed, no checks',
    },
  ];
}

/**
 * First and last day of a school year (server/calendar.ts schoolYearOf). Its figures cover the
 * whole year, each membership for its days in it (server/memberships/sql.ts), not one day's state.
 */
export function schoolYearDays(label: string): [string, string] {
  return [`${label.slice(0, 4)}-09-01`, `${label.slice(5, 9)}-08-31`];
}

/** Per-connection write cycles: step 1 creates a person, step 2 posts them (an open posting per person at most). */
function writeSteps(s: Setup, sameRows = false): Partial<Record<ServerName, () => Step[]>> {
  const w = s.writer;
  let n = 0;
  const ext = (server: string) => `bench-${s.runId}-${server}-${++n}`;
  const body = (o: unknown) => JSON.stringify(o);
  const idOf = (text: string, pick: (d: any) => string | undefined) => {
    try {
      return pick(JSON.parse(text)) ?? null;
    } catch {
      return null;
    }
  };
  const hubHeaders = bearer(w.token);
  return {
    hub: () => [
      {
        method: 'POST', path: '/graphql', headers: hubHeaders,
        setupRequest: (req) => ({ ...req, body: body({
          query: 'mutation S($input: UpsertStaffInput!) { upsertStaff(input: $input) { id } }',
          variables: { input: { homeCampusId: encodeGlobalId('Campus', w.fromCampusId), externalId: ext(sameRows ? 'hub-rows' : 'hub'), name: '压测教师', role: 'TEACHER',
            title: 'FIRST', subjects: ['数学'], backbone: false, fullTimeTeacher: true } },
        }) }),
        onResponse: (_st, text, ctx) => { ctx.staffId = idOf(text, (d) => d.data?.upsertStaff?.id); },
      },
      {
        method: 'POST', path: '/graphql', headers: hubHeaders,
        setupRequest: (req, ctx) => ctx.staffId ? ({ ...req, body: body({
          query: 'mutation P($input: CreatePostingInput!) { createPosting(input: $input) { id status } }',
          variables: { input: { staffId: ctx.staffId, toCampusId: encodeGlobalId('Campus', w.toCampusId), type: 'ROTATION', hostRole: 'TEACHER',
            startDate: w.startDate, endDate: w.endDate } },
        }) }) : null,
      },
    ],
    postgraphile: () => sameRows ? [
      {
        method: 'POST', path: '/graphql', headers: json,
        setupRequest: (req, ctx) => {
          ctx.staffId = uuidv7();
          return { ...req, body: body({
            query: 'mutation S($i: BenchStaffRowsInput!) { benchStaffRows(input: $i) { result { rowId } } }',
            variables: { i: { staffId: ctx.staffId, campusId: w.fromCampusId, externalId: ext('pg-rows'), name: '压测教师' } },
          }) };
        },
      },
      {
        method: 'POST', path: '/graphql', headers: json,
        setupRequest: (req, ctx) => ({ ...req, body: body({
          query: 'mutation P($i: BenchPostingRowsInput!) { benchPostingRows(input: $i) { result { rowId status } } }',
          variables: { i: { postingId: uuidv7(), staffId: ctx.staffId, toCampusId: w.toCampusId, startDate: w.startDate, endDate: w.endDate } },
        }) }),
      },
    ] : [
      {
        method: 'POST', path: '/graphql', headers: json,
        setupRequest: (req, ctx) => {
          ctx.staffId = uuidv7();
          return { ...req, body: body({
            query: 'mutation S($staff: StaffInput!) { createStaff(input: { staff: $staff }) { staff { rowId } } }',
            // homeJurisdictionId: a NOT NULL column PostGraphile asks for (the hub's trigger fills it from the campus either way).
            variables: { staff: { rowId: ctx.staffId, schoolId: w.fromSchoolId, homeCampusId: w.fromCampusId, homeJurisdictionId: w.fromJurisdictionId, externalId: ext('pg'),
              name: '压测教师', role: 'TEACHER', title: 'FIRST', subjects: ['数学'], backbone: false, fullTimeTeacher: true } },
          }) };
        },
      },
      {
        method: 'POST', path: '/graphql', headers: json,
        setupRequest: (req, ctx) => ({ ...req, body: body({
          query: 'mutation P($posting: PostingInput!) { createPosting(input: { posting: $posting }) { posting { rowId status } } }',
          variables: { posting: { rowId: uuidv7(), staffId: ctx.staffId, groupId: w.groupId, fromCampusId: w.fromCampusId, toCampusId: w.toCampusId,
            type: 'ROTATION', status: 'PLANNED', hostRole: 'TEACHER', startDate: w.startDate, endDate: w.endDate, countsAsRuralService: false } },
        }) }),
      },
    ],
    floor: () => sameRows ? [
      {
        method: 'POST', path: '/q/staffRows', headers: json,
        setupRequest: (req, ctx) => {
          ctx.staffId = uuidv7();
          return { ...req, body: body({ params: [ctx.staffId, w.fromCampusId, ext('floor-rows'), '压测教师'] }) };
        },
      },
      {
        method: 'POST', path: '/q/postingRows', headers: json,
        setupRequest: (req, ctx) => ({ ...req, body: body({ params: [uuidv7(), ctx.staffId, w.toCampusId, w.startDate, w.endDate] }) }),
      },
    ] : [
      {
        method: 'POST', path: '/q/insertStaff', headers: json,
        setupRequest: (req, ctx) => {
          ctx.staffId = uuidv7();
          return { ...req, body: body({ params: [ctx.staffId, w.fromCampusId, ext('floor'), '压测教师'] }) };
        },
      },
      {
        method: 'POST', path: '/q/insertPosting', headers: json,
        setupRequest: (req, ctx) => ({ ...req, body: body({ params: [uuidv7(), ctx.staffId, w.toCampusId, w.startDate, w.endDate] }) }),
      },
    ],
  };
}

/**
 * The comparable form of an answer: the `data` object, connections (edges/nodes) as plain
 * arrays of nodes, pageInfo/cursors/totalCount dropped, the hub's global ids as their row
 * uuids, the hub's feed cursors as "txid:seq". Object keys sorted.
 */
export function normalise(value: unknown): unknown {
  const walk = (v: any, key?: string): any => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      if (Array.isArray(v.edges)) return v.edges.map((e: any) => walk(e.node));
      if (Array.isArray(v.nodes)) return v.nodes.map((n: any) => walk(n));
      const out: Record<string, any> = {};
      for (const k of Object.keys(v).sort()) {
        if (k === 'pageInfo' || k === 'cursor' || k === 'totalCount') continue;
        out[k] = walk(v[k], k);
      }
      return out;
    }
    if (typeof v === 'string' && (key === 'id' || key === 'entityId')) {
      const text = Buffer.from(v, 'base64url').toString('utf8');
      const m = /^[A-Za-z]+:([0-9a-f-]{36})$/.exec(text);
      return m ? m[1] : v;
    }
    if (typeof v === 'string' && key === 'endCursor') {
      const m = /^f:(\d+):(\d+):\d+$/.exec(Buffer.from(v, 'base64url').toString('utf8'));
      return m ? `${m[1]}:${m[2]}` : v;
    }
    return v;
  };
  const body = value as any;
  return walk(body && typeof body === 'object' && 'data' in body ? body.data : body);
}

/** The first difference between two normalised answers, as a path and both values; null when equal. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return a.length === b.length ? null : `${path}: ${a.length} elements vs ${b.length}`;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as any)[k], (b as any)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}
