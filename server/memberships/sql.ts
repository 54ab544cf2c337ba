import { raw, sql, Sql } from '../db/sql';

/**
 * Whether membership `m` of group `g` makes its campus part of the group on `day`
 * (YYYY-MM-DD): joined by then and not yet left, in a group that was approved and not yet
 * dissolved. A SUSPENDED group still counts: its members have not left it.
 * The one definition behind coverage, `grouped`, stats and funding.
 */
export function memberOn(m: string, g: string, day: string): Sql {
  const M = raw(m);
  const G = raw(g);
  return sql`${M}.status IN ('ACTIVE','EXITED') AND ${M}.joined_on <= ${day}::date
    AND (${M}.left_on IS NULL OR ${M}.left_on > ${day}::date)
    AND ${G}.status <> 'PROPOSED' AND (${G}.dissolved_on IS NULL OR ${G}.dissolved_on > ${day}::date)`;
}

/** Escapes a user's substring for ILIKE. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
