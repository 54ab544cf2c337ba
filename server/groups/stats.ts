import { RequestLoader } from '../graphql/loader';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { SchoolYear, yearDays } from '../calendar';
import { sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { groupSpan, membershipSpans, operatingDays } from '../memberships/sql';
import { countedPosting, PLANNED } from '../postings/counted';
import { enrolmentIn } from '../schools/enrolment';
import { countsTowardRotation } from '../policy/resolve';

@ObjectType()
export class GroupStats {
  @Field() schoolYear: string;
  @Field(() => Int, {
    description: 'Days of the school year the group operated (approved, not yet dissolved); 0: it did not operate that year and has no figures for it.',
  })
  operatingDays: number;
  @Field(() => Int, { description: 'Member campuses (the lead not counted) that were members on at least one day of the school year while the group operated.' })
  memberCount: number;
  @Field(() => Int, { description: "Students of the group's campuses (lead and members of the year), by that school year's enrolment." })
  studentCount: number;
  @Field(() => Int, { description: 'Full-time teachers (专任教师) whose home campus was in the group on at least one day of the school year.' })
  fullTimeTeacherCount: number;
  @Field(() => Int, { description: "The group's postings that took place (ACTIVE or COMPLETED) overlapping the days of the school year it operated; PLANNED ones are in plannedPostingCount." })
  postingCount: number;
  @Field(() => Int, { description: "The group's PLANNED postings overlapping the days of the school year it operated: not (yet) counted anywhere else." })
  plannedPostingCount: number;
  @Field(() => Float, {
    description: 'Legacy form of teacherRotationRate, with 0 where that is null (no full-time teachers, or a year the group did not operate): read teacherRotationRate.',
  })
  rotationRate: number;
  @Field(() => Float, {
    nullable: true,
    description: "Distinct full-time teachers with a posting that took place (ACTIVE or COMPLETED) overlapping their campus's membership in the school year, over fullTimeTeacherCount; null when there are no full-time teachers (no teachers, no rate).",
  })
  teacherRotationRate: number | null;
  @Field(() => Float, {
    nullable: true,
    description: "Like teacherRotationRate, for PLANNED postings only: the share of full-time teachers planned to be posted in the school year; null when there are no full-time teachers.",
  })
  plannedRotationRate: number | null;
  @Field(() => Float, { nullable: true, description: 'Backbone teachers among the distinct staff with a posting that took place in the school year, as a share; null when nobody was posted.' })
  backboneShareOfPosted: number | null;
  @Field(() => Boolean, {
    nullable: true,
    description: "teacherRotationRate and backboneShareOfPosted reach the policy's minimums: false when one falls short, null when the policy sets neither or a figure it sets is null (no teachers, nobody posted) and none falls short.",
  })
  meetsRotationTarget: boolean | null;
  @Field(() => Int) resourceCount: number;
  @Field(() => Int) resourceUseCount: number;
  @Field(() => Int, { description: "Uses of the group's resources by its rural campuses." }) ruralResourceUseCount: number;
}

export type GroupFigures = Omit<GroupStats, 'meetsRotationTarget'> & {
  /** Each member campus (the lead not counted) with its students in the year and its days as a member in it (funding). */
  memberCampuses: Array<{ students: number; days: number }>;
  /** Days in the school year (365 or 366): the denominator of pro-rata amounts. */
  yearDays: number;
};

/** The figures a group has for a year it did not operate: none. */
function noFigures(year: SchoolYear): GroupFigures {
  return {
    schoolYear: year.label, operatingDays: 0, memberCount: 0, studentCount: 0, fullTimeTeacherCount: 0, postingCount: 0,
    plannedPostingCount: 0, rotationRate: 0, teacherRotationRate: null, plannedRotationRate: null, backboneShareOfPosted: null,
    resourceCount: 0, resourceUseCount: 0, ruralResourceUseCount: 0, memberCampuses: [], yearDays: yearDays(year),
  };
}

/**
 * A group's figures for a school year, batched over groups. Its campuses are those with a
 * membership covering part of the year, each for its days (memberships/sql.ts states the rule);
 * teachers are those of these campuses, counted as posted when a posting that took place
 * overlaps their campus's membership in the year (postings/counted.ts); students are the year's
 * enrolment (schools/enrolment.ts). Resources and uses are those of the year.
 */
export function groupFigures(ctx: Context, groupId: string, year: SchoolYear): Promise<GroupFigures> {
  return ctx.loader(`Group.figures:${year.label}`, () => new RequestLoader<string, GroupFigures>(async (idList) => {
    const ids = [...idList];
    const spans = membershipSpans(year, sql`m.group_id = ANY(${ids}::uuid[])`);
    const en = enrolmentIn('c', year);
    const grp = groupSpan('g', year);
    // Rotation and the backbone share count only the posting types of the group's policy (item 4).
    const rotationCounted = await countsTowardRotation(ctx, 'p');
    const [campuses, teachers, posted, resources, uses] = await Promise.all([
      ctx.db.query(sql`
        SELECT s.group_id, s.campus_id, s.role, sum(s.days)::int AS days, ${en.students} AS students
        FROM (${spans}) s JOIN campus c ON c.id = s.campus_id ${en.join}
        GROUP BY 1, 2, 3, 5`),
      ctx.db.query(sql`
        SELECT t.group_id, count(*)::int AS ft, count(*) FILTER (WHERE t.posted)::int AS ft_posted,
          count(*) FILTER (WHERE t.planned)::int AS ft_planned
        FROM (
          SELECT s.group_id, st.id,
            bool_or(EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = st.id AND p.group_id = s.group_id
              AND ${countedPosting('p', sql`s.from_day`, sql`s.until_day`)} AND ${rotationCounted})) AS posted,
            bool_or(EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = st.id AND p.group_id = s.group_id
              AND ${countedPosting('p', sql`s.from_day`, sql`s.until_day`, PLANNED)} AND ${rotationCounted})) AS planned
          FROM (${spans}) s JOIN staff st ON st.home_campus_id = s.campus_id AND st.full_time_teacher
          GROUP BY 1, 2
        ) t GROUP BY 1`),
      ctx.db.query(sql`
        SELECT g.id AS group_id, ${operatingDays('g', year)}::int AS days,
          count(*) FILTER (WHERE k.took)::int AS postings, count(*) FILTER (WHERE k.planned)::int AS planned,
          count(DISTINCT p.staff_id) FILTER (WHERE k.took AND ${rotationCounted})::int AS staff,
          count(DISTINCT p.staff_id) FILTER (WHERE k.took AND ${rotationCounted} AND s.backbone)::int AS backbone
        FROM education_group g LEFT JOIN posting p ON p.group_id = g.id AND g.status <> 'PROPOSED' LEFT JOIN staff s ON s.id = p.staff_id
        LEFT JOIN LATERAL (SELECT ${countedPosting('p', grp.from, grp.until)} AS took,
                                  ${countedPosting('p', grp.from, grp.until, PLANNED)} AS planned) k ON true
        WHERE g.id = ANY(${ids}::uuid[])
        GROUP BY g.id`),
      ctx.db.query(sql`
        SELECT l.group_id, count(*)::int AS n FROM resource r JOIN resource_library l ON l.id = r.library_id
        WHERE l.group_id = ANY(${ids}::uuid[]) AND r.deleted_at IS NULL AND r.created_at < (${year.end}::date + 1)
        GROUP BY 1`),
      ctx.db.query(sql`
        SELECT l.group_id, count(*)::int AS n, count(*) FILTER (WHERE c.urban_rural = 'RURAL')::int AS rural
        FROM resource_use u JOIN resource r ON r.id = u.resource_id JOIN resource_library l ON l.id = r.library_id
        JOIN campus c ON c.id = u.campus_id
        WHERE l.group_id = ANY(${ids}::uuid[]) AND r.deleted_at IS NULL
          AND u.used_at >= ${year.start}::date AND u.used_at < (${year.end}::date + 1)
        GROUP BY 1`),
    ]);
    return ids.map((id): GroupFigures => {
      const days = posted.find((g) => g.group_id === id)?.days ?? 0;
      // Groups are judged only for years they operated: a year without a day of it has no figures.
      if (days === 0) return noFigures(year);
      const mine = campuses.filter((c) => c.group_id === id);
      const members = mine.filter((c) => c.role === 'MEMBER');
      const t = teachers.find((r) => r.group_id === id) ?? {};
      const p = posted.find((r) => r.group_id === id) ?? {};
      const u = uses.find((r) => r.group_id === id) ?? {};
      const ft: number = t.ft ?? 0;
      // No teachers, no rate (DOMAIN.md Postings).
      const teacherRotationRate = ft > 0 ? t.ft_posted / ft : null;
      return {
        schoolYear: year.label,
        operatingDays: days,
        memberCount: new Set(members.map((c) => c.campus_id)).size,
        memberCampuses: members.map((c) => ({ students: c.students as number, days: c.days as number })),
        yearDays: yearDays(year),
        studentCount: [...new Map(mine.map((c) => [c.campus_id, c.students as number])).values()].reduce((n, s) => n + s, 0),
        fullTimeTeacherCount: ft,
        postingCount: p.postings ?? 0,
        plannedPostingCount: p.planned ?? 0,
        rotationRate: teacherRotationRate ?? 0,
        teacherRotationRate,
        plannedRotationRate: ft > 0 ? t.ft_planned / ft : null,
        backboneShareOfPosted: p.staff ? p.backbone / p.staff : null,
        resourceCount: resources.find((r) => r.group_id === id)?.n ?? 0,
        resourceUseCount: u.n ?? 0,
        ruralResourceUseCount: u.rural ?? 0,
      };
    });
  })).load(groupId);
}

/**
 * A group's year against the rotation rule of the policy in force (minAnnualRotationRate,
 * minBackboneShareOfPosted): each minimum is met (true), missed (false), or not judged (null:
 * the policy does not set it, or the figure is null: no full-time teachers means no rate,
 * nobody posted means no backbone share, a year the group did not operate has neither).
 * meets is their conjunction in three-valued logic: false when one is missed, else null when
 * one is not judged though set, else true; null when the policy sets neither.
 * Violations (groups/resolver.ts policyViolations) are the minimums missed, never the unjudged.
 */
export function rotationJudgement(
  policy: { minAnnualRotationRate: number | null; minBackboneShareOfPosted: number | null },
  f: Pick<GroupFigures, 'teacherRotationRate' | 'backboneShareOfPosted'>,
): { rate: boolean | null; backbone: boolean | null; meets: boolean | null } {
  const judge = (value: number | null, min: number | null) => (min === null || value === null ? null : value >= min);
  const rate = judge(f.teacherRotationRate, policy.minAnnualRotationRate);
  const backbone = judge(f.backboneShareOfPosted, policy.minBackboneShareOfPosted);
  // The judgements of the minimums the policy sets.
  const terms = [
    ...(policy.minAnnualRotationRate === null ? [] : [rate]),
    ...(policy.minBackboneShareOfPosted === null ? [] : [backbone]),
  ];
  const meets = terms.length === 0 ? null : terms.includes(false) ? false : terms.includes(null) ? null : true;
  return { rate, backbone, meets };
}
