import { FALSE, raw, sql, Sql, TRUE } from '../db/sql';
import type { JurisdictionDirectory } from '../jurisdictions/directory';
import { hubError } from '../graphql/errors';
import { Caller } from './caller';
import { areaRules, evaluatorRules, groupRules, Rules, schoolRules } from './rules';

/** Entity kinds whose visibility the access module decides (GraphQL type names). */
export type EntityKind =
  | 'Jurisdiction' | 'School' | 'Campus' | 'EducationGroup' | 'GroupMembership' | 'Staff'
  | 'Posting' | 'ResourceLibrary' | 'Resource' | 'EvaluationCycle' | 'Evaluation' | 'ApiClient'
  | 'AuditEntry' | 'GroupGrade' | 'ReviewCase' | 'SavedAnalysis';

/** Entity classes that are read under another kind's rules (parts of it). */
const KIND_OF_CLASS: Record<string, EntityKind> = {
  MembershipApproval: 'GroupMembership',
  EvaluationIndicator: 'EvaluationCycle',
  EvaluationScore: 'Evaluation',
  AuditEntryRow: 'AuditEntry',
};

export function kindOf(entity: Function): EntityKind {
  return KIND_OF_CLASS[entity.name] ?? (entity.name as EntityKind);
}

/** What a VENDOR's scopes grant to read (DOMAIN.md: campus:read, staff:read, ...). */
const VENDOR_READ_SCOPES: Partial<Record<EntityKind, string>> = {
  School: 'campus:read',
  Campus: 'campus:read',
  EducationGroup: 'group:read',
  GroupMembership: 'group:read',
  Staff: 'staff:read',
  Posting: 'posting:read',
  ResourceLibrary: 'resource:read',
  Resource: 'resource:read',
  EvaluationCycle: 'evaluation:read',
  Evaluation: 'evaluation:read',
  GroupGrade: 'evaluation:read',
  ReviewCase: 'evaluation:read',
};

/**
 * The relations through which an entity outside the scope of record is reached, as SQL on
 * the row aliased `a` (DOMAIN.md "Reachable"). One hop from rows visible in their own right,
 * plus a reached group's lead campus and a reached campus's school.
 */
const REACH: Partial<Record<EntityKind, (a: string, s: Scope) => Sql>> = {
  EducationGroup: (a, s) => { const r = raw(`${a}_r`), rn = `${a}_r`; return sql`(
    EXISTS (SELECT 1 FROM group_membership ${r} WHERE ${r}.group_id = ${raw(a)}.id AND ${s.visible('GroupMembership', rn)})
    OR EXISTS (SELECT 1 FROM posting ${r} WHERE ${r}.group_id = ${raw(a)}.id AND ${s.visible('Posting', rn)})
    OR EXISTS (SELECT 1 FROM resource_library ${r} WHERE ${r}.group_id = ${raw(a)}.id AND ${s.visible('ResourceLibrary', rn)})
    OR EXISTS (SELECT 1 FROM evaluation ${r} WHERE ${r}.group_id = ${raw(a)}.id AND ${s.visible('Evaluation', rn)}))`; },
  Campus: (a, s) => { const r = raw(`${a}_r`), rn = `${a}_r`; return sql`(
    EXISTS (SELECT 1 FROM group_membership ${r} WHERE ${r}.campus_id = ${raw(a)}.id AND ${s.visible('GroupMembership', rn)})
    OR EXISTS (SELECT 1 FROM posting ${r} WHERE ${raw(a)}.id IN (${r}.from_campus_id, ${r}.to_campus_id) AND ${s.visible('Posting', rn)})
    OR EXISTS (SELECT 1 FROM staff ${r} WHERE ${r}.home_campus_id = ${raw(a)}.id AND ${s.visible('Staff', rn)})
    OR EXISTS (SELECT 1 FROM resource ${r} WHERE ${r}.contributing_campus_id = ${raw(a)}.id AND ${r}.deleted_at IS NULL AND ${s.visible('Resource', rn)})
    OR EXISTS (SELECT 1 FROM evaluation ${r} WHERE ${r}.campus_id = ${raw(a)}.id AND ${s.visible('Evaluation', rn)})
    OR EXISTS (SELECT 1 FROM education_group ${r} WHERE ${r}.lead_campus_id = ${raw(a)}.id AND ${s.reachable('EducationGroup', rn)}))`; },
  School: (a, s) => { const r = raw(`${a}_r`), rn = `${a}_r`; return sql`EXISTS (SELECT 1 FROM campus ${r} WHERE ${r}.school_id = ${raw(a)}.id AND ${s.reachable('Campus', rn)})`; },
  Staff: (a, s) => { const r = raw(`${a}_r`), rn = `${a}_r`; return sql`(
    EXISTS (SELECT 1 FROM posting ${r} WHERE ${r}.staff_id = ${raw(a)}.id AND ${s.visible('Posting', rn)})
    OR EXISTS (SELECT 1 FROM resource ${r} WHERE ${r}.contributor_id = ${raw(a)}.id AND ${r}.deleted_at IS NULL AND ${s.visible('Resource', rn)}))`; },
};

/** Kinds only bureau administrators read. */
const BUREAU_ONLY: EntityKind[] = ['ApiClient', 'AuditEntry'];

/**
 * What one caller may see, as SQL. Every list in the hub asks `visible(kind, alias)` (the
 * scope of record) for the rows it selects, so lists, totals, cursors, nested edges, figures
 * and the feed all see the same set; lookups by id ask `reachable`, which adds what relations
 * of that set name. Authorization is decided here and applied in the database, never after
 * paging. Kinds a caller may not read at all answer FORBIDDEN (naming the scope or role
 * needed); rows neither in scope nor reachable are simply absent (null for single lookups).
 */
export class Scope {
  private constructor(
    readonly caller: Caller,
    private readonly rules: Rules,
    /** The division tree (reference data, in memory). */
    readonly tree: JurisdictionDirectory,
  ) {}

  /** `tree`: the division tree (jurisdictions/directory.ts), where S(J) is looked up. */
  static forCaller(caller: Caller, tree: JurisdictionDirectory): Scope {
    switch (caller.role) {
      case 'BUREAU_ADMIN':
      case 'ANALYST':
      case 'VENDOR':
        return new Scope(caller, areaRules(caller, tree), tree);
      case 'GROUP_ADMIN':
        return new Scope(caller, groupRules(caller), tree);
      case 'SCHOOL_ADMIN':
        return new Scope(caller, schoolRules(caller), tree);
      case 'EVALUATOR':
        return new Scope(caller, evaluatorRules(caller), tree);
    }
  }

  get subject(): string {
    return this.caller.subject;
  }

  /** Why this caller may not read a kind at all, or null when it may. */
  private denial(kind: EntityKind): string | null {
    const role = this.caller.role;
    if (BUREAU_ONLY.includes(kind) && role !== 'BUREAU_ADMIN') return `${kind} is readable by BUREAU_ADMIN only`;
    if (role === 'VENDOR' && kind !== 'Jurisdiction') {
      const needed = VENDOR_READ_SCOPES[kind];
      if (!needed) return `${kind} is not readable with an API client`;
      if (!this.caller.scopes.includes(needed)) return `reading ${kind} needs the scope ${needed}`;
    }
    if (!this.rules[kind]) return `${role} callers may not read ${kind}`;
    return null;
  }

  canRead(kind: EntityKind): boolean {
    return this.denial(kind) === null;
  }

  /** Throws FORBIDDEN, saying what is missing, when the caller may not read this kind at all. */
  assertReadable(kind: EntityKind): void {
    const why = this.denial(kind);
    if (why) throw hubError('FORBIDDEN', why);
  }

  /**
   * A condition on the row aliased `alias` (of the given kind) that holds when it lies in the
   * caller's scope of record: what it lists, counts and reads figures of.
   */
  visible(kind: EntityKind, alias: string): Sql {
    if (this.denial(kind)) return FALSE;
    return this.rules[kind]!(alias);
  }

  /**
   * In the scope of record, or reached through a non-null relation of something in it (a
   * membership's group, a shared library's group and contributing campus, a posting's staff
   * and campuses): what a lookup by id (`node`, `group(id)`, ...) may answer. A reached entity
   * shows its identity; its lists stay filtered by `visible` and its figures answer FORBIDDEN.
   */
  reachable(kind: EntityKind, alias: string): Sql {
    if (this.denial(kind)) return raw('FALSE');
    const via = REACH[kind];
    const visible = this.visible(kind, alias);
    return via && visible !== TRUE ? sql`(${visible} OR ${via(alias, this)})` : visible;
  }

  /**
   * The caller's home jurisdictions, as a subquery of ids: where `jurisdictions` starts for
   * it (a bureau's own, a group's supervising bureau, a school's county, a cycle's bureau).
   */
  homeJurisdictionIds(): Sql {
    const c = this.caller;
    if (c.jurisdictionId) return sql`SELECT ${c.jurisdictionId}::uuid`;
    if (c.groupId) return sql`SELECT jurisdiction_id FROM education_group WHERE id = ${c.groupId}::uuid`;
    if (c.schoolId) return sql`SELECT jurisdiction_id FROM school WHERE id = ${c.schoolId}::uuid`;
    return sql`SELECT jurisdiction_id FROM evaluation_cycle WHERE id = ANY(${c.cycleIds}::uuid[])`;
  }

  /** Analysts see staff pseudonymised: name masked to its first character, no ID number. */
  get pseudonymiseStaff(): boolean {
    return this.caller.role === 'ANALYST';
  }

  /** Whether staff ID numbers may be revealed in full: the pii:read scope, never for analysts. */
  get canReadPii(): boolean {
    return this.caller.scopes.includes('pii:read') && !this.pseudonymiseStaff;
  }
}
