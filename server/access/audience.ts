import { raw, sql, Sql } from '../db/sql';
import { Caller } from './caller';
import { related } from './rules';
import type { EntityKind } from './scope';

/**
 * The scope of record (rules.ts) restated as keys, for the change feed: each feed entry stores
 * the keys of its entity as the write left it (`audience`) and as the reader last knew it
 * (`prior_audience`), and a caller reads an entry when its own keys overlap, an index lookup
 * instead of a rule evaluated per entry. An entry whose prior keys match a caller but whose
 * current keys no longer do tells that caller the entity left its scope: a DELETE for it.
 *
 * The keys must say exactly what rules.ts says; test/audience.test.ts checks, for every entity
 * of the demo and callers of every role, that keys overlap exactly when `visible` holds.
 *
 * Keys (x: a jurisdiction id, s: a school id, g: a group id, y: a cycle id):
 * - A:x  what an area caller (bureau, analyst, vendor) of x sees: the entity lies in x or below,
 *        or belongs to a group supervised there
 * - N:x:s  the same for a vendor narrowed to school s (lies in x or below and belongs to s)
 * - G:g  a group admin of g;  S:s  a school admin of s;  Y:y  an evaluator of cycle y
 * - C:x  an evaluator whose cycle's bureau is x: groups supervised in x or below
 * - L:x / D:x  the line of the tree: L:x where the caller's jurisdiction x is an ancestor-or-self
 *        of the entity's, D:x where the entity's x is an ancestor-or-self of the caller's
 * - PUBLIC  every caller
 */

const R = (alias: string) => raw(alias);

/** `prefix || a` for every ancestor-or-self a of jurisdiction `j`. */
const above = (prefix: string, j: Sql) => sql`SELECT ${prefix} || x.ancestor_id FROM jurisdiction_ancestor x WHERE x.jurisdiction_id = ${j}`;

/** Narrowed-vendor keys of something lying in `j` and belonging to school `s`. */
const narrowed = (j: Sql, s: Sql) => sql`SELECT 'N:' || x.ancestor_id || ':' || ${s} FROM jurisdiction_ancestor x WHERE x.jurisdiction_id = ${j}`;

/** Keys of the line of the tree through `j` (libraries shared by JURISDICTION, cycles). */
const line = (j: Sql) => sql`${above('L:', j)} UNION ALL SELECT 'D:' || ${j}`;

/** Area keys of a campus `c` lying where it lies (local for area callers and narrowed vendors). */
const localCampus = (c: string) => sql`${above('A:', sql`${R(c)}.jurisdiction_id`)} UNION ALL ${narrowed(sql`${R(c)}.jurisdiction_id`, sql`${R(c)}.school_id`)}`;

/** Keys of the groups campus `c` is an ACTIVE member of, as `group(g)` says them. */
const ofActiveGroups = (c: string, group: (g: string) => Sql) =>
  sql`SELECT k FROM group_membership am JOIN education_group ag ON ag.id = am.group_id, LATERAL (${group('ag')}) gk(k)
    WHERE am.campus_id = ${R(c)}.id AND am.status = 'ACTIVE'`;

/** A group as the campuses of its supervising line see it: supervised there, led by its admin, covered by evaluators. */
const groupSide = (g: string) => sql`${above('A:', sql`${R(g)}.jurisdiction_id`)} UNION ALL SELECT 'G:' || ${R(g)}.id
  UNION ALL ${above('C:', sql`${R(g)}.jurisdiction_id`)}`;

/** Campus keys: local; and, through its active group, that group's supervising line, admin and evaluators; its school admin. */
const campusKeys = (c: string) => sql`${localCampus(c)} UNION ALL SELECT 'S:' || ${R(c)}.school_id UNION ALL ${ofActiveGroups(c, groupSide)}`;

/** Group keys: its own side, plus each active member campus's county while the group runs, and the members' school admins. */
const groupKeys = (g: string) => sql`${groupSide(g)} UNION ALL
  SELECT k FROM group_membership hm JOIN campus hc ON hc.id = hm.campus_id,
    LATERAL (SELECT k1 FROM (${localCampus('hc')}) lk(k1) WHERE ${R(g)}.status IN ('ACTIVE','SUSPENDED') UNION ALL SELECT 'S:' || hc.school_id) mk(k)
  WHERE hm.group_id = ${R(g)}.id AND hm.status = 'ACTIVE'`;

/** Library keys by visibility: PUBLIC everyone; GROUP those holding the group; JURISDICTION also the supervising line. */
const libraryKeys = (l: string) => sql`SELECT 'PUBLIC' WHERE ${R(l)}.visibility = 'PUBLIC'
  UNION ALL SELECT k FROM education_group lg, LATERAL (${groupKeys('lg')}) gk(k) WHERE lg.id = ${R(l)}.group_id AND k NOT LIKE 'C:%'
  UNION ALL SELECT k FROM education_group lg, LATERAL (${line(sql`lg.jurisdiction_id`)}) lk(k) WHERE lg.id = ${R(l)}.group_id AND ${R(l)}.visibility = 'JURISDICTION'`;

/** `keys` restricted to area and narrowed keys whose jurisdiction lies on the line through `j` (cycles along a bureau's line). */
const onLineOf = (keys: Sql, j: Sql) => sql`SELECT k FROM (${keys}) ok(k) WHERE
  (k LIKE 'A:%' OR k LIKE 'N:%') AND ${related(sql`split_part(k, ':', 2)::uuid`, j)}`;

/** The keys of the row aliased `t` of each kind, as a set of text (one column). */
const KEYS: Record<EntityKind, (t: string) => Sql> = {
  Jurisdiction: () => sql`SELECT 'PUBLIC'`,
  School: (s) => sql`${above('A:', sql`${R(s)}.jurisdiction_id`)} UNION ALL ${narrowed(sql`${R(s)}.jurisdiction_id`, sql`${R(s)}.id`)}
    UNION ALL SELECT 'S:' || ${R(s)}.id
    UNION ALL SELECT k FROM campus sc, LATERAL (${ofActiveGroups('sc', (g) => sql`SELECT 'G:' || ${R(g)}.id UNION ALL ${above('C:', sql`${R(g)}.jurisdiction_id`)}`)}) ck(k)
      WHERE sc.school_id = ${R(s)}.id`,
  Campus: campusKeys,
  EducationGroup: groupKeys,
  GroupMembership: (m) => sql`SELECT k FROM campus mc, LATERAL (${localCampus('mc')} UNION ALL SELECT 'S:' || mc.school_id) ck(k) WHERE mc.id = ${R(m)}.campus_id
    UNION ALL SELECT k FROM education_group mg, LATERAL (${groupSide('mg')}) gk(k) WHERE mg.id = ${R(m)}.group_id`,
  Staff: (s) => sql`SELECT k FROM campus hc, LATERAL (${campusKeys('hc')}) ck(k) WHERE hc.id = ${R(s)}.home_campus_id AND k NOT LIKE 'C:%' AND k NOT LIKE 'S:%'
    UNION ALL SELECT 'S:' || ${R(s)}.school_id
    UNION ALL SELECT 'G:' || sp.group_id FROM posting sp WHERE sp.staff_id = ${R(s)}.id`,
  Posting: (p) => sql`SELECT k FROM campus pc, LATERAL (${localCampus('pc')} UNION ALL SELECT 'S:' || pc.school_id) ck(k)
      WHERE pc.id IN (${R(p)}.from_campus_id, ${R(p)}.to_campus_id)
    UNION ALL SELECT k FROM education_group pg, LATERAL (${above('A:', sql`pg.jurisdiction_id`)}) gk(k) WHERE pg.id = ${R(p)}.group_id
    UNION ALL SELECT 'G:' || ${R(p)}.group_id`,
  ResourceLibrary: libraryKeys,
  Resource: (r) => sql`SELECT k FROM resource_library rl, LATERAL (${libraryKeys('rl')}) lk(k) WHERE rl.id = ${R(r)}.library_id`,
  EvaluationCycle: (y) => sql`${line(sql`${R(y)}.jurisdiction_id`)} UNION ALL SELECT 'Y:' || ${R(y)}.id`,
  Evaluation: (e) => sql`SELECT 'Y:' || ${R(e)}.cycle_id
    UNION ALL SELECT k FROM campus ec, LATERAL (${campusKeys('ec')}) ck(k) WHERE ec.id = ${R(e)}.campus_id AND (k LIKE 'A:%' OR k LIKE 'N:%')
    UNION ALL SELECT k FROM evaluation_cycle ey, LATERAL (
        ${onLineOf(sql`SELECT k2 FROM education_group eg, LATERAL (${groupKeys('eg')}) gk(k2) WHERE eg.id = ${R(e)}.group_id`, sql`ey.jurisdiction_id`)}
        UNION ALL ${above('A:', sql`ey.jurisdiction_id`)}) yk(k)
      WHERE ey.id = ${R(e)}.cycle_id
    UNION ALL SELECT 'G:' || g.id FROM education_group g, evaluation_cycle ey WHERE ey.id = ${R(e)}.cycle_id
      AND (g.id = ${R(e)}.group_id OR EXISTS (SELECT 1 FROM group_membership em WHERE em.group_id = g.id AND em.campus_id = ${R(e)}.campus_id AND em.status = 'ACTIVE'))
      AND ${related(sql`g.jurisdiction_id`, sql`ey.jurisdiction_id`)}
    UNION ALL SELECT 'S:' || s.id FROM school s, evaluation_cycle ey WHERE ey.id = ${R(e)}.cycle_id
      AND (EXISTS (SELECT 1 FROM campus ec WHERE ec.id = ${R(e)}.campus_id AND ec.school_id = s.id)
        OR EXISTS (SELECT 1 FROM group_membership em JOIN campus emc ON emc.id = em.campus_id WHERE em.group_id = ${R(e)}.group_id AND em.status = 'ACTIVE' AND emc.school_id = s.id))
      AND ${related(sql`s.jurisdiction_id`, sql`ey.jurisdiction_id`)}`,
  ApiClient: (a) => above('A:', sql`${R(a)}.jurisdiction_id`),
  // The supervising bureau's line upwards (rules.ts: supervisedOf); the group admin once published.
  GroupGrade: (r) => sql`SELECT k FROM education_group rg, LATERAL (${above('A:', sql`rg.jurisdiction_id`)}) gk(k) WHERE rg.id = ${R(r)}.group_id
    UNION ALL SELECT 'G:' || ${R(r)}.group_id WHERE ${R(r)}.published_at IS NOT NULL`,
  ReviewCase: (r) => sql`SELECT k FROM education_group rg, LATERAL (${above('A:', sql`rg.jurisdiction_id`)}) gk(k) WHERE rg.id = ${R(r)}.group_id
    UNION ALL SELECT 'G:' || ${R(r)}.group_id`,
  AuditEntry: () => sql`SELECT NULL::text WHERE FALSE`,
  // Workbench records (server/workbench/saved.ts): never on the change feed.
  SavedAnalysis: () => sql`SELECT NULL::text WHERE FALSE`,
};

/** The keys of the row aliased `t` of this kind, as a text[] expression. */
export function entityKeys(kind: EntityKind, t: string): Sql {
  return sql`ARRAY(SELECT DISTINCT k FROM (${KEYS[kind](t)}) keys(k) WHERE k IS NOT NULL ORDER BY 1)`;
}

/** A caller's own keys, as a text[] expression (kinds it may not read are filtered apart, by Scope.canRead). */
export function callerKeys(c: Caller): Sql {
  const home = (j: Sql) => sql`ARRAY['L:' || ${j}] || ARRAY(SELECT 'D:' || x.ancestor_id FROM jurisdiction_ancestor x WHERE x.jurisdiction_id = ${j})`;
  switch (c.role) {
    case 'BUREAU_ADMIN':
    case 'ANALYST':
    case 'VENDOR': {
      const J = sql`${c.jurisdictionId}::uuid`;
      const own = c.schoolIds.length
        ? sql`ARRAY(SELECT 'N:' || ${c.jurisdictionId} || ':' || s FROM unnest(${c.schoolIds}::uuid[]) s)`
        : sql`ARRAY['A:' || ${c.jurisdictionId}]`;
      return sql`(ARRAY['PUBLIC'] || ${own} || ${home(J)})`;
    }
    case 'GROUP_ADMIN':
      return sql`(ARRAY['PUBLIC', 'G:' || ${c.groupId}] || ${home(sql`(SELECT jurisdiction_id FROM education_group WHERE id = ${c.groupId}::uuid)`)})`;
    case 'SCHOOL_ADMIN':
      return sql`(ARRAY['PUBLIC', 'S:' || ${c.schoolId}] || ${home(sql`(SELECT jurisdiction_id FROM school WHERE id = ${c.schoolId}::uuid)`)})`;
    case 'EVALUATOR':
      return sql`(ARRAY['PUBLIC'] || ARRAY(SELECT 'Y:' || y FROM unnest(${c.cycleIds}::uuid[]) y)
        || ARRAY(SELECT 'C:' || vy.jurisdiction_id FROM evaluation_cycle vy WHERE vy.id = ANY(${c.cycleIds}::uuid[])))`;
  }
}
