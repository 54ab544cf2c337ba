import { RequestLoader } from '../graphql/loader';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { SchoolYear, snapshotDay } from '../calendar';
import { sql } from '../db/sql';
import { EvaluationGrade } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { memberOn } from '../memberships/sql';
import { overlaps } from '../postings/filters';

@ObjectType()
export class GradeCount {
  @Field(() => EvaluationGrade) grade: EvaluationGrade;
  @Field(() => Int) count: number;
}

@ObjectType()
export class JurisdictionStats {
  @Field() schoolYear: string;
  @Field(() => Int) campusCount: number;
  @Field(() => Int, { description: 'Campuses teaching primary or junior stages (义务教育).' }) compulsoryCampusCount: number;
  @Field(() => Int) groupedCampusCount: number;
  @Field(() => Int) groupedCompulsoryCampusCount: number;
  @Field(() => Float, { description: 'groupedCompulsoryCampusCount / compulsoryCampusCount (集团化办学覆盖率).' }) coverageRate: number;
  @Field(() => Float, { nullable: true }) coverageTarget: number | null;
  @Field(() => Int) groupCount: number;
  @Field(() => Int) crossJurisdictionGroupCount: number;
  @Field(() => Int) ruralCampusCount: number;
  @Field(() => Int) groupedRuralCampusCount: number;
  @Field(() => Int) fullTimeTeacherCount: number;
  @Field(() => Float, {
    description: 'Distinct full-time teachers of grouped campuses posted in the school year, over all full-time teachers of grouped campuses.',
  })
  rotationRate: number;
  @Field(() => Int) postingCount: number;
  @Field(() => Int) resourceCount: number;
  @Field(() => [GradeCount]) evaluationGrades: GradeCount[];
}

export const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/**
 * Figures for jurisdictions (each with everything below it) in one school year, batched.
 * Figures are facts: they count everything in the area, the same for every caller. They are
 * aggregate counts without personal data, public like the division tree itself (the contract
 * keeps Jurisdiction.stats non-null), while the rows behind them stay scoped. Batched:
 * a fixed number of grouped statements however many jurisdictions are asked for.
 * Membership figures describe the snapshot day (the year's end, or today while it runs).
 */
export function jurisdictionStats(ctx: Context, jurisdictionId: string, year: SchoolYear): Promise<Omit<JurisdictionStats, 'coverageTarget'>> {
  const day = snapshotDay(year, ctx.now);
  return ctx.loader(`Jurisdiction.stats:${year.label}`, () => new RequestLoader<string, Omit<JurisdictionStats, 'coverageTarget'>>(async (idList) => {
    const ids = [...idList];
    const grouped = sql`EXISTS (SELECT 1 FROM group_membership m JOIN education_group g ON g.id = m.group_id
      WHERE m.campus_id = c.id AND ${memberOn('m', 'g', day)})`;
    const [campuses, groups, teachers, postings, resources, grades] = await Promise.all([
      ctx.db.query(sql`
        SELECT jid, count(*)::int AS campus_count,
          count(*) FILTER (WHERE compulsory)::int AS compulsory,
          count(*) FILTER (WHERE grouped)::int AS grouped,
          count(*) FILTER (WHERE grouped AND compulsory)::int AS grouped_compulsory,
          count(*) FILTER (WHERE rural)::int AS rural,
          count(*) FILTER (WHERE rural AND grouped)::int AS grouped_rural
        FROM (
          SELECT ja.ancestor_id AS jid, c.stages && ARRAY['PRIMARY','JUNIOR'] AS compulsory,
                 c.urban_rural = 'RURAL' AS rural, ${grouped} AS grouped
          FROM jurisdiction_ancestor ja JOIN campus c ON c.jurisdiction_id = ja.jurisdiction_id
          WHERE ja.ancestor_id = ANY(${ids}::uuid[])
        ) x GROUP BY jid`),
      ctx.db.query(sql`
        SELECT ja.ancestor_id AS jid, count(*)::int AS groups,
          count(*) FILTER (WHERE (SELECT count(DISTINCT c.jurisdiction_id) FROM group_membership m JOIN campus c ON c.id = m.campus_id
                                  WHERE m.group_id = g.id AND ${memberOn('m', 'g', day)}) > 1)::int AS cross_groups
        FROM jurisdiction_ancestor ja JOIN education_group g ON g.jurisdiction_id = ja.jurisdiction_id
        WHERE ja.ancestor_id = ANY(${ids}::uuid[]) AND g.status <> 'PROPOSED'
          AND (g.established_on IS NULL OR g.established_on <= ${day}::date)
          AND (g.dissolved_on IS NULL OR g.dissolved_on > ${day}::date)
        GROUP BY 1`),
      ctx.db.query(sql`
        SELECT jid, count(*)::int AS ft, count(*) FILTER (WHERE grouped)::int AS ft_grouped,
               count(*) FILTER (WHERE grouped AND posted)::int AS ft_grouped_posted
        FROM (
          SELECT ja.ancestor_id AS jid, ${grouped} AS grouped,
                 EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id AND p.status <> 'CANCELLED'
                         AND ${overlaps('p', year.start, year.end)}) AS posted
          FROM jurisdiction_ancestor ja JOIN campus c ON c.jurisdiction_id = ja.jurisdiction_id
          JOIN staff s ON s.home_campus_id = c.id AND s.full_time_teacher
          WHERE ja.ancestor_id = ANY(${ids}::uuid[])
        ) x GROUP BY jid`),
      ctx.db.query(sql`
        SELECT ja.ancestor_id AS jid, count(DISTINCT p.id)::int AS n
        FROM posting p JOIN campus c ON c.id IN (p.from_campus_id, p.to_campus_id)
        JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = c.jurisdiction_id
        WHERE ja.ancestor_id = ANY(${ids}::uuid[]) AND p.status <> 'CANCELLED' AND ${overlaps('p', year.start, year.end)}
         
        GROUP BY 1`),
      ctx.db.query(sql`
        SELECT ja.ancestor_id AS jid, count(*)::int AS n
        FROM resource r JOIN campus c ON c.id = r.contributing_campus_id
        JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = c.jurisdiction_id
        WHERE ja.ancestor_id = ANY(${ids}::uuid[]) AND r.deleted_at IS NULL AND r.created_at < (${year.end}::date + 1)
         
        GROUP BY 1`),
      ctx.db.query(sql`
        SELECT ja.ancestor_id AS jid,
          CASE WHEN e.total_score >= y.excellent_min THEN 'EXCELLENT' WHEN e.total_score >= y.good_min THEN 'GOOD'
               WHEN e.total_score >= y.fair_min THEN 'FAIR' ELSE 'FAIL' END AS grade,
          count(*)::int AS n
        FROM evaluation e JOIN evaluation_cycle y ON y.id = e.cycle_id
        JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = y.jurisdiction_id
        WHERE ja.ancestor_id = ANY(${ids}::uuid[]) AND y.school_year = ${year.label} AND e.status IN ('SUBMITTED','CONFIRMED')
         
        GROUP BY 1, 2`),
    ]);
    const find = (rows: any[], id: string) => rows.find((r) => r.jid === id) ?? {};
    return ids.map((id) => {
      const c = find(campuses, id);
      const g = find(groups, id);
      const t = find(teachers, id);
      return {
        schoolYear: year.label,
        campusCount: c.campus_count ?? 0,
        compulsoryCampusCount: c.compulsory ?? 0,
        groupedCampusCount: c.grouped ?? 0,
        groupedCompulsoryCampusCount: c.grouped_compulsory ?? 0,
        coverageRate: ratio(c.grouped_compulsory ?? 0, c.compulsory ?? 0),
        groupCount: g.groups ?? 0,
        crossJurisdictionGroupCount: g.cross_groups ?? 0,
        ruralCampusCount: c.rural ?? 0,
        groupedRuralCampusCount: c.grouped_rural ?? 0,
        fullTimeTeacherCount: t.ft ?? 0,
        rotationRate: ratio(t.ft_grouped_posted ?? 0, t.ft_grouped ?? 0),
        postingCount: find(postings, id).n ?? 0,
        resourceCount: find(resources, id).n ?? 0,
        evaluationGrades: (['EXCELLENT', 'GOOD', 'FAIR', 'FAIL'] as const).map((grade) => ({
          grade,
          count: grades.find((r) => r.jid === id && r.grade === grade)?.n ?? 0,
        })),
      };
    });
  })).load(jurisdictionId);
}
