import { hubError } from '../graphql/errors';
import type { Context } from '../graphql/context';

/**
 * Who may act as what, for writes. A bureau acts only for the jurisdiction that is exactly its
 * own (DOMAIN.md); group and school administrators for their own group and school. FORBIDDEN
 * says which role and anchor the action needs.
 */
export function isBureauOf(ctx: Context, jurisdictionId: string): boolean {
  const c = ctx.scope.caller;
  return c.role === 'BUREAU_ADMIN' && c.jurisdictionId === jurisdictionId;
}

export function isGroupAdminOf(ctx: Context, groupId: string): boolean {
  const c = ctx.scope.caller;
  return c.role === 'GROUP_ADMIN' && c.groupId === groupId;
}

export function isSchoolAdminOf(ctx: Context, schoolId: string): boolean {
  const c = ctx.scope.caller;
  return c.role === 'SCHOOL_ADMIN' && c.schoolId === schoolId;
}

/** A VENDOR whose grant includes `scope` and covers the school (no listed schools: all of its jurisdiction). */
export function isVendorWith(ctx: Context, scope: string, schoolId: string): boolean {
  const c = ctx.scope.caller;
  return c.role === 'VENDOR' && c.scopes.includes(scope) && (c.schoolIds.length === 0 || c.schoolIds.includes(schoolId));
}

export function forbidden(needs: string) {
  return hubError('FORBIDDEN', `this action needs ${needs}`);
}

/** Jurisdiction label for messages, e.g. "BUREAU_ADMIN of 沙坡头区 (640502)". */
export const bureau = (j: { name: string; code: string }) => `BUREAU_ADMIN of ${j.name} (${j.code})`;

export function requireWriter(ctx: Context) {
  if (ctx.scope.caller.role === 'ANALYST') throw hubError('FORBIDDEN', 'ANALYST callers never write');
}
