import { RequestLoader } from '../graphql/loader';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { SchoolYear, snapshotDay } from '../calendar';
import { sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { ratio } from '../jurisdictions/stats';
import { memberOn } from '../memberships/sql';
import { overlaps } from '../postings/filters';

@ObjectType()
export class GroupStats {
  @Field() schoolYear: string;
  @Field(() => Int, { description: 'Active member campuses, the lead not counted.' }) memberCount: number;
  @Field(() => Int) studentCount: number;
  @Field(() => Int) fullTimeTeacherCount: number;
  @Field(() => Int) postingCount: number;
  @Field(() => Float, { description: 'Distinct full-time teachers of the group posted in the school year over its full-time teachers.' })
  rotationRate: number;
  @Field(() => Float, { nullable: true, description: 'Backbone teachers among the distinct staff posted in the school year, as a share.' })
  backboneShareOfPosted: number | null;
  @Field(() => Boolean, {
    nullable: true,
    description: "rotationRate and backboneShareOfPosted reach the policy's minimums; null when the policy sets neither.",
  })
  meetsRotationTarget: boolean | null;
  @Field(() => Int) resourceCount: number;
  @Field(() => Int) resourceUseCount: number;
  @Field(() => Int, { description: "Uses of the group's resources by its rural campuses." }) ruralResourceUseCount: number;
}

export type GroupFigures = Omit<GroupStats, 'meetsRotationTarget'> & { memberStudentCounts: number[] };

/**
 * A group's figures for a school year, batched over groups. The group's campuses are the
 * lead and members on the snapshot day (see memberOn); postings and uses are those of the year.
 */
export function groupFigures(ctx: Context, groupId: string, year: SchoolYear): Promise<GroupFigures> {
  const day = snapshotDay(year, ctx.now);
  return ctx.loader(`Group.figures:${year.label}`, () => new RequestLoader<string, GroupFigures>(async (idList) => {
    const ids = [...idList];
    const campusesOfGroups = sql`
      SELECT m.group_id, m.role, c.id AS campus_id, c.student_count, c.urban_rural
      FROM group_membership m JOIN education_group g ON g.id = m.group_id JOIN campus c ON c.id = m.campus_id
      WHERE m.group_id = ANY(${ids}::uuid[]) AND ${memberOn('m', 'g', day)}`;
    const [campuses, teachers, posted, resources, uses] = await Promise.all([
      ctx.db.query(campusesOfGroups),
      ctx.db.query(sql`
        SELECT gc.group_id, count(*)::int AS ft,
          count(*) FILTER (WHERE EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id AND p.group_id = gc.group_id
            AND p.status <> 'CANCELLED' AND ${overlaps('p', year.start, year.end)}))::int AS ft_posted
        FROM (${campusesOfGroups}) gc JOIN staff s ON s.home_campus_id = gc.campus_id AND s.full_time_teacher
        GROUP BY 1`),
      ctx.db.query(sql`
        SELECT p.group_id, count(*)::int AS postings, count(DISTINCT p.staff_id)::int AS staff,
          count(DISTINCT p.staff_id) FILTER (WHERE s.backbone)::int AS backbone
        FROM posting p JOIN staff s ON s.id = p.staff_id
        WHERE p.group_id = ANY(${ids}::uuid[]) AND p.status <> 'CANCELLED' AND ${overlaps('p', year.start, year.end)}
        GROUP BY 1`),
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
    return ids.map((id) => {
      const mine = campuses.filter((c) => c.group_id === id);
      const t = teachers.find((r) => r.group_id === id) ?? {};
      const p = posted.find((r) => r.group_id === id) ?? {};
      const u = uses.find((r) => r.group_id === id) ?? {};
      return {
        schoolYear: year.label,
        memberCount: mine.filter((c) => c.role === 'MEMBER').length,
        memberStudentCounts: mine.filter((c) => c.role === 'MEMBER').map((c) => c.student_count as number),
        studentCount: mine.reduce((n, c) => n + c.student_count, 0),
        fullTimeTeacherCount: t.ft ?? 0,
        postingCount: p.postings ?? 0,
        rotationRate: ratio(t.ft_posted ?? 0, t.ft ?? 0),
        backboneShareOfPosted: p.staff ? p.backbone / p.staff : null,
        resourceCount: resources.find((r) => r.group_id === id)?.n ?? 0,
        resourceUseCount: u.n ?? 0,
        ruralResourceUseCount: u.rural ?? 0,
      };
    });
  })).load(groupId);
}
