import { badInput } from './graphql/errors';
import { MAX_YEAR, MIN_YEAR } from './graphql/scalars';

/**
 * School years (学年) run 1 September to 31 August and are written "2024-2025".
 */
export interface SchoolYear {
  label: string;
  /** First day, YYYY-MM-DD. */
  start: string;
  /** Last day, YYYY-MM-DD. */
  end: string;
}

export function schoolYearOf(label: string, field = 'schoolYear'): SchoolYear {
  const m = /^(\d{4})-(\d{4})$/.exec(label ?? '');
  // Years outside the dates the hub accepts (graphql/scalars.ts) would only fail in the database.
  if (!m || Number(m[2]) !== Number(m[1]) + 1 || Number(m[1]) < MIN_YEAR || Number(m[2]) > MAX_YEAR) {
    throw badInput(field, `${field} must be written like 2024-2025 (1 September to 31 August, ${MIN_YEAR}-${MAX_YEAR}), got ${JSON.stringify(String(label).slice(0, 20))}`);
  }
  return { label, start: `${m[1]}-09-01`, end: `${m[2]}-08-31` };
}

/** The school year a day falls in (by its calendar date in China, UTC+8). */
export function schoolYearAt(now: Date): SchoolYear {
  const local = new Date(now.getTime() + 8 * 3600_000);
  const y = local.getUTCFullYear();
  const first = local.getUTCMonth() >= 8 ? y : y - 1;
  return schoolYearOf(`${first}-${first + 1}`);
}

/**
 * Days in a school year, counted inclusively from 1 September to 31 August: 366 when the
 * year holds a 29 February, else 365. The denominator of every pro-rata figure.
 */
export function yearDays(year: SchoolYear): number {
  return (Date.parse(`${year.end}T00:00:00Z`) - Date.parse(`${year.start}T00:00:00Z`)) / 86_400_000 + 1;
}

/**
 * Whether `day` (YYYY-MM-DD) lies in a closed school year: one that ended before today (China
 * time). A closed year's figures are final: nothing may start in it (postings/mutations.ts).
 */
export function inClosedSchoolYear(day: string, now: Date): boolean {
  return day < schoolYearAt(now).start;
}

/** The school year before this one. */
export function previousSchoolYear(year: SchoolYear): SchoolYear {
  const first = Number(year.label.slice(0, 4)) - 1;
  return schoolYearOf(`${first}-${first + 1}`);
}

/** Today's date in China (UTC+8), YYYY-MM-DD. */
export function today(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * The day whose state a school-year figure describes: the year's last day, or today while
 * the year is still running (coverage "in 2025-2026" means coverage now).
 */
export function snapshotDay(year: SchoolYear, now: Date): string {
  const t = today(now);
  return t < year.end ? (t < year.start ? year.start : t) : year.end;
}
