import { raw, sql, Sql } from '../db/sql';

/**
 * Postings that took place (DOMAIN.md, Postings): ACTIVE or COMPLETED. Rotation figures count
 * these only; PLANNED postings are reported apart (plannedPostingCount, plannedRotationRate)
 * and CANCELLED ones never count.
 */
export const TOOK_PLACE: readonly string[] = ['ACTIVE', 'COMPLETED'];
export const PLANNED: readonly string[] = ['PLANNED'];

/**
 * Whether posting `p` counts for a figure over the half-open span of days [from, until): its
 * status is one of `statuses` (by default: it took place) and its period overlaps the span (an
 * open-ended posting runs on). The one definition of "a posting that counts" behind group and
 * jurisdiction rotation figures and posting counts.
 */
export function countedPosting(p: string, from: Sql, until: Sql, statuses: readonly string[] = TOOK_PLACE): Sql {
  const P = raw(p);
  return sql`(${from} < ${until} AND ${P}.status = ANY(${[...statuses]}::text[]) AND ${P}.start_date < ${until} AND (${P}.end_date IS NULL OR ${P}.end_date >= ${from}))`;
}
