import { RequestLoader } from '../graphql/loader';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { SchoolYear, snapshotDay } from '../calendar';
import { sql } from '../db/sql';
import { EvaluationGrade, SchoolStage } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { memberOn, membershipSpans } from '../memberships/sql';
import { countedPosting, PLANNED } from '../postings/counted';
import { overlaps } from '../postings/filters';
import { countsTowardRotation, policyAt } from '../policy/resolve';
import { gradeFigures } from '../evaluations/figures';

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
  @Field(() => Float, {
    description: 'coveredSchoolCount / coverageSchoolCount (集团化办学覆盖率), over the school stages of the coverage setting in force here (coverageStages); 0 when there is no such school. The campus share of compulsory education is groupedCompulsoryCampusCount / compulsoryCampusCount.',
  })
  coverageRate: number;
  @Field(() => [SchoolStage], { description: 'Stages the coverage setting in force here covers (default PRIMARY and JUNIOR, 义务教育).' })
  coverageStages: SchoolStage[];
  @Field(() => Int, { description: 'Schools with a campus here teaching one of coverageStages.' })
  coverageSchoolCount: number;
  @Field(() => Int, { description: 'Of coverageSchoolCount, the schools whose campuses here teaching those stages are all in a group.' })
  coveredSchoolCount: number;
  @Field(() => Float, { nullable: true }) coverageTarget: number | null;
  @Field(() => Int) groupCount: number;
  @Field(() => Int) crossJurisdictionGroupCount: number;
  @Field(() => Int) ruralCampusCount: number;
  @Field(() => Int) groupedRuralCampusCount: number;
  @Field(() => Int) fullTimeTeacherCount: number;
  @Field(() => Float, {
    description: 'Legacy form of teacherRotationRate, with 0 where that is null (no full-time teachers of grouped campuses): read teacherRotationRate.',
  })
  rotationRate: number;
  @Field(() => Float, {
    nullable: true,
    description: "Distinct full-time teachers of campuses grouped during the school year with a posting that took place (ACTIVE or COMPLETED) overlapping their campus's membership in it, over all full-time teachers of those campuses; null when there are none (no teachers, no rate).",
  })
  teacherRotationRate: number | null;
  @Field(() => Int, { description: 'Postings that took place (ACTIVE or COMPLETED) overlapping the school year, from or to a campus here; PLANNED ones are in plannedPostingCount.' })
  postingCount: number;
  @Field(() => Int, { description: 'PLANNED postings overlapping the school year, from or to a campus here.' })
  plannedPostingCount: number;
  @Field(() => Int) resourceCount: number;
  @Field(() => [GradeCount], {
    description: "Group grades (考核等次) of the school year: each group supervised here once, by the nearest bureau's cycle; the published grade once that cycle's results are published, else the computed one.",
  })
  evaluationGrades: GradeCount[];
  @Field(() => [GradeCount], { description: 'Published group grades (核定考核等次) only: the official figures.' })
  publishedEvaluationGrades: GradeCount[];
  @Field(() => [GradeCount], { description: "Campus grades of the school year, apart: each campus located here once, its score (mean of its submitted evaluations' totals) graded by the nearest bureau's cycle." })
  campusEvaluationGrades: GradeCount[];
}

export const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/**
 * Figures for jurisdictions (each with everything below it) in one school year, batched.
 * Figures are facts: they count everything in the area, the same for every caller. They are
 * aggregate counts without personal data, public like the division tree itself (the contract
 * keeps Jurisdiction.stats non-null), while the rows behind them stay scoped. Batched:
 * a fixed number of grouped statements however many jurisdictions are asked for.
 * Coverage and group counts describe the snapshot day (the year's end, or today while it runs);
 * rotation and postings count the year (memberships/sql.ts, postings/counted.ts).
 */
export function jurisdictionStats(ctx: Context, jurisdictionId: string, year: SchoolYear): Promise<Omit<JurisdictionStats, 'coverageTarget'>> {
  const day = snapshotDay(year, ctx.now);
  return ctx.loader(`Jurisdiction.stats:${year.label}`, () => new RequestLoader<string, Omit<JurisdictionStats, 'coverageTarget'>>(async (idList) => {
    const ids = [...idList];
    const grouped = sql`EXISTS (SELECT 1 FROM group_membership m JOIN education_group g ON g.id = m.group_id
      WHERE m.campus_id = c.id AND ${memberOn('m', 'g', day)})`;
    // Rotation counts campus c's teachers while it was a member during the year (memberships/sql.ts),
    // and postings that took place overlapping those days (postings/counted.ts).
    const inYear = membershipSpans(year, sql`m.campus_id = c.id`);
    // Coverage (覆盖率) follows the coverage setting in force at the jurisdiction asked (its own or
    // inherited): the documents count schools [004], so a school counts when it has a campus here
    // teaching a stage the setting covers (default 义务教育: PRIMARY, JUNIOR), and is covered when
    // every such campus of it here is in a group (a school is covered whole, not by one section).
    const [policies, rotationCounted] = await Promise.all([Promise.all(ids.map((id) => policyAt(ctx, id))), countsTowardRotation(ctx, 'p')]);
    const coverageRows = ctx.db.query(sql`
      SELECT jid, count(*)::int AS schools, count(*) FILTER (WHERE covered)::int AS covered
      FROM (
        SELECT q.jid, c.school_id, bool_and(${grouped}) AS covered
        FROM unnest(${ids}::uuid[], ${policies.map((p) => p.coverageStages.join(','))}::text[]) AS q(jid, stages)
        JOIN jurisdiction_ancestor ja ON ja.ancestor_id = q.jid JOIN campus c ON c.jurisdiction_id = ja.jurisdiction_id
        WHERE c.stages && string_to_array(q.stages, ',')
        GROUP BY 1, 2
      ) x GROUP BY jid`);
    coverageRows.catch(() => undefined); // awaited below; a failure of the others must not leave it unhandled
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
          SELECT ja.ancestor_id AS jid, EXISTS (SELECT 1 FROM (${inYear}) sp) AS grouped,
                 EXISTS (SELECT 1 FROM (${inYear}) sp JOIN posting p ON p.staff_id = s.id AND p.group_id = sp.group_id
                         AND ${countedPosting('p', sql`sp.from_day`, sql`sp.until_day`)} AND ${rotationCounted}) AS posted
          FROM jurisdiction_ancestor ja JOIN campus c ON c.jurisdiction_id = ja.jurisdiction_id
          JOIN staff s ON s.home_campus_id = c.id AND s.full_time_teacher
          WHERE ja.ancestor_id = ANY(${ids}::uuid[])
        ) x GROUP BY jid`),
      ctx.db.query(sql`
        SELECT ja.ancestor_id AS jid, count(DISTINCT p.id) FILTER (WHERE ${countedPosting('p', sql`${year.start}::date`, sql`(${year.end}::date + 1)`)})::int AS n,
          count(DISTINCT p.id) FILTER (WHERE ${countedPosting('p', sql`${year.start}::date`, sql`(${year.end}::date + 1)`, PLANNED)})::int AS planned
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
      // Group grades and campus grades (evaluations/figures.ts).
      gradeFigures(ctx, ids, year),
    ]);
    const find = (rows: any[], id: string) => rows.find((r) => r.jid === id) ?? {};
    const coverage = await coverageRows;
    return ids.map((id, i) => {
      const c = find(campuses, id);
      const g = find(groups, id);
      const t = find(teachers, id);
      return {
        schoolYear: year.label,
        campusCount: c.campus_count ?? 0,
        compulsoryCampusCount: c.compulsory ?? 0,
        groupedCampusCount: c.grouped ?? 0,
        groupedCompulsoryCampusCount: c.grouped_compulsory ?? 0,
        coverageRate: ratio(find(coverage, id).covered ?? 0, find(coverage, id).schools ?? 0),
        coverageStages: policies[i].coverageStages,
        coverageSchoolCount: find(coverage, id).schools ?? 0,
        coveredSchoolCount: find(coverage, id).covered ?? 0,
        groupCount: g.groups ?? 0,
        crossJurisdictionGroupCount: g.cross_groups ?? 0,
        ruralCampusCount: c.rural ?? 0,
        groupedRuralCampusCount: c.grouped_rural ?? 0,
        fullTimeTeacherCount: t.ft ?? 0,
        rotationRate: ratio(t.ft_grouped_posted ?? 0, t.ft_grouped ?? 0),
        // No teachers, no rate (DOMAIN.md Postings).
        teacherRotationRate: t.ft_grouped ? t.ft_grouped_posted / t.ft_grouped : null,
        postingCount: find(postings, id).n ?? 0,
        plannedPostingCount: find(postings, id).planned ?? 0,
        resourceCount: find(resources, id).n ?? 0,
        evaluationGrades: grades.get(id)!.groups,
        publishedEvaluationGrades: grades.get(id)!.published,
        campusEvaluationGrades: grades.get(id)!.campuses,
      };
    });
  })).load(jurisdictionId);
}
