import type { SchoolYear } from '../calendar';
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

/*
 * A school year's membership (DOMAIN.md, Postings: "a membership covering part of a school year
 * counts for that part"). The one rule behind every figure of a year (group stats, funding,
 * rotation, the jurisdictions' rotation); coverage and `grouped` describe a day (memberOn).
 * - A group operates on the days d with established_on <= d < dissolved_on (approved, not
 *   PROPOSED; a SUSPENDED group still operates): dissolved on its 85th day, it operated 84.
 *   Approved without a recorded date, it is taken to have operated since before the year.
 * - Membership m (ACTIVE or EXITED) covers the days joined_on <= d < left_on while its group
 *   operates: the exit day is the first day outside, so a campus that joined on 1 September and
 *   exits on 31 August was a member for 364 days of that year.
 * - Days are whole calendar days within the school year (1 September to 31 August, both
 *   included; 365 days, 366 with a 29 February: calendar.ts yearDays).
 * - Money is pro rata by days ÷ yearDays (policy funding, groups/resolver.ts); teachers and
 *   postings count while the campus was a member: a campus with at least one day in the year
 *   brings its teachers, and a posting counts when it overlaps those days.
 * A year with no day of operation has no figures for the group.
 */

/** The day after a school year's last day: spans below are half-open [from, until). */
const afterEnd = (year: SchoolYear) => sql`(${year.end}::date + 1)`;

/** The days group `g` operated in `year`, as [from, until) (empty when until <= from). */
export function groupSpan(g: string, year: SchoolYear): { from: Sql; until: Sql } {
  const G = raw(g);
  return {
    from: sql`greatest(coalesce(${G}.established_on, ${year.start}::date), ${year.start}::date)`,
    until: sql`least(coalesce(${G}.dissolved_on, ${afterEnd(year)}), ${afterEnd(year)})`,
  };
}

/** How many days of `year` group `g` operated (0 for a PROPOSED group). */
export function operatingDays(g: string, year: SchoolYear): Sql {
  const { from, until } = groupSpan(g, year);
  return sql`(CASE WHEN ${raw(g)}.status = 'PROPOSED' THEN 0 ELSE greatest(0, ${until} - ${from}) END)`;
}

/**
 * Memberships covering part of `year`, one row each with their days in it, as a subquery:
 * membership_id, group_id, campus_id, role, from_day, until_day (half-open) and days (> 0).
 * `where` restricts the memberships, written over the aliases `m` (group_membership) and `g`
 * (education_group).
 */
export function membershipSpans(year: SchoolYear, where: Sql): Sql {
  const grp = groupSpan('g', year);
  return sql`SELECT m.id AS membership_id, m.group_id, m.campus_id, m.role, sp.from_day, sp.until_day, sp.until_day - sp.from_day AS days
    FROM group_membership m JOIN education_group g ON g.id = m.group_id
    CROSS JOIN LATERAL (SELECT greatest(m.joined_on, ${grp.from}) AS from_day,
                               least(coalesce(m.left_on, ${afterEnd(year)}), ${grp.until}) AS until_day) sp
    WHERE ${where} AND m.status IN ('ACTIVE','EXITED') AND g.status <> 'PROPOSED' AND sp.until_day > sp.from_day`;
}

/** Escapes a user's substring for ILIKE. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
