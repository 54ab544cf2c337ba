import { raw, Sql } from '../db/sql';

/** Entity kinds whose visibility the access module decides (GraphQL type names). */
export type EntityKind =
  | 'Jurisdiction' | 'School' | 'Campus' | 'EducationGroup' | 'GroupMembership' | 'Staff'
  | 'Posting' | 'ResourceLibrary' | 'Resource' | 'EvaluationCycle' | 'Evaluation' | 'ApiClient'
  | 'AuditEntry';

/**
 * What one caller may see, as SQL. Every read in the hub asks `visible(kind, alias)` for the
 * rows it selects, so lists, totals, cursors, `node(id)` and nested edges all see the same
 * set: authorization is decided here and applied in the database, never after paging.
 *
 * The foundation has no callers yet (authentication comes with the access issue), so the
 * only scope is `unrestricted`, used by the server until then and by trusted scripts.
 */
export class Scope {
  private constructor(
    readonly subject: string,
    private readonly predicate: (kind: EntityKind, alias: string) => Sql,
  ) {}

  static unrestricted(subject = 'system'): Scope {
    return new Scope(subject, () => raw('TRUE'));
  }

  /** A condition on the row aliased `alias` (of the given kind) that holds when it is visible. */
  visible(kind: EntityKind, alias: string): Sql {
    return this.predicate(kind, alias);
  }

  /** Whether staff ID numbers may be revealed in full (the pii:read scope). */
  get canReadPii(): boolean {
    return false;
  }
}
