import { Alternatives, and, FALSE, or, raw, sql, Sql, TRUE } from '../db/sql';
import { JurisdictionDirectory } from '../jurisdictions/directory';
import { Caller } from './caller';
import type { EntityKind } from './scope';

/**
 * DOMAIN.md "Who sees what", as SQL: for each role, the caller's *scope of record* (what it
 * lists, counts and reads figures of) as a condition per entity kind on the row aliased `a`.
 * What lies outside it may still be *reached* through a relation (scope.ts, REACH); that is
 * decided there, never here.
 *
 * Shared vocabulary (J = the caller's jurisdiction, S(J) = J and everything below it):
 * - a campus is *local* when it lies in S(J) (a vendor with listed schools: and belongs to one);
 * - a group is *in scope* when it is supervised in S(J) (not for narrowed vendors) or has a
 *   local campus as an ACTIVE member (the group itself may be ACTIVE or SUSPENDED). An
 *   application (APPLIED, WITHDRAWN, REJECTED) or a past membership (EXITED) brings nothing.
 * - a cross-county group is in scope of each county with a member; its memberships, staff,
 *   postings and evaluations stay on each county's side; the supervising bureau's line sees them all.
 */
export type Rule = (alias: string) => Sql;
export type Rules = Partial<Record<EntityKind, Rule>>;

const A = (alias: string) => raw(alias);

/** `jcol` lies in S(anchor). */
export const within = (jcol: Sql, anchor: unknown) =>
  sql`EXISTS (SELECT 1 FROM jurisdiction_ancestor x WHERE x.ancestor_id = ${anchor}::uuid AND x.jurisdiction_id = ${jcol})`;

/** `jcol` and `anchor` lie on one line of the tree (one is an ancestor-or-self of the other). */
export const related = (jcol: Sql, anchor: Sql) => sql`EXISTS (SELECT 1 FROM jurisdiction_ancestor x
  WHERE (x.ancestor_id = ${anchor} AND x.jurisdiction_id = ${jcol}) OR (x.ancestor_id = ${jcol} AND x.jurisdiction_id = ${anchor}))`;

/** Campus `c` is an ACTIVE member (or the lead) of a group satisfying `group(g)`. */
const activeIn = (c: string, group: (g: string) => Sql) => sql`EXISTS (SELECT 1 FROM group_membership am JOIN education_group ag ON ag.id = am.group_id
  WHERE am.campus_id = ${A(c)}.id AND am.status = 'ACTIVE' AND ${group('ag')})`;

/** Group `g` has an ACTIVE member campus satisfying `campus(c)`. */
const hasActive = (g: string, campus: (c: string) => Sql) => sql`EXISTS (SELECT 1 FROM group_membership hm JOIN campus hc ON hc.id = hm.campus_id
  WHERE hm.group_id = ${A(g)}.id AND hm.status = 'ACTIVE' AND ${campus('hc')})`;

/**
 * Library visibility (DOMAIN.md "Resources"): GROUP for callers whose scope holds the group,
 * JURISDICTION for callers on the supervising bureau's line of the tree, PUBLIC for everyone.
 * `line` is null for callers with no place in the tree (evaluators: PUBLIC only).
 */
function libraryRule(group: (g: string) => Sql, line: Sql | null): Rule {
  return (l) => sql`(${A(l)}.visibility = 'PUBLIC' OR EXISTS (SELECT 1 FROM education_group lg WHERE lg.id = ${A(l)}.group_id
    AND (${group('lg')}${line ? sql` OR (${A(l)}.visibility = 'JURISDICTION' AND ${related(sql`lg.jurisdiction_id`, line)})` : raw('')})))`;
}

const resourceRule = (library: Rule): Rule => (r) =>
  sql`EXISTS (SELECT 1 FROM resource_library rl WHERE rl.id = ${A(r)}.library_id AND ${library('rl')})`;

/** An area of at most this many jurisdictions (a county and its zones) is "small": see areaRules. */
const SMALL_AREA = 8;
/** A staff page is read as one index range per jurisdiction for areas up to this size (a city): see staffOfRecord. */
const BRANCHED_AREA = 32;

/**
 * BUREAU_ADMIN and ANALYST of J; VENDOR of J, narrowed to its listed schools when it has any.
 *
 * S(J) is resolved once, from the in-memory division tree, into a list of jurisdiction ids
 * (for the nation, nothing: every row lies in it and the rules fold to TRUE). "Campuses of
 * record" and "groups of record" then take one of two forms, both index lookups:
 * - a small area (a county, or a vendor narrowed to schools) holds a small part of the data:
 *   the sets are uncorrelated UNIONs the database builds from the jurisdiction indexes, and a
 *   list joins from them (a county's staff page reads its own staff, not the province's);
 * - a large area (a city, a province) holds most of what it lists: the test stays on the row
 *   (`jurisdiction_id = ANY(S(J))`, hashed), and only what a membership brings in is a hashed
 *   set, built once per statement and only if some row needs it.
 * Both say exactly the same thing (test/audience.test.ts compares them with the feed's keys).
 */
export function areaRules(caller: Caller, tree: JurisdictionDirectory): Rules {
  const J = caller.jurisdictionId!;
  const narrowed = caller.schoolIds.length > 0;
  const schools = caller.schoolIds;
  const everywhere = tree.coversAll(J);
  const area = tree.subtree(J);
  const small = narrowed || area.length <= SMALL_AREA;
  const col = (alias: string, column: string) => raw(`${alias}.${column}`);
  /** `jcol` lies in S(J). */
  const inArea = (jcol: Sql) => (everywhere ? TRUE : sql`${jcol} = ANY(${area}::uuid[])`);
  /** `jcol` lies on the line of the tree through J (libraries shared by JURISDICTION, cycles). */
  const onLine = (jcol: Sql) => (everywhere ? TRUE : sql`${jcol} = ANY(${tree.line(J)}::uuid[])`);
  /** `key` is one of the set's ids (never NULL: a NULL key is not among them). */
  const inSet = (key: Sql, set: Sql) => sql`(${key} IS NOT NULL AND ${key} IN (${set}))`;

  // A campus is local when it lies in S(J) (a narrowed vendor: and belongs to a listed school).
  const local = (c: string) => and([inArea(col(c, 'jurisdiction_id')), narrowed && sql`${col(c, 'school_id')} = ANY(${schools}::uuid[])`]);
  // Supervised here: this bureau decides for the group, so its line sees all of the group's side.
  const supervised = (g: string) => (narrowed ? FALSE : inArea(col(g, 'jurisdiction_id')));
  // Campuses an ACTIVE membership of a group supervised here brings in: one range of
  // `group_membership (group_jurisdiction_id, status)`, whose rows carry their group's and their
  // campus's jurisdiction (migration 1734200000000), rather than a join through the groups.
  const supervisedMembers = narrowed ? sql`SELECT NULL::uuid WHERE FALSE`
    : sql`SELECT am.campus_id FROM group_membership am WHERE am.status = 'ACTIVE' AND ${inArea(raw('am.group_jurisdiction_id'))}`;
  // Running groups (ACTIVE, SUSPENDED) a local campus is an ACTIVE member of; an application or
  // a past membership brings nothing.
  const groupsWithLocal = sql`SELECT hm.group_id FROM group_membership hm JOIN campus hc ON hc.id = hm.campus_id
    JOIN education_group hg ON hg.id = hm.group_id WHERE hm.status = 'ACTIVE' AND hg.status IN ('ACTIVE','SUSPENDED') AND ${local('hc')}`;

  /** The row's own test, for a campus `c` / a group `g` (large areas, and the sets of small ones). */
  const campusRow = (c: string) => or(local(c), narrowed ? FALSE : inSet(col(c, 'id'), supervisedMembers));
  const groupRow = (g: string) => or(supervised(g), and([sql`${col(g, 'status')} IN ('ACTIVE','SUSPENDED')`, inSet(col(g, 'id'), groupsWithLocal)]));

  /** `key` (a campus id) is a campus of record / a local campus; `key` (a group id) a group of record / supervised here. */
  const campusOf = (key: Sql) => (campusRow('x') === TRUE ? TRUE : small
    ? inSet(key, sql`SELECT lc.id FROM campus lc WHERE ${local('lc')} UNION ${supervisedMembers}`)
    : sql`EXISTS (SELECT 1 FROM campus xc WHERE xc.id = ${key} AND ${campusRow('xc')})`);
  const localOf = (key: Sql) => (local('x') === TRUE ? TRUE : small
    ? inSet(key, sql`SELECT lc.id FROM campus lc WHERE ${local('lc')}`)
    : sql`EXISTS (SELECT 1 FROM campus xc WHERE xc.id = ${key} AND ${local('xc')})`);
  const groupOf = (key: Sql) => (groupRow('x') === TRUE ? TRUE : small
    ? inSet(key, sql`SELECT sg.id FROM education_group sg WHERE ${supervised('sg')} UNION ${groupsWithLocal}`)
    : sql`EXISTS (SELECT 1 FROM education_group xg WHERE xg.id = ${key} AND ${groupRow('xg')})`);
  const supervisedOf = (key: Sql) => (narrowed ? FALSE : everywhere ? TRUE
    : sql`EXISTS (SELECT 1 FROM education_group xg WHERE xg.id = ${key} AND ${supervised('xg')})`);

  /**
   * Staff of record: those whose home campus is a campus of record. Each row carries its home
   * campus's jurisdiction (staff.home_jurisdiction_id, kept by a foreign key), so the test
   * stays on the row: at home in S(J), or at a campus a group supervised here brings in. For an
   * area of up to BRANCHED_AREA jurisdictions (a county, a city) it is also given as disjoint
   * branches, one per jurisdiction of S(J) and one for the campuses brought in from outside it,
   * so a page reads each branch's first rows from `staff (home_jurisdiction_id, id)` instead of
   * sorting the county's 10,000 or filtering the city's 45,000 in id order (bench/ a-county,
   * a-city). A province's staff are most of the data: its test stays on the row.
   */
  const staffOfRecord = (s: string): Sql => {
    if (narrowed || everywhere) return campusOf(col(s, 'home_campus_id'));
    const home = col(s, 'home_jurisdiction_id');
    const onRow = small ? campusOf(col(s, 'home_campus_id')) : or(inArea(home), inSet(col(s, 'home_campus_id'), supervisedMembers));
    if (area.length > BRANCHED_AREA) return onRow;
    // Those of its memberships whose campus lies outside S(J), read from the same index entries.
    const broughtIn = sql`${supervisedMembers} AND NOT (${inArea(raw('am.campus_jurisdiction_id'))})`;
    return new Alternatives(onRow, [
      // One `=` per jurisdiction: each is one ordered range of the index.
      ...area.map((j) => ({ where: sql`${home} = ${j}::uuid` })),
      // An array built first (an InitPlan), not `IN (...)`, and collected rather than read in id
      // order: the generic plan PostgreSQL keeps for the prepared page otherwise walked all staff
      // in id order, probing each (10-40 ms, bench/).
      { where: sql`${col(s, 'home_campus_id')} = ANY(ARRAY(${broughtIn}))`, few: true },
    ]);
  };

  const library: Rule = (l) => or(
    sql`${col(l, 'visibility')} = 'PUBLIC'`,
    groupOf(col(l, 'group_id')),
    and([sql`${col(l, 'visibility')} = 'JURISDICTION'`,
      everywhere ? TRUE : sql`EXISTS (SELECT 1 FROM education_group og WHERE og.id = ${col(l, 'group_id')} AND ${onLine(raw('og.jurisdiction_id'))})`]),
  );
  const cycle: Rule = (y) => onLine(col(y, 'jurisdiction_id'));
  const cycleOf = (key: Sql, test: (y: string) => Sql) => (test('x') === TRUE ? TRUE
    : sql`EXISTS (SELECT 1 FROM evaluation_cycle xy WHERE xy.id = ${key} AND ${test('xy')})`);
  return {
    Jurisdiction: () => TRUE,
    School: (s) => and([inArea(col(s, 'jurisdiction_id')), narrowed && sql`${col(s, 'id')} = ANY(${schools}::uuid[])`]),
    Campus: (c) => (small ? campusOf(col(c, 'id')) : campusRow(c)),
    EducationGroup: (g) => (small ? groupOf(col(g, 'id')) : groupRow(g)),
    GroupMembership: (m) => or(localOf(col(m, 'campus_id')), supervisedOf(col(m, 'group_id'))),
    Staff: staffOfRecord,
    Posting: (p) => or(localOf(col(p, 'from_campus_id')), localOf(col(p, 'to_campus_id')), supervisedOf(col(p, 'group_id'))),
    ResourceLibrary: library,
    Resource: (r) => sql`EXISTS (SELECT 1 FROM resource_library rl WHERE rl.id = ${col(r, 'library_id')} AND ${library('rl')})`,
    EvaluationCycle: cycle,
    // A campus's evaluations stay on its county's side, whichever bureau's cycle scored it; a
    // group's, and the rest of a cycle's, are read along the cycle bureau's line of the tree.
    Evaluation: (e) => or(
      campusOf(col(e, 'campus_id')),
      and([cycleOf(col(e, 'cycle_id'), cycle), or(groupOf(col(e, 'group_id')), narrowed ? FALSE : cycleOf(col(e, 'cycle_id'), (y) => inArea(col(y, 'jurisdiction_id'))))]),
    ),
    ApiClient: (a) => inArea(col(a, 'jurisdiction_id')),
    // Ratified grades (drafts included) and review cases: the bureaus over the group, i.e. the
    // supervising bureau's line upwards (核定考核等次 is the bureau's act; member counties and
    // narrowed vendors do not see it).
    GroupGrade: (r) => supervisedOf(col(r, 'group_id')),
    ReviewCase: (r) => supervisedOf(col(r, 'group_id')),
    // An entry names the jurisdictions it lies in; one naming none lies nowhere, for the nation too.
    AuditEntry: (a) => (everywhere ? sql`cardinality(${col(a, 'jurisdiction_ids')}) > 0` : sql`${col(a, 'jurisdiction_ids')} && ${area}::uuid[]`),
    // Saved analyses of the workbench (分析方案) are kept with a bureau, not an area: a BUREAU_ADMIN or
    // ANALYST of J reads its own and those shared by callers of J exactly (neither J's parents nor
    // its children). Other roles hold no rule: they keep none (savedAnalyses answers an empty list).
    SavedAnalysis: (s) => sql`(${col(s, 'jurisdiction_id')} = ${J}::uuid AND (${col(s, 'shared')}
      OR (${col(s, 'owner_subject')} = ${caller.subject} AND ${col(s, 'owner_role')} = ${caller.role})))`,
  };
}

/** GROUP_ADMIN of G: G, its memberships, its (active) campuses, their schools and staff, postings, libraries, evaluations. */
export function groupRules(caller: Caller): Rules {
  const G = caller.groupId!;
  const ofG = (g: string) => sql`${A(g)}.id = ${G}::uuid`;
  const home = sql`(SELECT jurisdiction_id FROM education_group WHERE id = ${G}::uuid)`;
  const campus: Rule = (c) => activeIn(c, ofG);
  const library = libraryRule(ofG, home);
  const cycle: Rule = (y) => related(sql`${A(y)}.jurisdiction_id`, home);
  return {
    Jurisdiction: () => raw('TRUE'),
    EducationGroup: ofG,
    GroupMembership: (m) => sql`${A(m)}.group_id = ${G}::uuid`,
    Campus: campus,
    School: (s) => sql`EXISTS (SELECT 1 FROM campus sc WHERE sc.school_id = ${A(s)}.id AND ${campus('sc')})`,
    Staff: (s) => sql`(EXISTS (SELECT 1 FROM campus hc WHERE hc.id = ${A(s)}.home_campus_id AND ${campus('hc')})
      OR EXISTS (SELECT 1 FROM posting sp WHERE sp.staff_id = ${A(s)}.id AND sp.group_id = ${G}::uuid))`,
    Posting: (p) => sql`${A(p)}.group_id = ${G}::uuid`,
    ResourceLibrary: library,
    Resource: resourceRule(library),
    EvaluationCycle: cycle,
    // Evaluations of the group and of its current member campuses (a campus that left takes its record along).
    Evaluation: (e) => sql`(${A(e)}.group_id = ${G}::uuid OR EXISTS (SELECT 1 FROM campus ec WHERE ec.id = ${A(e)}.campus_id AND ${campus('ec')}))
      AND EXISTS (SELECT 1 FROM evaluation_cycle ey WHERE ey.id = ${A(e)}.cycle_id AND ${cycle('ey')})`,
    // Its own grades once published (a draft override is the bureau's until it publishes), its review cases.
    GroupGrade: (r) => sql`${A(r)}.group_id = ${G}::uuid AND ${A(r)}.published_at IS NOT NULL`,
    ReviewCase: (r) => sql`${A(r)}.group_id = ${G}::uuid`,
  };
}

/** SCHOOL_ADMIN of S: S, its campuses and staff, the groups its campuses are active in, postings touching them. */
export function schoolRules(caller: Caller): Rules {
  const S = caller.schoolId!;
  const mine = (c: string) => sql`${A(c)}.school_id = ${S}::uuid`;
  const group: Rule = (g) => hasActive(g, mine);
  const home = sql`(SELECT jurisdiction_id FROM school WHERE id = ${S}::uuid)`;
  const library = libraryRule(group, home);
  const cycle: Rule = (y) => related(sql`${A(y)}.jurisdiction_id`, home);
  return {
    Jurisdiction: () => raw('TRUE'),
    School: (s) => sql`${A(s)}.id = ${S}::uuid`,
    Campus: mine,
    EducationGroup: group,
    GroupMembership: (m) => sql`EXISTS (SELECT 1 FROM campus mc WHERE mc.id = ${A(m)}.campus_id AND ${mine('mc')})`,
    Staff: (s) => sql`${A(s)}.school_id = ${S}::uuid`,
    Posting: (p) => sql`EXISTS (SELECT 1 FROM campus pc WHERE pc.id IN (${A(p)}.from_campus_id, ${A(p)}.to_campus_id) AND ${mine('pc')})`,
    ResourceLibrary: library,
    Resource: resourceRule(library),
    EvaluationCycle: cycle,
    Evaluation: (e) => sql`(EXISTS (SELECT 1 FROM campus ec WHERE ec.id = ${A(e)}.campus_id AND ${mine('ec')})
        OR EXISTS (SELECT 1 FROM education_group eg WHERE eg.id = ${A(e)}.group_id AND ${group('eg')}))
      AND EXISTS (SELECT 1 FROM evaluation_cycle ey WHERE ey.id = ${A(e)}.cycle_id AND ${cycle('ey')})`,
  };
}

/** EVALUATOR: the cycles it is assigned, their evaluations, the groups they cover and those groups' active campuses. */
export function evaluatorRules(caller: Caller): Rules {
  const Y = caller.cycleIds;
  const covered: Rule = (g) => sql`EXISTS (SELECT 1 FROM evaluation_cycle vy JOIN jurisdiction_ancestor x ON x.ancestor_id = vy.jurisdiction_id
    WHERE vy.id = ANY(${Y}::uuid[]) AND x.jurisdiction_id = ${A(g)}.jurisdiction_id)`;
  const campus: Rule = (c) => activeIn(c, covered);
  const library = libraryRule(() => raw('FALSE'), null);
  return {
    Jurisdiction: () => raw('TRUE'),
    EvaluationCycle: (y) => sql`${A(y)}.id = ANY(${Y}::uuid[])`,
    Evaluation: (e) => sql`${A(e)}.cycle_id = ANY(${Y}::uuid[])`,
    EducationGroup: covered,
    GroupMembership: (m) => sql`EXISTS (SELECT 1 FROM education_group mg WHERE mg.id = ${A(m)}.group_id AND ${covered('mg')})`,
    Campus: campus,
    School: (s) => sql`EXISTS (SELECT 1 FROM campus sc WHERE sc.school_id = ${A(s)}.id AND ${campus('sc')})`,
    ResourceLibrary: library,
    Resource: resourceRule(library),
  };
}
