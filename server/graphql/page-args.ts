import type { Sql } from '../db/sql';
import { badInput } from './errors';

/**
 * What a list is and how its arguments are read: page size, cursors and the list's spec.
 * Shared by the connections (connection.ts) and the statements that fetch nested pages of a
 * list in their parent's statement (prefetch.ts).
 */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** A list of one entity: which rows (FROM/WHERE, scope included) in which order. */
export interface ListSpec<T> {
  entity: new () => T;
  /** FROM clause; the entity's columns are selected on `<alias>` (db/rows.ts columnsOf). */
  from: Sql;
  alias: string;
  /** Filters and the caller's scope. */
  where: Sql;
  /** A unique, immutable column expression (e.g. `c.id`, `j.code`). */
  sortKey: string;
  /** The one table `from` names (`<table> <alias>`), when it is one: see pageKeysFirst. */
  table?: string;
  /** The row's value of sortKey (for cursors). */
  keyOf(row: T): string;
  /** Newest first (top-level lists only). */
  descending?: boolean;
}

/** A list nested under parents, batched: `parentKey = ANY(parent ids)`. */
export interface NestedListSpec<T> extends ListSpec<T> {
  parentKey: string;
}

export function encodeCursor(key: string): string {
  return Buffer.from(`k:${key}`, 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIVISION_CODE = /^\d{6}$/;

/**
 * The shape a list's sort key must have, judged from its column: a forged cursor carrying
 * anything else is the client's mistake (BAD_USER_INPUT), not a database error.
 */
function keyPattern(sortKey: string): RegExp | undefined {
  if (/\.id$/.test(sortKey)) return UUID;
  if (/\.code$/.test(sortKey)) return DIVISION_CODE;
  return undefined;
}

/** The key an `after` cursor carries; `pattern` (from the list's sort key) checks its shape. */
export function decodeCursor(cursor: string | null | undefined, pattern?: RegExp): string | null {
  if (cursor == null || cursor === '') return null;
  const text = cursor.length <= 200 && /^[A-Za-z0-9_-]+={0,2}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const key = text.slice(2);
  if (!text.startsWith('k:') || key.length < 1 || key.length > 100 || (pattern && !pattern.test(key))) {
    throw badInput('after', 'after is not a cursor returned by this list');
  }
  return key;
}

/** The `after` cursor of a list built from `spec`. */
export function afterKey(spec: ListSpec<unknown>, after: string | null | undefined): string | null {
  return decodeCursor(after, keyPattern(spec.sortKey));
}

export function pageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE) {
    throw badInput('first', `first must be between 0 and ${MAX_PAGE}`);
  }
  return n;
}
