import { raw, sql, Sql } from '../db/sql';
import { Caller } from './caller';
import type { EntityKind } from './scope';

/**
 * DOMAIN.md "Who sees what", as SQL: for each role, a condition per entity kind on the row
 * aliased `a`. Conditions are correlated EXISTS subqueries over indexed columns, so a list
 * filtered by them pages, counts and batches exactly like an unfiltered one.
 *
 * Shared vocabulary (J = the caller's jurisdiction, S(J) = J and everything below it):
 * - a campus is *local* when it lies in S(J) (and, for a vendor with listed schools, belongs
 *   to one of them);
 * - a group is *touched* when it is supervised in S(J) or has a local campus among its
 *   memberships (any status): a cross-county group is visible to every county it touches;
 * - the campuses of a visible group are visible as campuses (name, size: the group's own
 *   make-up), but memberships, staff, postings and evaluations stay on each county's side.
 */
export type Rule = (alias: string) => Sql;
export type Rules = Partial<Record<EntityKind, Rule>>;

const A = (alias: string) => raw(alias);

/** `jcol` lies in S(anchor). */
const within = (jcol: Sql, anchor: unknown) =>
  sql`EXISTS (SELECT 1 FROM jurisdiction_ancestor x WHERE x.ancestor_id = ${anchor}::uuid AND x.jurisdiction_id = ${jcol})`;

/** `jcol` and `anchor` lie on one line of the tree (one is an ancestor-or-self of the other). */
const related = (jcol: Sql, anchor: unknown) => sql`(${within(jcol, anchor)} OR EXISTS (SELECT 1 FROM jurisdiction_ancestor x
  WHERE x.ancestor_id = ${jcol} AND x.jurisdiction_id = ${anchor}::uuid))`;

/** Library visibility beyond its own group: PUBLIC, or JURISDICTION for callers related to the supervising bureau. */
function libraryAudience(a: string, groupAudience: (g: string) => Sql, anchorJurisdiction: Sql): Sql {
  return sql`(${A(a)}.visibility = 'PUBLIC'
    OR EXISTS (SELECT 1 FROM education_group lg WHERE lg.id = ${A(a)}.group_id AND (${groupAudience('lg')}
      OR (${A(a)}.visibility = 'JURISDICTION' AND ${related(sql`lg.jurisdiction_id`, anchorJurisdiction)}))))`;
}

/**
 * What a library shared beyond its group (PUBLIC, or JURISDICTION for related callers) brings
 * with it: its group, the group's lead campus and the contributing campuses of its resources
 * become visible as provenance (the API never shows a resource without its group and campus).
 */
function sharedProvenance(anchorJurisdiction: Sql | null) {
  const audience = (l: string) =>
    anchorJurisdiction
      ? sql`(${A(l)}.visibility = 'PUBLIC' OR (${A(l)}.visibility = 'JURISDICTION' AND EXISTS (SELECT 1 FROM education_group sg2
          WHERE sg2.id = ${A(l)}.group_id AND ${related(sql`sg2.jurisdiction_id`, anchorJurisdiction)})))`
      : sql`${A(l)}.visibility = 'PUBLIC'`;
  return {
    group: (g: string) => sql`EXISTS (SELECT 1 FROM resource_library sl WHERE sl.group_id = ${A(g)}.id AND ${audience('sl')})`,
    campus: (c: string) => sql`(EXISTS (SELECT 1 FROM education_group sg JOIN resource_library sl ON sl.group_id = sg.id
        WHERE sg.lead_campus_id = ${A(c)}.id AND ${audience('sl')})
      OR EXISTS (SELECT 1 FROM resource sr JOIN resource_library sl ON sl.id = sr.library_id
        WHERE sr.contributing_campus_id = ${A(c)}.id AND sr.deleted_at IS NULL AND ${audience('sl')}))`,
  };
}

/** BUREAU_ADMIN and ANALYST of J; VENDOR of J, narrowed to its listed schools when it has any. */
export function areaRules(caller: Caller): Rules {
  const J = caller.jurisdictionId!;
  const narrowed = caller.schoolIds.length > 0;
  const local = (c: string) =>
    narrowed ? sql`(${within(sql`${A(c)}.jurisdiction_id`, J)} AND ${A(c)}.school_id = ANY(${caller.schoolIds}::uuid[]))` : within(sql`${A(c)}.jurisdiction_id`, J);
  const touched = (g: string) => sql`(${narrowed ? raw('FALSE') : within(sql`${A(g)}.jurisdiction_id`, J)}
    OR EXISTS (SELECT 1 FROM group_membership tm JOIN campus tc ON tc.id = tm.campus_id WHERE tm.group_id = ${A(g)}.id AND ${local('tc')}))`;
  // Supervised here: this bureau decides for the group, so it sees all of the group's side.
  const supervised = (g: string) => (narrowed ? raw('FALSE') : within(sql`${A(g)}.jurisdiction_id`, J));
  const shared = sharedProvenance(sql`${J}::uuid`);
  const campus: Rule = (a) => sql`(${local(a)} OR EXISTS (SELECT 1 FROM group_membership cm JOIN education_group cg ON cg.id = cm.group_id
    WHERE cm.campus_id = ${A(a)}.id AND ${touched('cg')}) OR ${shared.campus(a)})`;
  const postingTouches = (p: string) => sql`(EXISTS (SELECT 1 FROM campus pc WHERE pc.id IN (${A(p)}.from_campus_id, ${A(p)}.to_campus_id) AND ${local('pc')})
    OR EXISTS (SELECT 1 FROM education_group pg WHERE pg.id = ${A(p)}.group_id AND ${supervised('pg')}))`;
  const group: Rule = (a) => sql`(${touched(a)} OR ${shared.group(a)})`;
  const library: Rule = (a) => libraryAudience(a, touched, sql`${J}::uuid`);
  const cycle: Rule = (a) => related(sql`${A(a)}.jurisdiction_id`, J);
  return {
    Jurisdiction: () => raw('TRUE'),
    Campus: campus,
    School: (a) => sql`(${narrowed ? sql`${A(a)}.id = ANY(${caller.schoolIds}::uuid[])` : within(sql`${A(a)}.jurisdiction_id`, J)}
      OR EXISTS (SELECT 1 FROM campus sc WHERE sc.school_id = ${A(a)}.id AND ${campus('sc')}))`,
    EducationGroup: group,
    GroupMembership: (a) => sql`(EXISTS (SELECT 1 FROM campus mc WHERE mc.id = ${A(a)}.campus_id AND ${local('mc')})
      OR EXISTS (SELECT 1 FROM education_group mg WHERE mg.id = ${A(a)}.group_id AND ${supervised('mg')}))`,
    Staff: (a) => sql`(EXISTS (SELECT 1 FROM campus hc WHERE hc.id = ${A(a)}.home_campus_id AND (${local('hc')}
        OR EXISTS (SELECT 1 FROM group_membership hm JOIN education_group hg ON hg.id = hm.group_id
                   WHERE hm.campus_id = hc.id AND hm.status = 'ACTIVE' AND ${supervised('hg')})))
      OR EXISTS (SELECT 1 FROM posting sp WHERE sp.staff_id = ${A(a)}.id AND ${postingTouches('sp')}))`,
    Posting: postingTouches,
    ResourceLibrary: library,
    Resource: (a) => sql`EXISTS (SELECT 1 FROM resource_library rl WHERE rl.id = ${A(a)}.library_id AND ${library('rl')})`,
    EvaluationCycle: cycle,
    Evaluation: (a) => sql`(EXISTS (SELECT 1 FROM evaluation_cycle ey WHERE ey.id = ${A(a)}.cycle_id AND ${cycle('ey')})
      AND (EXISTS (SELECT 1 FROM education_group eg WHERE eg.id = ${A(a)}.group_id AND ${touched('eg')})
        OR EXISTS (SELECT 1 FROM campus ec WHERE ec.id = ${A(a)}.campus_id AND ${local('ec')})
        OR EXISTS (SELECT 1 FROM evaluation_cycle ey2 WHERE ey2.id = ${A(a)}.cycle_id AND ${narrowed ? raw('FALSE') : within(sql`ey2.jurisdiction_id`, J)})))`,
    ApiClient: (a) => within(sql`${A(a)}.jurisdiction_id`, J),
    AuditEntry: (a) => sql`EXISTS (SELECT 1 FROM jurisdiction_ancestor x WHERE x.ancestor_id = ${J}::uuid AND x.jurisdiction_id = ANY(${A(a)}.jurisdiction_ids))`,
  };
}

/** GROUP_ADMIN of G: G, its memberships, campuses, their schools and staff, postings, libraries, evaluations. */
export function groupRules(caller: Caller): Rules {
  const G = caller.groupId!;
  const ofGroup = (g: string) => sql`${A(g)}.id = ${G}::uuid`;
  const home = sql`(SELECT jurisdiction_id FROM education_group WHERE id = ${G}::uuid)`;
  const shared = sharedProvenance(home);
  const campus: Rule = (a) => sql`(EXISTS (SELECT 1 FROM group_membership cm WHERE cm.campus_id = ${A(a)}.id AND cm.group_id = ${G}::uuid)
    OR ${shared.campus(a)})`;
  const library: Rule = (a) => libraryAudience(a, ofGroup, home);
  const cycle: Rule = (a) => related(sql`${A(a)}.jurisdiction_id`, home);
  return {
    Jurisdiction: () => raw('TRUE'),
    EducationGroup: (a) => sql`(${ofGroup(a)} OR ${shared.group(a)})`,
    GroupMembership: (a) => sql`${A(a)}.group_id = ${G}::uuid`,
    Campus: campus,
    School: (a) => sql`EXISTS (SELECT 1 FROM campus sc WHERE sc.school_id = ${A(a)}.id AND ${campus('sc')})`,
    Staff: (a) => sql`(EXISTS (SELECT 1 FROM group_membership hm WHERE hm.campus_id = ${A(a)}.home_campus_id AND hm.group_id = ${G}::uuid AND hm.status = 'ACTIVE')
      OR EXISTS (SELECT 1 FROM posting sp WHERE sp.staff_id = ${A(a)}.id AND sp.group_id = ${G}::uuid))`,
    Posting: (a) => sql`${A(a)}.group_id = ${G}::uuid`,
    ResourceLibrary: library,
    Resource: (a) => sql`EXISTS (SELECT 1 FROM resource_library rl WHERE rl.id = ${A(a)}.library_id AND ${library('rl')})`,
    EvaluationCycle: cycle,
    Evaluation: (a) => sql`(${A(a)}.group_id = ${G}::uuid OR EXISTS (SELECT 1 FROM group_membership em WHERE em.campus_id = ${A(a)}.campus_id AND em.group_id = ${G}::uuid))
      AND EXISTS (SELECT 1 FROM evaluation_cycle ey WHERE ey.id = ${A(a)}.cycle_id AND ${cycle('ey')})`,
  };
}

/** SCHOOL_ADMIN of S: S, its campuses and staff, the groups they belong to, postings touching them. */
export function schoolRules(caller: Caller): Rules {
  const S = caller.schoolId!;
  const mine = (c: string) => sql`${A(c)}.school_id = ${S}::uuid`;
  const myGroup = (g: string) => sql`EXISTS (SELECT 1 FROM group_membership tm JOIN campus tc ON tc.id = tm.campus_id
    WHERE tm.group_id = ${A(g)}.id AND ${mine('tc')})`;
  const home = sql`(SELECT jurisdiction_id FROM school WHERE id = ${S}::uuid)`;
  const shared = sharedProvenance(home);
  // Fellow campuses of the groups a campus of S is active in, and the lead of any group of S's.
  const campus: Rule = (a) => sql`(${mine(a)} OR ${shared.campus(a)}
    OR EXISTS (SELECT 1 FROM education_group lg WHERE lg.lead_campus_id = ${A(a)}.id AND ${myGroup('lg')})
    OR EXISTS (SELECT 1 FROM group_membership fm JOIN group_membership om ON om.group_id = fm.group_id AND om.status = 'ACTIVE'
               JOIN campus oc ON oc.id = om.campus_id
               WHERE fm.campus_id = ${A(a)}.id AND fm.status = 'ACTIVE' AND ${mine('oc')}))`;
  const touches = (p: string) => sql`EXISTS (SELECT 1 FROM campus pc WHERE pc.id IN (${A(p)}.from_campus_id, ${A(p)}.to_campus_id) AND ${mine('pc')})`;
  const library: Rule = (a) => libraryAudience(a, (g) => sql`EXISTS (SELECT 1 FROM group_membership tm JOIN campus tc ON tc.id = tm.campus_id
      WHERE tm.group_id = ${A(g)}.id AND tm.status = 'ACTIVE' AND ${mine('tc')})`, home);
  const cycle: Rule = (a) => related(sql`${A(a)}.jurisdiction_id`, home);
  return {
    Jurisdiction: () => raw('TRUE'),
    School: (a) => sql`(${A(a)}.id = ${S}::uuid OR EXISTS (SELECT 1 FROM campus sc WHERE sc.school_id = ${A(a)}.id AND ${campus('sc')}))`,
    Campus: campus,
    EducationGroup: (a) => sql`(${myGroup(a)} OR ${shared.group(a)})`,
    GroupMembership: (a) => sql`EXISTS (SELECT 1 FROM campus mc WHERE mc.id = ${A(a)}.campus_id AND ${mine('mc')})`,
    Staff: (a) => sql`(${A(a)}.school_id = ${S}::uuid OR EXISTS (SELECT 1 FROM posting sp WHERE sp.staff_id = ${A(a)}.id AND ${touches('sp')}))`,
    Posting: touches,
    ResourceLibrary: library,
    Resource: (a) => sql`EXISTS (SELECT 1 FROM resource_library rl WHERE rl.id = ${A(a)}.library_id AND ${library('rl')})`,
    EvaluationCycle: cycle,
    Evaluation: (a) => sql`(EXISTS (SELECT 1 FROM campus ec WHERE ec.id = ${A(a)}.campus_id AND ${mine('ec')})
        OR EXISTS (SELECT 1 FROM education_group eg WHERE eg.id = ${A(a)}.group_id AND ${myGroup('eg')}))
      AND EXISTS (SELECT 1 FROM evaluation_cycle ey WHERE ey.id = ${A(a)}.cycle_id AND ${cycle('ey')})`,
  };
}

/** EVALUATOR: the cycles it is assigned and their targets (the groups they cover, and those groups' campuses). */
export function evaluatorRules(caller: Caller): Rules {
  const Y = caller.cycleIds;
  const covered = (g: string) => sql`EXISTS (SELECT 1 FROM evaluation_cycle vy JOIN jurisdiction_ancestor x ON x.ancestor_id = vy.jurisdiction_id
    WHERE vy.id = ANY(${Y}::uuid[]) AND x.jurisdiction_id = ${A(g)}.jurisdiction_id)`;
  const shared = sharedProvenance(null);
  const campus: Rule = (a) => sql`(EXISTS (SELECT 1 FROM group_membership cm JOIN education_group cg ON cg.id = cm.group_id
    WHERE cm.campus_id = ${A(a)}.id AND ${covered('cg')}) OR ${shared.campus(a)})`;
  return {
    Jurisdiction: () => raw('TRUE'),
    EvaluationCycle: (a) => sql`${A(a)}.id = ANY(${Y}::uuid[])`,
    Evaluation: (a) => sql`${A(a)}.cycle_id = ANY(${Y}::uuid[])`,
    EducationGroup: (a) => sql`(${covered(a)} OR ${shared.group(a)})`,
    GroupMembership: (a) => sql`EXISTS (SELECT 1 FROM education_group mg WHERE mg.id = ${A(a)}.group_id AND ${covered('mg')})`,
    Campus: campus,
    School: (a) => sql`EXISTS (SELECT 1 FROM campus sc WHERE sc.school_id = ${A(a)}.id AND ${campus('sc')})`,
    ResourceLibrary: (a) => sql`${A(a)}.visibility = 'PUBLIC'`,
    Resource: (a) => sql`EXISTS (SELECT 1 FROM resource_library rl WHERE rl.id = ${A(a)}.library_id AND rl.visibility = 'PUBLIC')`,
  };
}
