import type { Context } from './context';
import type { NestedListSpec } from './page-args';

/**
 * A connection under each row of a parent type (a group's memberships, a campus's staff),
 * declared once: which rows it holds for given arguments. Its resolver pages it
 * (connection.ts nestedConnection), and a statement that reads the parent rows may fetch the
 * pages itself (prefetch.ts): both build the rows from this one spec, scope included.
 */
export interface ToMany<T = any, A = any> {
  /** The parent's GraphQL type and the connection field on it. */
  type: string;
  field: string;
  /** The rows' entity and the alias `spec` selects them on (fixed: plans are made before a spec is). */
  entity: new () => T;
  alias: string;
  /** Identifies the arguments (parents asking with the same ones share a batch). */
  key(args: A): string;
  /** The rows for these arguments and this caller; may throw the arguments' errors. */
  spec(ctx: Context, args: A): NestedListSpec<T>;
}

const declared = new Map<string, ToMany>();

export function toMany<T, A>(def: ToMany<T, A>): ToMany<T, A> {
  declared.set(`${def.type}.${def.field}`, def);
  return def;
}

/** The connection declared for `type.field`, if any. */
export function toManyOf(type: string, field: string): ToMany | undefined {
  return declared.get(`${type}.${field}`);
}
