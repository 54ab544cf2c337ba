import fs from 'node:fs';
import path from 'node:path';
import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { WRITE_RULES, WriteAction } from '../server/access/authority';
import { newId } from '../server/db/ids';
import { decodeId, encodeId } from '../server/graphql/ids';
import { As, GqlResult, startHub, TestHub } from './support/hub';

/**
 * The write-authority matrix (DOMAIN.md "Who may write what", server/access/authority.ts
 * WRITE_RULES) over real HTTP: every mutation × every role, with callers whose anchor covers the
 * target (the holder of each grant: allowed) and callers whose anchor does not (the same role
 * anchored in a neighbouring county, another group, another school, another cycle; the parent
 * city or province where only the county may act; a vendor of another area, without the scope,
 * or whose school list lacks the school; an ANALYST of the right jurisdiction; roles that never
 * hold the grant: FORBIDDEN). A refused write must leave every table of the public schema as it
 * was (row counts and row contents, audit_entry and change_event included); an allowed write
 * must answer without errors and leave an audit entry (so the target a refused caller was
 * denied was a valid, effective write).
 *
 * Expectations are restated from the rules (who holds which grant over the demo rows named
 * here), not from the server's answers. Each case gets a fresh copy of the demo database, and
 * each call a freshly built target, so allowed writes never disturb another call.
 */

// Places of the demo (see server/demo and README "The demo data").
const SP = '640502'; // 沙坡头区 (county)
const ZW = '640500'; // 中卫市, SP's city
const NX = '640000'; // 宁夏, SP's province
const ZN = '640521'; // 中宁县, SP's sibling county in 中卫市
const GZ = '620702'; // 甘州区, a county of another province (甘肃)
const ZY = '620700'; // 张掖市, GZ's city
const GS = '620000'; // 甘肃省
const NY = '411373'; // 南阳市职教园区 (zone, 河南)
const KM = '530100'; // 昆明市: supervises the cross-county group 明远
const WH = '530102'; // 五华区: 明远's lead school
const LQ = '530128'; // 禄劝: 明远 members
const XD = '530129'; // 寻甸: 明远 members
const YN = '530000'; // 云南省
const NATION = '000000';

const SIZHONG = '中卫市第四中学教育集团'; // supervised by SP
const XUANHE = '中卫市宣和教育集团'; // another SP group
const BEIJIE = '甘州区北街小学教育集团'; // supervised by GZ
const NANGUAN = '甘州区南关学校教育集团'; // GZ, with a PUBLIC library
const MINGYUAN = '昆明市明远实验小学教育集团'; // supervised by KM; lead in WH, members in LQ and XD
const SZ_LEAD = '2164050203'; // 中卫市第四中学, SIZHONG's lead school
const ZHENLUO = '2164050204'; // 镇罗中学, a member school of SIZHONG
const NY_SCHOOL = '2141137323'; // 皇路店镇李营小学 (411373)

const ALL_WRITES = ['campus:write', 'staff:write', 'resource:write'];

/** The HTTP layer's rate-limit store records every request, refused or not: it is not a write of a mutation. */
const NOT_WRITES_OF_MUTATIONS = new Set(['rate_limit']);

// ---------------------------------------------------------------------------------------------
// Fixtures: demo rows by SQL, fresh targets, callers.

type Row = Record<string, any>;

/** What a builder prepared: the request, and the anchors of the target callers may be derived from. */
interface Target {
  query: string;
  variables: Record<string, unknown>;
  /** The target's school (for "the target school's SCHOOL_ADMIN"). */
  schoolCode?: string;
  /** The target's group uuid (for "the target group's GROUP_ADMIN"). */
  groupId?: string;
}

class Fx {
  private seq = 0;
  private cache = new Map<string, Promise<string>>();
  constructor(readonly hub: TestHub) {}

  next(): number {
    return ++this.seq;
  }

  q(query: string, params: unknown[] = []): Promise<Row[]> {
    return this.hub.ds.query(query, params);
  }

  async one(query: string, params: unknown[] = []): Promise<Row> {
    const [r] = await this.q(query, params);
    if (!r) throw new Error(`fixture not found: ${query} ${JSON.stringify(params)}`);
    return r;
  }

  private memo(key: string, f: () => Promise<string>): Promise<string> {
    if (!this.cache.has(key)) this.cache.set(key, f());
    return this.cache.get(key)!;
  }

  jurisdiction(code: string) {
    return this.memo(`j:${code}`, async () => (await this.one(`SELECT id FROM jurisdiction WHERE code = $1`, [code])).id);
  }

  group(name: string) {
    return this.memo(`g:${name}`, async () => (await this.one(`SELECT id FROM education_group WHERE name = $1`, [name])).id);
  }

  school(code: string) {
    return this.memo(`s:${code}`, async () => (await this.one(`SELECT id FROM school WHERE code = $1`, [code])).id);
  }

  /** The school's campus named like the school (its main campus). */
  campus(schoolCode: string) {
    return this.memo(`c:${schoolCode}`, async () =>
      (await this.one(`SELECT c.id FROM campus c JOIN school s ON s.id = c.school_id WHERE s.code = $1 ORDER BY c.name = s.name DESC, c.id LIMIT 1`, [schoolCode])).id);
  }

  /** Evaluation cycles of the demo: 沙坡头区's open 2026-2027 cycle, its closed 2025-2026 one, 甘州区's. */
  cycle(which: 'spOpen' | 'spClosed' | 'gz') {
    const [code, year] = { spOpen: [SP, '2026-2027'], spClosed: [SP, '2025-2026'], gz: [GZ, '2025-2026'] }[which];
    return this.memo(`y:${which}`, async () =>
      (await this.one(`SELECT y.id FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = $1 AND y.school_year = $2`, [code, year])).id);
  }

  /** A new school with one campus in a county, in no group (inserted directly: a fixture, not a write under test). */
  async freshCampus(county: string): Promise<{ schoolCode: string; schoolId: string; campusId: string; name: string }> {
    const n = this.next();
    const schoolCode = `21${county.slice(0, 2)}9${String(n).padStart(5, '0')}`;
    const name = `权限测试学校${county}-${n}`;
    const [schoolId, campusId, j] = [newId(), newId(), await this.jurisdiction(county)];
    await this.q(`INSERT INTO school (id, code, name, type, jurisdiction_id) VALUES ($1, $2, $3, 'PRIMARY', $4)`, [schoolId, schoolCode, name, j]);
    await this.q(`INSERT INTO campus (id, school_id, name, stages, urban_rural, jurisdiction_id) VALUES ($1, $2, $3, '{PRIMARY}', 'RURAL', $4)`, [campusId, schoolId, name, j]);
    return { schoolCode, schoolId, campusId, name };
  }

  /** A VENDOR API key of a jurisdiction with these scopes (and school list). */
  async vendor(code: string, scopes: string[], schoolCodes: string[] = []): Promise<As> {
    const key = newApiKey();
    const schools = await Promise.all(schoolCodes.map((c) => this.school(c)));
    await this.q(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, last_used_at) VALUES ($1, $2, 'VENDOR', $3, $4, $5, $6, now())`,
      [newId(), `vendor ${code} ${this.next()}`, await this.jurisdiction(code), schools, scopes, hashApiKey(key)]);
    return { apiKey: key };
  }

  /** Runs a fixture step through the API as a caller allowed to do it; fails loudly if it is refused. */
  async as(who: As, query: string, variables: Record<string, unknown>): Promise<any> {
    return this.hub.as(who).data(query, variables);
  }

  /** A fresh PROPOSED group led by a fresh campus of `county`, supervised by `supervising` (created by that bureau). */
  async freshGroup(county: string, supervising = county): Promise<{ groupId: string; schoolCode: string }> {
    const lead = await this.freshCampus(county);
    await this.as(bureauClaims(supervising), `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`,
      { input: { name: `权限测试集团${this.next()}`, mode: 'ALLIANCE', leadCampusId: encodeId('Campus', lead.campusId), jurisdictionCode: supervising } });
    return { groupId: (await this.one(`SELECT id FROM education_group WHERE lead_campus_id = $1`, [lead.campusId])).id, schoolCode: lead.schoolCode };
  }

  /**
   * A fresh application of a fresh campus of `county` to a group, applied by that county's
   * bureau, with the first `decided` authorities of its chain having approved (each deciding as itself).
   */
  async freshApplication(groupName: string, county: string, deciders: As[]): Promise<{ membershipId: string; schoolCode: string; groupId: string }> {
    const c = await this.freshCampus(county);
    const groupId = await this.group(groupName);
    const d = await this.as(bureauClaims(county), `mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`,
      { g: encodeId('EducationGroup', groupId), c: encodeId('Campus', c.campusId) });
    for (const who of deciders) {
      await this.as(who, `mutation($id: ID!) { decideMembership(id: $id, decision: APPROVED) { id } }`, { id: d.applyForMembership.id });
    }
    return { membershipId: d.applyForMembership.id, schoolCode: c.schoolCode, groupId };
  }

  /** A fresh ACTIVE member campus of a group in `county` (joined 2025-09-01). */
  async freshMember(groupName: string, county: string) {
    const c = await this.freshCampus(county);
    const groupId = await this.group(groupName);
    const id = newId();
    await this.q(`INSERT INTO group_membership (id, group_id, campus_id, role, status, joined_on) VALUES ($1, $2, $3, 'MEMBER', 'ACTIVE', '2025-09-01')`, [id, groupId, c.campusId]);
    return { membershipId: encodeId('GroupMembership', id), schoolCode: c.schoolCode, groupId, campusId: c.campusId };
  }

  /** A staff member of a member campus of the group, with no open posting (cancelling any it had: a fixture). */
  async freeStaff(groupName: string, memberSchool?: string): Promise<{ staffId: string; fromCampus: string; leadCampus: string; groupId: string }> {
    const groupId = await this.group(groupName);
    const n = this.next();
    const s = await this.one(`
      SELECT st.id, st.home_campus_id, g.lead_campus_id FROM staff st
      JOIN group_membership m ON m.campus_id = st.home_campus_id AND m.status = 'ACTIVE' AND m.role = 'MEMBER'
      JOIN education_group g ON g.id = m.group_id JOIN school sc ON sc.id = st.school_id
      WHERE g.id = $1 AND ($2::text IS NULL OR sc.code = $2) ORDER BY st.id OFFSET $3 LIMIT 1`, [groupId, memberSchool ?? null, n]);
    await this.q(`UPDATE posting SET status = 'CANCELLED', cancel_reason = 'fixture' WHERE staff_id = $1 AND status IN ('PLANNED', 'ACTIVE')`, [s.id]);
    return { staffId: s.id, fromCampus: s.home_campus_id, leadCampus: s.lead_campus_id, groupId };
  }

  /** A fresh saved analysis shared in 沙坡头区 by analysisOwner (inserted directly: a fixture), as its global id. */
  async savedAnalysis(): Promise<string> {
    const id = newId();
    await this.q(`INSERT INTO saved_analysis (id, jurisdiction_id, owner_subject, owner_role, name, document, shared) VALUES ($1, $2, 't:analysis-owner', 'ANALYST', $3, '{ viewer { role } }', true)`,
      [id, await this.jurisdiction(SP), `共享分析${this.next()}`]);
    return encodeId('SavedAnalysis', id);
  }

  /** A fresh posting of the group in the given status (from a member campus to the lead campus, from 2026-09-01). */
  async freshPosting(groupName: string, status: 'PLANNED' | 'ACTIVE'): Promise<{ postingId: string; groupId: string }> {
    const s = await this.freeStaff(groupName);
    const id = newId();
    await this.q(`INSERT INTO posting (id, staff_id, group_id, from_campus_id, to_campus_id, type, status, host_role, start_date)
      VALUES ($1, $2, $3, $4, $5, 'ROTATION', $6, 'TEACHER', '2026-09-01')`, [id, s.staffId, s.groupId, s.fromCampus, s.leadCampus, status]);
    return { postingId: encodeId('Posting', id), groupId: s.groupId };
  }
}

/** A caller, possibly anchored on the target a builder prepared. */
interface Who {
  label: string;
  as(fx: Fx, t: Target): As | Promise<As>;
  /** The refusal's code when not the case's (a target the caller may not even read is NOT_FOUND). */
  code?: string;
}

/** A caller who may not read the target at all: refused as NOT_FOUND (the write would answer with what it cannot see). */
const unseen = (who: Who): Who => ({ ...who, label: `${who.label} (cannot read the target)`, code: 'NOT_FOUND' });

const bureauClaims = (code: string): As => ({ sub: `t:bureau:${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
const bureau = (code: string): Who => ({ label: `BUREAU_ADMIN ${code}`, as: () => bureauClaims(code) });
const bureauWith = (code: string, scopes: string[]): Who => ({ label: `BUREAU_ADMIN ${code} [${scopes}]`, as: () => ({ ...(bureauClaims(code) as object), scopes }) as As });
const analyst = (code: string): Who => ({ label: `ANALYST ${code}`, as: () => ({ sub: `t:analyst:${code}`, role: 'ANALYST', jurisdiction: code }) });
const groupAdmin = (name: string): Who => ({
  label: `GROUP_ADMIN ${name}`,
  as: async (fx) => ({ sub: `t:ga:${name}`, role: 'GROUP_ADMIN', group: encodeId('EducationGroup', await fx.group(name)) }),
});
const targetGroupAdmin: Who = {
  label: "GROUP_ADMIN of the target's group",
  as: (_fx, t) => ({ sub: 't:ga:target', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', t.groupId!) }),
};
/** The analyst of 沙坡头区 who saved the fixture analyses (Fx.savedAnalysis), and the same subject in another role or place. */
const analysisOwner: Who = { label: 'ANALYST 640502 who saved it', as: () => ({ sub: 't:analysis-owner', role: 'ANALYST', jurisdiction: SP }) };
const ownerInAnotherRole: Who = { label: "the owner's subject as BUREAU_ADMIN 640502", as: () => ({ sub: 't:analysis-owner', role: 'BUREAU_ADMIN', jurisdiction: SP }) };
const ownerElsewhere: Who = { label: "the owner's subject as ANALYST 640500", as: () => ({ sub: 't:analysis-owner', role: 'ANALYST', jurisdiction: ZW }) };
const schoolAdmin = (code: string): Who => ({ label: `SCHOOL_ADMIN ${code}`, as: () => ({ sub: `t:sa:${code}`, role: 'SCHOOL_ADMIN', school: code }) });
const targetSchoolAdmin: Who = {
  label: "SCHOOL_ADMIN of the target's school",
  as: (_fx, t) => ({ sub: 't:sa:target', role: 'SCHOOL_ADMIN', school: t.schoolCode! }),
};
const evaluator = (...cycles: Array<'spOpen' | 'spClosed' | 'gz'>): Who => ({
  label: `EVALUATOR of ${cycles.join('+')}`,
  as: async (fx) => ({ sub: `t:ev:${cycles}`, role: 'EVALUATOR', cycles: await Promise.all(cycles.map(async (c) => encodeId('EvaluationCycle', await fx.cycle(c)))) }),
});
const vendor = (code: string, scopes: string[], schools: string[] = []): Who => ({
  label: `VENDOR ${code} [${scopes}]${schools.length ? ` schools ${schools}` : ''}`,
  as: (fx) => fx.vendor(code, scopes, schools),
});
const targetSchoolVendor = (code: string, scopes: string[]): Who => ({
  label: `VENDOR ${code} [${scopes}] listing the target's school`,
  as: (fx, t) => fx.vendor(code, scopes, [t.schoolCode!]),
});

// ---------------------------------------------------------------------------------------------
// Snapshot: every table of the public schema, row count and a fingerprint of its rows.

let snapshotSql: string | undefined;

/**
 * Row count and a fingerprint of every table: the sum of its rows' xmin (the transaction that
 * wrote each row version: any committed insert or update, even one writing equal values,
 * changes it; a rolled-back one does not). api_client is fingerprinted by content without
 * last_used_at, which authenticating a key touches once a minute.
 */
async function snapshot(hub: TestHub): Promise<Record<string, { n: number; h: string }>> {
  if (!snapshotSql) {
    const tables: string[] = (await hub.ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).map((r: Row) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(['audit_entry', 'change_event', 'api_client', 'staff', 'campus', 'school', 'group_membership']));
    snapshotSql = tables.filter((t) => !NOT_WRITES_OF_MUTATIONS.has(t)).map((t) => {
      const h = t === 'api_client'
        ? 'hashtext((x.id, x.name, x.role, x.jurisdiction_id, x.school_ids, x.scopes, x.key_hash, x.created_by, x.revoked_at, x.expires_at)::text)::bigint'
        : 'x.xmin::text::bigint';
      return `SELECT '${t}' AS t, count(*)::int AS n, coalesce(sum(${h}), 0)::text AS h FROM public."${t}" x`;
    }).join(' UNION ALL ');
  }
  const rows: Row[] = await hub.ds.query(snapshotSql);
  return Object.fromEntries(rows.map((r) => [r.t, { n: r.n, h: r.h }]));
}

/** The row uuid of a global id. */
const uuidFrom = (id: string) => decodeId(id)!.uuid;

function codeOf(r: GqlResult): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

// ---------------------------------------------------------------------------------------------
// The matrix.

interface Case {
  /** What the case shows. */
  name: string;
  /** The schema's Mutation field. */
  mutation: string;
  /** The WRITE_RULES rows this case exercises. */
  actions: WriteAction[];
  /** A valid target, built fresh for each call. */
  build(fx: Fx): Promise<Target>;
  /** The holders of the action's grants over this target. */
  allowed: Who[];
  /** Everyone else: refused. */
  refused: Who[];
  /** The refusal's code, FORBIDDEN unless the rule makes it bad input. */
  refusedCode?: string;
}

const m = (field: string, args: string, sel = '{ id }') => `mutation(${args}) { ${field}(${args.replace(/\$(\w+): [^,)]+/g, '$1: $$$1')}) ${sel} }`;

/** The demo campus to write to: 镇罗中学's campus, SIZHONG member in SP. */
const ZHENLUO_CAMPUS_NAME = '镇罗中学';

const CASES: Case[] = [
  // --- Schools, campuses, staff ------------------------------------------------------------
  {
    name: "updates a school of 沙坡头区: the school's own county bureau only",
    mutation: 'upsertSchool', actions: ['upsertSchool'],
    build: async (fx) => ({ query: m('upsertSchool', '$input: UpsertSchoolInput!'), variables: { input: { code: ZHENLUO, name: `镇罗中学${fx.next()}`, type: 'JUNIOR_SECONDARY', jurisdictionCode: SP } }, schoolCode: ZHENLUO }),
    allowed: [bureau(SP)],
    refused: [bureau(GZ), bureau(ZN), bureau(ZW), bureau(NX), bureau(NATION), analyst(SP), schoolAdmin(ZHENLUO), groupAdmin(SIZHONG), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'registers a new school in 沙坡头区',
    mutation: 'upsertSchool', actions: ['upsertSchool'],
    build: async (fx) => ({ query: m('upsertSchool', '$input: UpsertSchoolInput!'), variables: { input: { code: `2164${String(800000 + fx.next())}`, name: `新建学校${fx.next()}`, type: 'PRIMARY', jurisdictionCode: SP } } }),
    allowed: [bureau(SP)],
    refused: [bureau(GZ), bureau(ZW), analyst(SP), schoolAdmin(ZHENLUO), vendor(SP, ALL_WRITES)],
  },
  {
    name: 'makes a fresh 五华区 school answer to 昆明市 (市属, 主管/隶属): a bureau over the current and the new supervisor, not 五华区',
    mutation: 'upsertSchool', actions: ['setSchoolSupervisor'],
    build: async (fx) => {
      const c = await fx.freshCampus(WH);
      return { query: m('upsertSchool', '$input: UpsertSchoolInput!'), variables: { input: { code: c.schoolCode, name: c.name, type: 'PRIMARY', jurisdictionCode: WH, supervisingJurisdictionCode: KM } }, schoolCode: c.schoolCode };
    },
    allowed: [bureau(KM), bureau(YN), bureau(NATION)],
    refused: [bureau(WH), bureau(LQ), analyst(KM), targetSchoolAdmin, vendor(WH, ALL_WRITES)],
  },
  {
    name: "updates a campus of 镇罗中学 (SP): its school admin, its county bureau, vendors of the area with campus:write",
    mutation: 'upsertCampus', actions: ['upsertCampus'],
    build: async (fx) => ({ query: m('upsertCampus', '$input: UpsertCampusInput!'), variables: { input: { schoolCode: ZHENLUO, name: ZHENLUO_CAMPUS_NAME, studentCount: 1000 + fx.next() } }, schoolCode: ZHENLUO }),
    allowed: [schoolAdmin(ZHENLUO), bureau(SP), vendor(SP, ['campus:write']), vendor(SP, ['campus:write'], [ZHENLUO]), vendor(ZW, ['campus:write'])],
    refused: [
      schoolAdmin(SZ_LEAD), groupAdmin(SIZHONG), bureau(ZW), bureau(NX), bureau(GZ), bureau(NATION), analyst(SP), evaluator('spOpen'),
      vendor(SP, ['campus:read', 'staff:write', 'resource:write']), vendor(SP, ['campus:write'], [SZ_LEAD]), vendor(NY, ALL_WRITES), vendor(GZ, ALL_WRITES), vendor(ZN, ALL_WRITES),
    ],
  },
  {
    name: 'adds a staff member to 镇罗中学 (SP): its school admin, its county bureau, vendors of the area with staff:write',
    mutation: 'upsertStaff', actions: ['upsertStaff'],
    build: async (fx) => ({
      query: m('upsertStaff', '$input: UpsertStaffInput!'),
      variables: { input: { externalId: `wa-${fx.next()}`, homeCampusId: encodeId('Campus', await fx.campus(ZHENLUO)), name: '权限测试', role: 'TEACHER', title: 'FIRST', subjects: ['数学'], backbone: false, fullTimeTeacher: true } },
      schoolCode: ZHENLUO,
    }),
    allowed: [schoolAdmin(ZHENLUO), bureau(SP), vendor(SP, ['staff:write']), vendor(SP, ['staff:write'], [ZHENLUO])],
    refused: [
      schoolAdmin(SZ_LEAD), groupAdmin(SIZHONG), bureau(ZW), bureau(GZ), analyst(SP), evaluator('spOpen'),
      vendor(SP, ['campus:write', 'resource:write', 'staff:read']), vendor(SP, ['staff:write'], [SZ_LEAD]), vendor(NY, ALL_WRITES), vendor(GZ, ALL_WRITES),
    ],
  },
  // --- Groups --------------------------------------------------------------------------------
  {
    name: 'creates a group led by a fresh 沙坡头区 campus: the county bureau',
    mutation: 'createGroup', actions: ['createGroup'],
    build: async (fx) => {
      const c = await fx.freshCampus(SP);
      return { query: m('createGroup', '$input: CreateGroupInput!'), variables: { input: { name: `新集团${fx.next()}`, mode: 'ALLIANCE', leadCampusId: encodeId('Campus', c.campusId) } }, schoolCode: c.schoolCode };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), analyst(SP), targetSchoolAdmin, groupAdmin(SIZHONG), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: "creates a group led by a fresh 五华区 campus: 五华区 (the bureau the lead school answers to), not 昆明市 above it",
    mutation: 'createGroup', actions: ['createGroup'],
    build: async (fx) => {
      const c = await fx.freshCampus(WH);
      return { query: m('createGroup', '$input: CreateGroupInput!'), variables: { input: { name: `新集团${fx.next()}`, mode: 'COMMUNITY', leadCampusId: encodeId('Campus', c.campusId) } }, schoolCode: c.schoolCode };
    },
    allowed: [bureau(WH)],
    refused: [bureau(KM), bureau(YN), bureau(LQ), analyst(WH), targetSchoolAdmin],
  },
  {
    name: "changes SIZHONG's legal status: the supervising bureau only (its group admin may only rename)",
    mutation: 'updateGroup', actions: ['updateGroup'],
    build: async (fx) => {
      const g = await fx.group(SIZHONG);
      await fx.q(`UPDATE education_group SET legal_entity = false WHERE id = $1`, [g]);
      return { query: m('updateGroup', '$id: ID!, $input: UpdateGroupInput!'), variables: { id: encodeId('EducationGroup', g), input: { legalEntity: true } }, groupId: g };
    },
    allowed: [bureau(SP)],
    refused: [groupAdmin(SIZHONG), bureau(ZW), bureau(GZ), analyst(SP), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'renames SIZHONG: its supervising bureau or its group admin',
    mutation: 'updateGroup', actions: ['renameGroup'],
    build: async (fx) => ({ query: m('updateGroup', '$id: ID!, $input: UpdateGroupInput!'), variables: { id: encodeId('EducationGroup', await fx.group(SIZHONG)), input: { name: `中卫市第四中学教育集团（${fx.next()}）` } } }),
    allowed: [bureau(SP), groupAdmin(SIZHONG)],
    refused: [groupAdmin(BEIJIE), groupAdmin(XUANHE), bureau(ZW), bureau(GZ), analyst(SP), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'renames 明远 (city-supervised): 昆明市 or its group admin, not the counties it spans',
    mutation: 'updateGroup', actions: ['renameGroup'],
    build: async (fx) => ({ query: m('updateGroup', '$id: ID!, $input: UpdateGroupInput!'), variables: { id: encodeId('EducationGroup', await fx.group(MINGYUAN)), input: { name: `昆明市明远实验小学教育集团（${fx.next()}）` } } }),
    allowed: [bureau(KM), groupAdmin(MINGYUAN)],
    refused: [bureau(WH), bureau(LQ), bureau(XD), bureau(YN), analyst(KM)],
  },
  {
    name: "files SIZHONG's charter: its supervising bureau or its group admin",
    mutation: 'fileCharter', actions: ['fileCharter'],
    build: async (fx) => ({ query: m('fileCharter', '$groupId: ID!, $input: CharterInput!'), variables: { groupId: encodeId('EducationGroup', await fx.group(SIZHONG)), input: { title: `章程${fx.next()}`, uri: 'https://example.org/charter.pdf', filedOn: '2026-10-01' } } }),
    allowed: [bureau(SP), groupAdmin(SIZHONG)],
    refused: [groupAdmin(BEIJIE), bureau(ZW), bureau(GZ), analyst(SP), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'approves a fresh PROPOSED 沙坡头区 group: its supervising bureau only',
    mutation: 'approveGroup', actions: ['approveGroup'],
    build: async (fx) => {
      const g = await fx.freshGroup(SP);
      return { query: m('approveGroup', '$id: ID!'), variables: { id: encodeId('EducationGroup', g.groupId) }, groupId: g.groupId, schoolCode: g.schoolCode };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), targetGroupAdmin, targetSchoolAdmin, analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'reinstates a SUSPENDED 明远: 昆明市, not the lead\'s or members\' counties nor the province',
    mutation: 'approveGroup', actions: ['approveGroup'],
    build: async (fx) => {
      const g = await fx.group(MINGYUAN);
      await fx.q(`UPDATE education_group SET status = 'SUSPENDED' WHERE id = $1`, [g]);
      return { query: m('approveGroup', '$id: ID!'), variables: { id: encodeId('EducationGroup', g) } };
    },
    allowed: [bureau(KM)],
    refused: [bureau(WH), bureau(LQ), bureau(XD), bureau(YN), groupAdmin(MINGYUAN), analyst(KM)],
  },
  {
    name: 'suspends SIZHONG: its supervising bureau only',
    mutation: 'suspendGroup', actions: ['suspendGroup'],
    build: async (fx) => {
      const g = await fx.group(SIZHONG);
      await fx.q(`UPDATE education_group SET status = 'ACTIVE' WHERE id = $1`, [g]);
      return { query: m('suspendGroup', '$id: ID!, $reason: String!'), variables: { id: encodeId('EducationGroup', g), reason: '整改' } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'dissolves a fresh 沙坡头区 group: its supervising bureau only',
    mutation: 'dissolveGroup', actions: ['dissolveGroup'],
    build: async (fx) => {
      const g = await fx.freshGroup(SP);
      return { query: m('dissolveGroup', '$id: ID!, $reason: String!'), variables: { id: encodeId('EducationGroup', g.groupId), reason: '撤销' }, groupId: g.groupId, schoolCode: g.schoolCode };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(GZ), targetGroupAdmin, targetSchoolAdmin, analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'dissolves 明远: 昆明市 only',
    mutation: 'dissolveGroup', actions: ['dissolveGroup'],
    build: async (fx) => ({ query: m('dissolveGroup', '$id: ID!, $reason: String!'), variables: { id: encodeId('EducationGroup', await fx.group(MINGYUAN)), reason: '撤销' } }),
    allowed: [bureau(KM)],
    refused: [bureau(WH), bureau(LQ), bureau(XD), bureau(YN), groupAdmin(MINGYUAN), analyst(KM)],
  },
  // --- Memberships ---------------------------------------------------------------------------
  {
    name: "a fresh 沙坡头区 campus applies to SIZHONG: the campus's school admin or county bureau",
    mutation: 'applyForMembership', actions: ['applyForMembership'],
    build: async (fx) => {
      const c = await fx.freshCampus(SP);
      return { query: m('applyForMembership', '$groupId: ID!, $campusId: ID!'), variables: { groupId: encodeId('EducationGroup', await fx.group(SIZHONG)), campusId: encodeId('Campus', c.campusId) }, schoolCode: c.schoolCode };
    },
    allowed: [targetSchoolAdmin, bureau(SP)],
    refused: [schoolAdmin(SZ_LEAD), groupAdmin(SIZHONG), bureau(ZW), bureau(GZ), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: "a fresh 禄劝 campus applies to 明远: 禄劝's bureau (the campus's county), not the supervising city",
    mutation: 'applyForMembership', actions: ['applyForMembership'],
    build: async (fx) => {
      const c = await fx.freshCampus(LQ);
      return { query: m('applyForMembership', '$groupId: ID!, $campusId: ID!'), variables: { groupId: encodeId('EducationGroup', await fx.group(MINGYUAN)), campusId: encodeId('Campus', c.campusId) }, schoolCode: c.schoolCode };
    },
    allowed: [bureau(LQ), targetSchoolAdmin],
    refused: [bureau(KM), bureau(XD), bureau(WH), groupAdmin(MINGYUAN), analyst(LQ)],
  },
  {
    name: 'decides an application to SIZHONG as GROUP_COUNCIL: its group admin, nobody else yet',
    mutation: 'decideMembership', actions: ['decideAsGroupCouncil'],
    build: async (fx) => {
      const a = await fx.freshApplication(SIZHONG, SP, []);
      return { query: m('decideMembership', '$id: ID!, $decision: ApprovalDecision!'), variables: { id: a.membershipId, decision: 'APPROVED' }, schoolCode: a.schoolCode };
    },
    allowed: [groupAdmin(SIZHONG)],
    refused: [bureau(SP), groupAdmin(BEIJIE), groupAdmin(XUANHE), targetSchoolAdmin, schoolAdmin(SZ_LEAD), bureau(ZW), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'decides an application to SIZHONG as SUPERVISING_BUREAU (after the council): 沙坡头区 only',
    mutation: 'decideMembership', actions: ['decideAsSupervisingBureau'],
    build: async (fx) => {
      const a = await fx.freshApplication(SIZHONG, SP, [await groupAdmin(SIZHONG).as(fx, {} as Target)]);
      return { query: m('decideMembership', '$id: ID!, $decision: ApprovalDecision!'), variables: { id: a.membershipId, decision: 'APPROVED' }, schoolCode: a.schoolCode };
    },
    allowed: [bureau(SP)],
    refused: [groupAdmin(SIZHONG), bureau(ZW), bureau(NX), bureau(GZ), targetSchoolAdmin, analyst(SP), vendor(SP, ALL_WRITES)],
  },
  {
    name: 'decides a 禄劝 application to 明远 as SUPERVISING_BUREAU: 昆明市, not yet 禄劝',
    mutation: 'decideMembership', actions: ['decideAsSupervisingBureau'],
    build: async (fx) => {
      const a = await fx.freshApplication(MINGYUAN, LQ, [await groupAdmin(MINGYUAN).as(fx, {} as Target)]);
      return { query: m('decideMembership', '$id: ID!, $decision: ApprovalDecision!'), variables: { id: a.membershipId, decision: 'APPROVED' }, schoolCode: a.schoolCode };
    },
    allowed: [bureau(KM)],
    refused: [bureau(LQ), bureau(WH), bureau(YN), groupAdmin(MINGYUAN), analyst(KM)],
  },
  {
    name: 'decides a 禄劝 application to 明远 as HOME_BUREAU (after council and city): 禄劝 only',
    mutation: 'decideMembership', actions: ['decideAsHomeBureau'],
    build: async (fx) => {
      const a = await fx.freshApplication(MINGYUAN, LQ, [await groupAdmin(MINGYUAN).as(fx, {} as Target), bureauClaims(KM)]);
      return { query: m('decideMembership', '$id: ID!, $decision: ApprovalDecision!'), variables: { id: a.membershipId, decision: 'APPROVED' }, schoolCode: a.schoolCode };
    },
    allowed: [bureau(LQ)],
    refused: [bureau(KM), bureau(XD), bureau(YN), groupAdmin(MINGYUAN), targetSchoolAdmin, analyst(LQ)],
  },
  {
    name: 'decides a 中宁县 application to SIZHONG as COMMON_PARENT_BUREAU (中卫市, above 沙坡头区 and 中宁县): 中卫市 only',
    mutation: 'decideMembership', actions: ['decideAsCommonParentBureau'],
    build: async (fx) => {
      const a = await fx.freshApplication(SIZHONG, ZN, [await groupAdmin(SIZHONG).as(fx, {} as Target), bureauClaims(SP), bureauClaims(ZN)]);
      return { query: m('decideMembership', '$id: ID!, $decision: ApprovalDecision!'), variables: { id: a.membershipId, decision: 'APPROVED' }, schoolCode: a.schoolCode };
    },
    allowed: [bureau(ZW)],
    refused: [bureau(SP), bureau(ZN), bureau(NX), bureau(NATION), groupAdmin(SIZHONG), targetSchoolAdmin, analyst(ZW)],
  },
  {
    name: 'withdraws an application to SIZHONG: the applicant\'s school admin or county bureau',
    mutation: 'withdrawMembership', actions: ['withdrawMembership'],
    build: async (fx) => {
      const a = await fx.freshApplication(SIZHONG, SP, []);
      return { query: m('withdrawMembership', '$id: ID!'), variables: { id: a.membershipId }, schoolCode: a.schoolCode };
    },
    allowed: [targetSchoolAdmin, bureau(SP)],
    refused: [groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), bureau(ZW), bureau(GZ), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'withdraws a 禄劝 application to 明远: 禄劝, not the city',
    mutation: 'withdrawMembership', actions: ['withdrawMembership'],
    build: async (fx) => {
      const a = await fx.freshApplication(MINGYUAN, LQ, []);
      return { query: m('withdrawMembership', '$id: ID!'), variables: { id: a.membershipId }, schoolCode: a.schoolCode };
    },
    allowed: [bureau(LQ)],
    refused: [bureau(KM), bureau(XD), groupAdmin(MINGYUAN)],
  },
  {
    name: "a member leaves SIZHONG: the supervising bureau, the group admin or the member's school admin",
    mutation: 'exitMembership', actions: ['exitMembership'],
    build: async (fx) => {
      const a = await fx.freshMember(SIZHONG, SP);
      return { query: m('exitMembership', '$id: ID!, $on: Date!, $reason: String!'), variables: { id: a.membershipId, on: '2026-11-23', reason: '调整' }, schoolCode: a.schoolCode };
    },
    allowed: [bureau(SP), groupAdmin(SIZHONG), targetSchoolAdmin],
    refused: [schoolAdmin(SZ_LEAD), groupAdmin(BEIJIE), bureau(ZW), bureau(GZ), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'a 寻甸 member leaves 明远: 昆明市 (supervising), not 寻甸',
    mutation: 'exitMembership', actions: ['exitMembership'],
    build: async (fx) => {
      const a = await fx.freshMember(MINGYUAN, XD);
      return { query: m('exitMembership', '$id: ID!, $on: Date!, $reason: String!'), variables: { id: a.membershipId, on: '2026-11-23', reason: '调整' }, schoolCode: a.schoolCode };
    },
    allowed: [bureau(KM)],
    refused: [bureau(XD), bureau(WH), bureau(YN), analyst(KM)],
  },
  // --- Postings ------------------------------------------------------------------------------
  {
    name: 'posts a SIZHONG member teacher to the lead campus: the group admin or the supervising bureau',
    mutation: 'createPosting', actions: ['createPosting'],
    build: async (fx) => {
      const s = await fx.freeStaff(SIZHONG, ZHENLUO);
      return {
        query: m('createPosting', '$input: CreatePostingInput!'),
        variables: { input: { staffId: encodeId('Staff', s.staffId), toCampusId: encodeId('Campus', s.leadCampus), type: 'ROTATION', hostRole: 'TEACHER', startDate: '2027-09-01', endDate: '2028-07-15' } },
      };
    },
    allowed: [groupAdmin(SIZHONG), bureau(SP)],
    refused: [groupAdmin(BEIJIE), groupAdmin(XUANHE), bureau(ZW), bureau(GZ), schoolAdmin(ZHENLUO), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'posts a 明远 member teacher to the lead campus: 昆明市, not the member\'s county',
    mutation: 'createPosting', actions: ['createPosting'],
    build: async (fx) => {
      const s = await fx.freeStaff(MINGYUAN);
      return {
        query: m('createPosting', '$input: CreatePostingInput!'),
        variables: { input: { staffId: encodeId('Staff', s.staffId), toCampusId: encodeId('Campus', s.leadCampus), type: 'ROTATION', hostRole: 'TEACHER', startDate: '2027-09-01', endDate: '2028-07-15' } },
      };
    },
    allowed: [bureau(KM), groupAdmin(MINGYUAN)],
    refused: [bureau(XD), bureau(LQ), bureau(WH), analyst(KM)],
  },
  ...(['startPosting', 'completePosting', 'cancelPosting'] as const).map((field): Case => ({
    name: 'changes a SIZHONG posting: the group admin or the supervising bureau',
    mutation: field, actions: ['changePosting'],
    build: async (fx) => {
      const p = await fx.freshPosting(SIZHONG, field === 'completePosting' ? 'ACTIVE' : 'PLANNED');
      const args = { startPosting: '$id: ID!', completePosting: '$id: ID!, $endDate: Date!', cancelPosting: '$id: ID!, $reason: String!' }[field];
      return { query: m(field, args), variables: { id: p.postingId, ...(field === 'completePosting' ? { endDate: '2026-11-20' } : {}), ...(field === 'cancelPosting' ? { reason: '调整' } : {}) } };
    },
    allowed: [groupAdmin(SIZHONG), bureau(SP)],
    refused: [groupAdmin(BEIJIE), bureau(ZW), bureau(GZ), schoolAdmin(ZHENLUO), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  })),
  {
    name: 'cancels a 明远 posting: 昆明市, not the member\'s county',
    mutation: 'cancelPosting', actions: ['changePosting'],
    build: async (fx) => {
      const p = await fx.freshPosting(MINGYUAN, 'PLANNED');
      return { query: m('cancelPosting', '$id: ID!, $reason: String!'), variables: { id: p.postingId, reason: '调整' } };
    },
    allowed: [bureau(KM), groupAdmin(MINGYUAN)],
    refused: [bureau(XD), bureau(LQ), bureau(WH), analyst(KM)],
  },
  // --- Policy --------------------------------------------------------------------------------
  {
    name: "sets 沙坡头区's policy: 沙坡头区 only (not its city, province or the nation)",
    mutation: 'setGroupPolicy', actions: ['setGroupPolicy'],
    build: async (fx) => ({ query: m('setGroupPolicy', '$jurisdictionCode: String!, $input: GroupPolicyInput!', '{ coverageTarget }'), variables: { jurisdictionCode: SP, input: { minAnnualRotationRate: fx.next() / 1000 } } }),
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(NATION), bureau(GZ), analyst(SP), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: "sets 中卫市's policy: 中卫市 only (not a county below it)",
    mutation: 'setGroupPolicy', actions: ['setGroupPolicy'],
    build: async (fx) => ({ query: m('setGroupPolicy', '$jurisdictionCode: String!, $input: GroupPolicyInput!', '{ coverageTarget }'), variables: { jurisdictionCode: ZW, input: { minAnnualRotationRate: fx.next() / 1000 } } }),
    allowed: [bureau(ZW)],
    refused: [bureau(SP), bureau(NX), analyst(ZW)],
  },
  // --- Libraries and resources ---------------------------------------------------------------
  {
    name: 'creates a SIZHONG library: its group admin or supervising bureau',
    mutation: 'createLibrary', actions: ['createLibrary'],
    build: async (fx) => ({ query: m('createLibrary', '$input: CreateLibraryInput!'), variables: { input: { groupId: encodeId('EducationGroup', await fx.group(SIZHONG)), name: `资源库${fx.next()}` } } }),
    allowed: [groupAdmin(SIZHONG), bureau(SP)],
    refused: [groupAdmin(BEIJIE), bureau(ZW), bureau(GZ), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: "镇罗中学 contributes a resource to SIZHONG's library: its school admin, the group admin, vendors of the area with resource:write",
    mutation: 'createResource', actions: ['createResource'],
    build: async (fx) => {
      const lib = await fx.one(`SELECT l.id FROM resource_library l JOIN education_group g ON g.id = l.group_id WHERE g.name = $1 ORDER BY l.id LIMIT 1`, [SIZHONG]);
      return {
        query: m('createResource', '$input: CreateResourceInput!'),
        variables: { input: { libraryId: encodeId('ResourceLibrary', lib.id), title: `课件${fx.next()}`, kind: 'COURSEWARE', subject: '数学', stages: ['JUNIOR'], uri: 'https://example.org/r', contributingCampusId: encodeId('Campus', await fx.campus(ZHENLUO)) } },
        schoolCode: ZHENLUO,
      };
    },
    allowed: [schoolAdmin(ZHENLUO), groupAdmin(SIZHONG), vendor(SP, ['resource:write']), vendor(SP, ['resource:write'], [ZHENLUO])],
    refused: [
      schoolAdmin(SZ_LEAD), groupAdmin(BEIJIE), bureau(SP), bureau(ZW), analyst(SP), evaluator('spOpen'),
      vendor(SP, ['campus:write', 'staff:write', 'resource:read']), vendor(SP, ['resource:write'], [SZ_LEAD]), vendor(NY, ALL_WRITES), vendor(GZ, ALL_WRITES),
    ],
  },
  {
    name: "deletes 镇罗中学's resource in SIZHONG's library: the group admin, the supervising bureau, the contributor's school admin, vendors of the area with resource:write",
    mutation: 'deleteResource', actions: ['deleteResource'],
    build: async (fx) => {
      const r = await fx.one(`SELECT r.id FROM resource r JOIN campus c ON c.id = r.contributing_campus_id JOIN school s ON s.id = c.school_id
        JOIN resource_library l ON l.id = r.library_id JOIN education_group g ON g.id = l.group_id WHERE g.name = $1 AND s.code = $2 ORDER BY r.id LIMIT 1`, [SIZHONG, ZHENLUO]);
      await fx.q(`UPDATE resource SET deleted_at = NULL WHERE id = $1`, [r.id]);
      return { query: m('deleteResource', '$id: ID!', ''), variables: { id: encodeId('Resource', r.id) }, schoolCode: ZHENLUO };
    },
    allowed: [groupAdmin(SIZHONG), bureau(SP), schoolAdmin(ZHENLUO), vendor(SP, ['resource:write']), vendor(SP, ['resource:write'], [ZHENLUO])],
    refused: [
      groupAdmin(BEIJIE), bureau(ZW), bureau(GZ), schoolAdmin(SZ_LEAD), analyst(SP), evaluator('spOpen'),
      vendor(SP, ['campus:write', 'staff:write', 'resource:read']), vendor(SP, ['resource:write'], [SZ_LEAD]), vendor(NY, ALL_WRITES), vendor(GZ, ALL_WRITES),
    ],
  },
  {
    name: "镇罗中学 uses a resource of SIZHONG's library: its school admin, the group admin, vendors of the area with resource:write",
    mutation: 'recordResourceUse', actions: ['recordResourceUse'],
    build: async (fx) => {
      const r = await fx.one(`SELECT r.id FROM resource r JOIN resource_library l ON l.id = r.library_id JOIN education_group g ON g.id = l.group_id
        WHERE g.name = $1 AND r.deleted_at IS NULL ORDER BY r.id LIMIT 1`, [SIZHONG]);
      return { query: m('recordResourceUse', '$resourceId: ID!, $campusId: ID!, $kind: ResourceUseKind!'), variables: { resourceId: encodeId('Resource', r.id), campusId: encodeId('Campus', await fx.campus(ZHENLUO)), kind: 'VIEW' }, schoolCode: ZHENLUO };
    },
    // The answer returns the resource, so the caller must be able to read it (vendors: resource:read).
    allowed: [schoolAdmin(ZHENLUO), groupAdmin(SIZHONG), vendor(SP, ['resource:read', 'resource:write']), vendor(SP, ['resource:read', 'resource:write'], [ZHENLUO])],
    refused: [
      schoolAdmin(SZ_LEAD), bureau(SP), analyst(SP), vendor(SP, ['campus:write', 'staff:write', 'resource:read']), vendor(SP, ['resource:read', 'resource:write'], [SZ_LEAD]),
      unseen(groupAdmin(BEIJIE)), unseen(bureau(GZ)), unseen(evaluator('spOpen')), unseen(vendor(SP, ['resource:write'])), unseen(vendor(NY, ALL_WRITES)), unseen(vendor(GZ, ALL_WRITES)),
    ],
  },
  // --- Evaluations ---------------------------------------------------------------------------
  {
    name: "creates a 沙坡头区 cycle: 沙坡头区 only",
    mutation: 'createEvaluationCycle', actions: ['createEvaluationCycle'],
    build: async (fx) => ({
      query: m('createEvaluationCycle', '$input: CreateEvaluationCycleInput!'),
      variables: { input: { jurisdictionCode: SP, name: `考核${fx.next()}`, schoolYear: '2027-2028', indicators: [{ key: 'overall', name: '综合', maxScore: 100, targetType: 'GROUP' }] } },
    }),
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), analyst(SP), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: "records SIZHONG's BUREAU evaluation in 沙坡头区's open cycle: 沙坡头区 only",
    mutation: 'recordEvaluation', actions: ['recordBureauEvaluation'],
    build: async (fx) => ({
      query: m('recordEvaluation', '$input: RecordEvaluationInput!'),
      variables: { input: { cycleId: encodeId('EvaluationCycle', await fx.cycle('spOpen')), targetType: 'GROUP', targetId: encodeId('EducationGroup', await fx.group(SIZHONG)), evaluatorKind: 'BUREAU', scores: [{ indicatorKey: 'party_building', score: fx.next() % 10 }] } },
    }),
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), evaluator('spOpen'), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  {
    name: "records 镇罗中学's LEAD_SCHOOL evaluation: SIZHONG's group admin or its lead school's admin",
    mutation: 'recordEvaluation', actions: ['recordLeadSchoolEvaluation'],
    build: async (fx) => ({
      query: m('recordEvaluation', '$input: RecordEvaluationInput!'),
      variables: { input: { cycleId: encodeId('EvaluationCycle', await fx.cycle('spOpen')), targetType: 'CAMPUS', targetId: encodeId('Campus', await fx.campus(ZHENLUO)), evaluatorKind: 'LEAD_SCHOOL', scores: [{ indicatorKey: 'teaching_quality', score: fx.next() % 40 }] } },
    }),
    allowed: [groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD)],
    refused: [schoolAdmin(ZHENLUO), groupAdmin(XUANHE), groupAdmin(BEIJIE), bureau(SP), evaluator('spOpen'), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  {
    name: "records SIZHONG's THIRD_PARTY evaluation: an evaluator assigned to the cycle",
    mutation: 'recordEvaluation', actions: ['recordThirdPartyEvaluation'],
    build: async (fx) => ({
      query: m('recordEvaluation', '$input: RecordEvaluationInput!'),
      variables: { input: { cycleId: encodeId('EvaluationCycle', await fx.cycle('spOpen')), targetType: 'GROUP', targetId: encodeId('EducationGroup', await fx.group(SIZHONG)), evaluatorKind: 'THIRD_PARTY', scores: [{ indicatorKey: 'school_mode', score: fx.next() % 15 }] } },
    }),
    allowed: [evaluator('spOpen'), evaluator('gz', 'spOpen')],
    refused: [evaluator('spClosed'), evaluator('gz'), bureau(SP), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  {
    name: "confirms a SUBMITTED evaluation of 沙坡头区's open cycle: 沙坡头区 only",
    mutation: 'confirmEvaluation', actions: ['confirmEvaluation'],
    build: async (fx) => {
      const e = await fx.one(`SELECT id FROM evaluation WHERE cycle_id = $1 AND status = 'DRAFT' ORDER BY id LIMIT 1`, [await fx.cycle('spOpen')]);
      await fx.q(`UPDATE evaluation SET status = 'SUBMITTED' WHERE id = $1`, [e.id]);
      return { query: m('confirmEvaluation', '$id: ID!'), variables: { id: encodeId('Evaluation', e.id) } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(GZ), evaluator('spOpen'), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  {
    name: "closes 沙坡头区's open cycle: 沙坡头区 only",
    mutation: 'closeEvaluationCycle', actions: ['closeEvaluationCycle'],
    build: async (fx) => {
      const y = await fx.cycle('spOpen');
      await fx.q(`UPDATE evaluation_cycle SET status = 'OPEN', closed_at = NULL WHERE id = $1`, [y]);
      return { query: m('closeEvaluationCycle', '$id: ID!'), variables: { id: encodeId('EvaluationCycle', y) } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), evaluator('spOpen'), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  // --- Ratifying grades (核定考核等次) and review cases ----------------------------------------
  {
    name: "overrides SIZHONG's grade in 沙坡头区's closed cycle: 沙坡头区 only",
    mutation: 'ratifyGroupGrade', actions: ['ratifyGroupGrade'],
    build: async (fx) => ({
      query: m('ratifyGroupGrade', '$input: RatifyGroupGradeInput!'),
      variables: { input: { cycleId: encodeId('EvaluationCycle', await fx.cycle('spClosed')), groupId: encodeId('EducationGroup', await fx.group(SIZHONG)), grade: 'EXCELLENT', reason: `领导小组决定${fx.next()}` } },
    }),
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), evaluator('spClosed'), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  {
    name: "publishes a closed cycle of 沙坡头区 (a fresh one): 沙坡头区 only",
    mutation: 'publishCycleResults', actions: ['publishCycleResults'],
    build: async (fx) => {
      const id = newId();
      await fx.q(`INSERT INTO evaluation_cycle (id, jurisdiction_id, name, school_year, status, closed_at) VALUES ($1, $2, $3, '2019-2020', 'CLOSED', now())`,
        [id, await fx.jurisdiction(SP), `权限测试考核${fx.next()}`]);
      return { query: m('publishCycleResults', '$cycleId: ID!'), variables: { cycleId: encodeId('EvaluationCycle', id) } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), evaluator('spClosed'), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  {
    name: "decides SIZHONG's review case (整改): its supervising bureau 沙坡头区 only",
    mutation: 'decideReviewCase', actions: ['decideReviewCase'],
    build: async (fx) => {
      const [y, id] = [newId(), newId()];
      await fx.q(`INSERT INTO evaluation_cycle (id, jurisdiction_id, name, school_year, status, closed_at) VALUES ($1, $2, $3, '2020-2021', 'CLOSED', now())`,
        [y, await fx.jurisdiction(SP), `权限测试考核${fx.next()}`]);
      await fx.q(`INSERT INTO review_case (id, group_id, cycle_id, previous_cycle_id, rectification_deadline) VALUES ($1, $2, $3, $4, '2027-08-31')`,
        [id, await fx.group(SIZHONG), y, await fx.cycle('spClosed')]);
      return { query: m('decideReviewCase', '$input: DecideReviewCaseInput!'), variables: { input: { id: encodeId('ReviewCase', id), decision: 'RECTIFIED', reason: '整改到位' } } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(GZ), bureau(NATION), evaluator('spClosed'), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), analyst(SP), vendor(SP, ALL_WRITES)],
  },
  // --- API clients ---------------------------------------------------------------------------
  {
    name: 'creates a 沙坡头区 API client: 沙坡头区 only',
    mutation: 'createApiClient', actions: ['createApiClient'],
    build: async (fx) => ({
      query: m('createApiClient', '$input: CreateApiClientInput!', '{ apiKey client { id } }'),
      variables: { input: { name: `厂商${fx.next()}`, role: 'VENDOR', jurisdictionCode: SP, scopes: ['campus:read', 'campus:write'] } },
    }),
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(NATION), bureau(GZ), analyst(SP), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, [...ALL_WRITES, 'campus:read']), evaluator('spOpen')],
  },
  {
    name: 'revokes a 沙坡头区 API client: 沙坡头区 only',
    mutation: 'revokeApiClient', actions: ['revokeApiClient'],
    build: async (fx) => {
      const id = newId();
      await fx.q(`INSERT INTO api_client (id, name, role, jurisdiction_id, scopes, key_hash) VALUES ($1, $2, 'VENDOR', $3, '{campus:read}', $4)`,
        [id, `待撤销${fx.next()}`, await fx.jurisdiction(SP), hashApiKey(newApiKey())]);
      return { query: m('revokeApiClient', '$id: ID!'), variables: { id: encodeId('ApiClient', id) } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NATION), bureau(GZ), analyst(SP), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'issues another key to a 沙坡头区 API client (rotation): 沙坡头区 only',
    mutation: 'issueApiKey', actions: ['issueApiKey'],
    build: async (fx) => {
      const id = newId();
      await fx.q(`INSERT INTO api_client (id, name, role, jurisdiction_id, scopes, key_hash) VALUES ($1, $2, 'VENDOR', $3, '{campus:read}', $4)`,
        [id, `待轮换${fx.next()}`, await fx.jurisdiction(SP), hashApiKey(newApiKey())]);
      return { query: m('issueApiKey', '$clientId: ID!', '{ apiKey }'), variables: { clientId: encodeId('ApiClient', id) } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(NATION), bureau(GZ), analyst(SP), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: 'revokes one key of a 沙坡头区 API client: 沙坡头区 only',
    mutation: 'revokeApiKey', actions: ['revokeApiKey'],
    build: async (fx) => {
      const id = newId();
      const hash = hashApiKey(newApiKey());
      await fx.q(`INSERT INTO api_client (id, name, role, jurisdiction_id, scopes, key_hash) VALUES ($1, $2, 'VENDOR', $3, '{campus:read}', $4)`,
        [id, `待撤销密钥${fx.next()}`, await fx.jurisdiction(SP), hash]);
      const [key] = await fx.q(`SELECT id FROM api_client_key WHERE key_hash = $1`, [hash]);
      return { query: m('revokeApiKey', '$id: ID!'), variables: { id: encodeId('ApiKey', key.id) } };
    },
    allowed: [bureau(SP)],
    refused: [bureau(ZW), bureau(NX), bureau(NATION), bureau(GZ), analyst(SP), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  // --- Saved analyses of the workbench (分析方案): the one thing analysts write --------------------
  {
    name: 'saves a new analysis: a BUREAU_ADMIN or ANALYST, kept with its own jurisdiction',
    mutation: 'saveAnalysis', actions: ['saveAnalysis'],
    build: async (fx) => ({ query: m('saveAnalysis', '$input: SaveAnalysisInput!'), variables: { input: { name: `分析${fx.next()}`, document: '{ viewer { role } }' } } }),
    allowed: [analyst(SP), analyst(GZ), bureau(SP), bureau(NATION)],
    refused: [groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, [...ALL_WRITES, 'campus:read']), evaluator('spOpen')],
  },
  {
    name: "changes a shared analysis of an analyst of 沙坡头区: its owner only (its bureau's other callers see it; the city and a sibling county do not)",
    mutation: 'saveAnalysis', actions: ['editAnalysis'],
    build: async (fx) => ({ query: m('saveAnalysis', '$input: SaveAnalysisInput!'), variables: { input: { id: await fx.savedAnalysis(), name: `改名${fx.next()}` } } }),
    allowed: [analysisOwner],
    refused: [analyst(SP), bureau(SP), ownerInAnotherRole, unseen(analyst(ZW)), unseen(bureau(ZW)), unseen(analyst(ZN)), unseen(ownerElsewhere), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
  {
    name: "deletes a shared analysis of an analyst of 沙坡头区: its owner only",
    mutation: 'deleteAnalysis', actions: ['editAnalysis'],
    build: async (fx) => ({ query: m('deleteAnalysis', '$id: ID!', ''), variables: { id: await fx.savedAnalysis() } }),
    allowed: [analysisOwner],
    refused: [analyst(SP), bureau(SP), ownerInAnotherRole, unseen(analyst(ZW)), unseen(bureau(NATION)), unseen(ownerElsewhere), groupAdmin(SIZHONG), schoolAdmin(SZ_LEAD), vendor(SP, ALL_WRITES), evaluator('spOpen')],
  },
];

/**
 * Finding 3 (relocation): moving a school or campus needs a bureau whose jurisdiction holds both
 * the old and the new place. A county holds only itself; 中卫市 holds 沙坡头区 and 中宁县; the
 * province and the nation hold both too. Nobody else (school admins, vendors) ever relocates.
 */
const RELOCATIONS: Case[] = [
  {
    name: "moves a fresh 沙坡头区 campus to 中宁县 (same city): a bureau over both (中卫市, 宁夏, the nation), not either county",
    mutation: 'upsertCampus', actions: ['relocateCampus'],
    build: async (fx) => {
      const c = await fx.freshCampus(SP);
      return { query: m('upsertCampus', '$input: UpsertCampusInput!'), variables: { input: { schoolCode: c.schoolCode, name: c.name, jurisdictionCode: ZN } }, schoolCode: c.schoolCode };
    },
    allowed: [bureau(ZW), bureau(NX), bureau(NATION)],
    refused: [bureau(SP), bureau(ZN), targetSchoolAdmin, vendor(SP, ALL_WRITES), targetSchoolVendor(SP, ALL_WRITES), vendor(ZW, ALL_WRITES), analyst(ZW)],
  },
  {
    name: 'moves a fresh 沙坡头区 campus to 甘州区 (another province): only a bureau over both (the nation)',
    mutation: 'upsertCampus', actions: ['relocateCampus'],
    build: async (fx) => {
      const c = await fx.freshCampus(SP);
      return { query: m('upsertCampus', '$input: UpsertCampusInput!'), variables: { input: { schoolCode: c.schoolCode, name: c.name, jurisdictionCode: GZ } }, schoolCode: c.schoolCode };
    },
    allowed: [bureau(NATION)],
    refused: [bureau(SP), bureau(ZW), bureau(NX), bureau(GZ), bureau(ZY), bureau(GS), targetSchoolAdmin, vendor(SP, ALL_WRITES), vendor(NATION, ALL_WRITES), analyst(NATION)],
  },
  {
    name: 'moves a fresh 沙坡头区 school to 中宁县: a bureau over both, not either county',
    mutation: 'upsertSchool', actions: ['relocateSchool'],
    build: async (fx) => {
      const c = await fx.freshCampus(SP);
      return { query: m('upsertSchool', '$input: UpsertSchoolInput!'), variables: { input: { code: c.schoolCode, name: c.name, type: 'PRIMARY', jurisdictionCode: ZN } }, schoolCode: c.schoolCode };
    },
    allowed: [bureau(ZW), bureau(NX), bureau(NATION)],
    refused: [bureau(SP), bureau(ZN), targetSchoolAdmin, vendor(SP, ALL_WRITES), analyst(ZW)],
  },
  {
    // The school code carries its province (digits 3-4): a school cannot move to another province
    // under the same code, whoever asks (input.code is at fault before any authority is asked).
    name: 'moves a fresh 沙坡头区 school to 甘州区 (another province): bad input for everyone, the code names 宁夏',
    mutation: 'upsertSchool', actions: ['relocateSchool'],
    build: async (fx) => {
      const c = await fx.freshCampus(SP);
      return { query: m('upsertSchool', '$input: UpsertSchoolInput!'), variables: { input: { code: c.schoolCode, name: c.name, type: 'PRIMARY', jurisdictionCode: GZ } }, schoolCode: c.schoolCode };
    },
    allowed: [],
    refused: [bureau(NATION), bureau(SP), bureau(GZ), bureau(NX), targetSchoolAdmin, vendor(SP, ALL_WRITES)],
    refusedCode: 'BAD_USER_INPUT',
  },
];

function runCase(c: Case) {
  describe(`${c.mutation}: ${c.name}`, () => {
    let fx: Fx;
    beforeAll(async () => {
      fx = new Fx(await startHub({ writes: true }));
    });
    afterAll(() => fx.hub.stop());

    // Refused callers first: an allowed write may consume what the builder prepared.
    for (const who of c.refused) {
      const code = who.code ?? c.refusedCode ?? 'FORBIDDEN';
      test(`${who.label}: ${code}, nothing changed`, async () => {
        const t = await c.build(fx);
        const as = await who.as(fx, t);
        const before = await snapshot(fx.hub);
        const r = await fx.hub.as(as).gql(t.query, t.variables);
        const after = await snapshot(fx.hub);
        if (codeOf(r) !== code) throw new Error(`expected ${code}, got ${JSON.stringify(r.errors ?? r.data)}`);
        expect(r.data?.[c.mutation] ?? null).toBeNull();
        expect(r.errors![0].message).toBeTruthy();
        expect(after).toEqual(before);
      });
    }
    for (const who of c.allowed) {
      test(`${who.label}: allowed`, async () => {
        const t = await c.build(fx);
        const as = await who.as(fx, t);
        const before = await snapshot(fx.hub);
        const r = await fx.hub.as(as).gql(t.query, t.variables);
        if (r.errors) throw new Error(`expected success, got ${JSON.stringify(r.errors)}`);
        expect(r.data?.[c.mutation]).toBeTruthy();
        // An effective write: audited (so the refused callers above were denied a real write).
        expect((await snapshot(fx.hub)).audit_entry.n).toBeGreaterThan(before.audit_entry.n);
      });
    }
  });
}

describe('write-authority matrix', () => {
  test('covers every mutation of the schema and every action of WRITE_RULES, each with callers allowed and refused', () => {
    const schema = fs.readFileSync(path.join(__dirname, '../schema/schema.graphql'), 'utf8');
    const body = schema.slice(schema.indexOf('type Mutation {'));
    const mutations = [...body.slice(0, body.indexOf('\n}')).matchAll(/^ {2}(\w+)\(/gm)].map((x) => x[1]);
    expect(mutations.length).toBeGreaterThanOrEqual(28);
    const all = [...CASES, ...RELOCATIONS];
    expect([...new Set(all.map((c) => c.mutation))].sort()).toEqual([...mutations].sort());
    expect([...new Set(all.flatMap((c) => c.actions))].sort()).toEqual(Object.keys(WRITE_RULES).sort());
    for (const c of CASES) {
      expect({ case: c.name, allowed: c.allowed.length > 0, refused: c.refused.length > 0 }).toEqual({ case: c.name, allowed: true, refused: true });
    }
    // ANALYST never writes: every mutation is tried by an analyst of the target's own area.
    for (const mu of mutations) expect({ mu, analyst: all.some((c) => c.mutation === mu && c.refused.some((w) => w.label.startsWith('ANALYST'))) }).toEqual({ mu, analyst: true });
  });
});

for (const c of CASES) runCase(c);

describe('finding 3: relocation needs a bureau whose jurisdiction holds both places', () => {
  for (const c of RELOCATIONS) runCase(c);
});

// ---------------------------------------------------------------------------------------------
// The findings of issue 7 that concern writes, by name.

describe('issue 7 findings on writes', () => {
  let fx: Fx;
  beforeAll(async () => {
    fx = new Fx(await startHub({ writes: true }));
  });
  afterAll(() => fx.hub.stop());

  /** Sends a write that must be refused with `code`; asserts every table is unchanged; returns the result. */
  async function refused(who: As, query: string, variables: Record<string, unknown>, code = 'FORBIDDEN'): Promise<GqlResult> {
    const before = await snapshot(fx.hub);
    const r = await fx.hub.as(who).gql(query, variables);
    if (codeOf(r) !== code) throw new Error(`expected ${code}, got ${JSON.stringify(r.errors ?? r.data)}`);
    expect(await snapshot(fx.hub)).toEqual(before);
    return r;
  }

  test('finding 1: a 沙坡头区 VENDOR key with every write scope and no school list cannot write a 411373 school nor delete a 620702 PUBLIC resource', async () => {
    const key = await fx.vendor(SP, ALL_WRITES);
    // The key is valid and writes in its own area (a control: the refusals below are about the area).
    const own = await fx.hub.as(key).gql(m('upsertCampus', '$input: UpsertCampusInput!'), { input: { schoolCode: ZHENLUO, name: ZHENLUO_CAMPUS_NAME, studentCount: 4321 } });
    expect(own.errors).toBeUndefined();

    const nyCampus = await fx.one(`SELECT c.id, c.name FROM campus c JOIN school s ON s.id = c.school_id WHERE s.code = $1 ORDER BY c.id LIMIT 1`, [NY_SCHOOL]);
    await refused(key, m('upsertCampus', '$input: UpsertCampusInput!'), { input: { schoolCode: NY_SCHOOL, name: nyCampus.name, studentCount: 1 } });
    await refused(key, m('upsertCampus', '$input: UpsertCampusInput!'), { input: { schoolCode: NY_SCHOOL, name: '新校区', urbanRural: 'URBAN' } });

    const principal = await fx.one(`SELECT st.id, st.external_id, st.home_campus_id, st.name, st.updated_at FROM staff st JOIN school s ON s.id = st.school_id
      JOIN jurisdiction j ON j.id = s.jurisdiction_id WHERE j.code = $1 AND st.role = 'PRINCIPAL' ORDER BY st.id LIMIT 1`, [NY]);
    await refused(key, m('upsertStaff', '$input: UpsertStaffInput!'), {
      input: { externalId: principal.external_id, homeCampusId: encodeId('Campus', principal.home_campus_id), name: '冒名校长', role: 'PRINCIPAL', title: 'SENIOR', subjects: ['语文'], backbone: true, fullTimeTeacher: true },
    });
    expect(await fx.one(`SELECT name, updated_at FROM staff WHERE id = $1`, [principal.id])).toEqual({ name: principal.name, updated_at: principal.updated_at });

    const pub = await fx.one(`SELECT r.id FROM resource r JOIN resource_library l ON l.id = r.library_id JOIN education_group g ON g.id = l.group_id
      JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.code = $1 AND l.visibility = 'PUBLIC' AND r.deleted_at IS NULL ORDER BY r.id LIMIT 1`, [GZ]);
    await refused(key, m('deleteResource', '$id: ID!', ''), { id: encodeId('Resource', pub.id) });
    expect((await fx.one(`SELECT deleted_at FROM resource WHERE id = $1`, [pub.id])).deleted_at).toBeNull();
    // The same deletion by a key of the resource's area (with resource:write) goes through.
    const gzKey = await fx.vendor(GZ, ['resource:write']);
    expect((await fx.hub.as(gzKey).gql(m('deleteResource', '$id: ID!', ''), { id: encodeId('Resource', pub.id) })).errors).toBeUndefined();
  });

  const CREATE_CLIENT = m('createApiClient', '$input: CreateApiClientInput!', '{ apiKey client { id scopes } }');
  const clientInput = (scopes: string[], extra: Record<string, unknown> = {}) => ({ input: { name: `厂商${fx.next()}`, role: 'VENDOR', jurisdictionCode: SP, scopes, ...extra } });

  test('finding 2: a bureau admin without pii:read cannot give a key pii:read; with pii:read it can; a key never exceeds its creator', async () => {
    const plain: As = { sub: 't:sp-plain', role: 'BUREAU_ADMIN', jurisdiction: SP };
    const withPii: As = { sub: 't:sp-pii', role: 'BUREAU_ADMIN', jurisdiction: SP, scopes: ['pii:read'] };
    const r1 = await refused(plain, CREATE_CLIENT, clientInput(['pii:read']));
    expect(r1.errors![0].message).toMatch(/pii:read/);
    expect(r1.errors![0].extensions?.field).toBe('input.scopes');
    // Named alone: what the creator does hold by role is not what is refused.
    const r2 = await refused(plain, CREATE_CLIENT, clientInput(['campus:read', 'staff:read', 'pii:read']));
    expect(r2.errors![0].message).toMatch(/pii:read/);
    expect(r2.errors![0].message).not.toMatch(/campus:read|staff:read/);

    // What a bureau holds by role (reads of every kind, campus/staff/resource writes) it may grant without any scope of its own.
    const byRole = ['campus:read', 'group:read', 'staff:read', 'posting:read', 'resource:read', 'evaluation:read', 'campus:write', 'staff:write', 'resource:write'];
    const d1 = await fx.as(plain, CREATE_CLIENT, clientInput(byRole));
    expect([...d1.createApiClient.client.scopes].sort()).toEqual([...byRole].sort());

    const d2 = await fx.as(withPii, CREATE_CLIENT, clientInput(['pii:read', 'staff:read']));
    expect([...d2.createApiClient.client.scopes].sort()).toEqual(['pii:read', 'staff:read']);
    const [stored] = await fx.q(`SELECT scopes FROM api_client WHERE id = $1`, [uuidFrom(d2.createApiClient.client.id)]);
    expect([...stored.scopes].sort()).toEqual(['pii:read', 'staff:read']);

    // The pii:read key is bound to its own area: it does not reach staff of another province.
    const nyStaff = await fx.one(`SELECT st.id FROM staff st JOIN school s ON s.id = st.school_id WHERE s.code = $1 ORDER BY st.id LIMIT 1`, [NY_SCHOOL]);
    const read = await fx.hub.as({ apiKey: d2.createApiClient.apiKey }).gql(`query($id: ID!) { node(id: $id) { ... on Staff { nationalId } } }`, { id: encodeId('Staff', nyStaff.id) });
    expect(read.data?.node ?? null).toBeNull();
  });

  test('API key expiry: expiresAt in the past is bad input; a key past its expiry answers 401 UNAUTHENTICATED', async () => {
    const bureauSp = bureauClaims(SP);
    const r = await refused(bureauSp, CREATE_CLIENT, clientInput(['campus:read'], { expiresAt: '2020-01-01T00:00:00Z' }), 'BAD_USER_INPUT');
    expect(r.errors![0].extensions?.field).toBe('input.expiresAt');

    const d = await fx.as(bureauSp, CREATE_CLIENT, clientInput(['campus:read'], { expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
    const key: As = { apiKey: d.createApiClient.apiKey };
    const ok = await fx.hub.as(key).gql(`{ viewer { role } }`);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.viewer.role).toBe('VENDOR');

    await fx.q(`UPDATE api_client SET expires_at = now() - interval '1 second' WHERE id = $1`, [uuidFrom(d.createApiClient.client.id)]);
    const expired = await fx.hub.as(key).gql(`{ viewer { role } }`);
    expect(expired.status).toBe(401);
    expect(codeOf(expired)).toBe('UNAUTHENTICATED');
    expect(expired.data ?? undefined).toBeUndefined();
  });
});
