import type { GraphQLResolveInfo } from 'graphql';
import { RequestLoader } from '../graphql/loader';
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Info } from 'type-graphql';
import { hydrate } from '../db/rows';
import { and, sql } from '../db/sql';
import { argsKey, connectionTypes, nestedConnection, nestedList, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { MembershipStatus } from '../graphql/enums';
import { uuidOf } from '../graphql/ids';
import { toMany } from '../graphql/to-many';
import { EducationGroup } from '../groups/entity';
import { Jurisdiction } from '../jurisdictions/entity';
import { GroupMembership } from '../memberships/entity';
import { LeadershipQuota } from '../policy/entity';
import { policyAt, vicePrincipalsAllowed } from '../policy/resolve';
import { Staff } from '../staff/entity';
import { StaffFilter, staffWhere } from '../staff/filters';
import { Campus, School } from './entity';
import { CampusFilter, campusWhere } from './filters';

export const { Connection: CampusConnection } = connectionTypes(Campus);
export const { Connection: StaffConnection } = connectionTypes(Staff);

@Resolver(() => School)
export class SchoolResolver {
  @Query(() => School, { nullable: true, description: 'A school by its ten-digit identification code.' })
  async school(@Arg('code') code: string, @Ctx() ctx: Context) {
    // Like node(id): in the caller's scope of record, or reachable from it.
    const row = await ctx.db.one(sql`SELECT s.* FROM school s WHERE ${and([sql`s.code = ${code}`, ctx.scope.reachable('School', 's')])}`);
    return row ? hydrate(ctx.db.ds, School, row) : null;
  }

  @FieldResolver(() => Jurisdiction, { description: 'Where the school lies (its county-level jurisdiction; a school registered before supervision was recorded apart may name its city).' })
  jurisdiction(@Root() s: School, @Ctx() ctx: Context) {
    return ctx.required(Jurisdiction, s.jurisdictionId);
  }

  @FieldResolver(() => Jurisdiction, { description: 'The bureau the school answers to (主管/隶属关系): by default the jurisdiction where it lies; a 市属 school answers to its city. It approves and supervises the groups the school leads.' })
  supervisingJurisdiction(@Root() s: School, @Ctx() ctx: Context) {
    return ctx.required(Jurisdiction, s.supervisingJurisdictionId);
  }

  @FieldResolver(() => [Campus])
  campuses(@Root() s: School, @Ctx() ctx: Context) {
    return nestedList(ctx, 'School.campuses', s.uuid, () =>
      tableSpec(Campus, 'campus', 'c', ctx.scope.visible('Campus', 'c'), 'c.school_id'));
  }
}

/** A campus's staff (to-many.ts: also fetched in the statement reading the campuses). */
const CAMPUS_STAFF = toMany({
  type: 'Campus', field: 'staff', entity: Staff, alias: 's',
  key: ({ filter }: { filter?: StaffFilter | null }) => `Campus.staff:${argsKey(filter)}`,
  spec: (ctx, { filter }) => tableSpec(Staff, 'staff', 's', staffWhere(ctx, 's', filter), 's.home_campus_id'),
});

@Resolver(() => Campus)
export class CampusResolver {
  @Query(() => Campus, { nullable: true })
  campus(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return ctx.byId(Campus, uuidOf(id, 'Campus'), info);
  }

  @Query(() => CampusConnection, { description: 'Every campus the caller may see.' })
  campuses(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => CampusFilter, { nullable: true }) filter?: CampusFilter,
  ) {
    return paginate(ctx, tableSpec(Campus, 'campus', 'c', campusWhere(ctx, 'c', filter)), { first, after, info });
  }

  @FieldResolver(() => School)
  school(@Root() c: Campus, @Ctx() ctx: Context) {
    return ctx.required(School, c.schoolId);
  }

  @FieldResolver(() => Jurisdiction, { description: 'The county-level jurisdiction the campus lies in.' })
  jurisdiction(@Root() c: Campus, @Ctx() ctx: Context) {
    return ctx.required(Jurisdiction, c.jurisdictionId);
  }

  @FieldResolver(() => StaffConnection, { description: 'Staff whose home (人事关系) is this campus.' })
  staff(
    @Root() c: Campus,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => StaffFilter, { nullable: true }) filter?: StaffFilter,
  ) {
    return nestedConnection(ctx, CAMPUS_STAFF, c, { first, after, info }, { filter });
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'Full-time teachers (专任教师) whose home is this campus; FORBIDDEN for a campus outside your scope of record.',
  })
  async fullTimeTeacherCount(@Root() c: Campus, @Ctx() ctx: Context) {
    await ctx.assertInScope(Campus, c, 'Figures');
    return ctx.loader('Campus.fullTimeTeacherCount', () => new RequestLoader<string, number>(async (ids) => {
      const rows = await ctx.db.query(sql`
        SELECT home_campus_id AS id, count(*)::int AS n FROM staff
        WHERE home_campus_id = ANY(${[...ids]}::uuid[]) AND full_time_teacher GROUP BY 1`);
      const m = new Map(rows.map((r) => [r.id, r.n]));
      return ids.map((id) => m.get(id) ?? 0);
    })).load(c.uuid);
  }

  @FieldResolver(() => [GroupMembership])
  memberships(
    @Root() c: Campus,
    @Ctx() ctx: Context,
    @Arg('status', () => [MembershipStatus], { nullable: true }) status?: MembershipStatus[],
  ) {
    return nestedList(ctx, `Campus.memberships:${argsKey(status)}`, c.uuid, () =>
      tableSpec(GroupMembership, 'group_membership', 'm',
        and([ctx.scope.visible('GroupMembership', 'm'), status && sql`m.status = ANY(${status}::text[])`]), 'm.campus_id'));
  }

  @FieldResolver(() => EducationGroup, { nullable: true, description: 'The group this campus is an active member or lead of, if any.' })
  async currentGroup(@Root() c: Campus, @Ctx() ctx: Context) {
    const [m] = await nestedList(ctx, 'Campus.activeMembership', c.uuid, () =>
      tableSpec(GroupMembership, 'group_membership', 'm', sql`m.status = 'ACTIVE'`, 'm.campus_id'));
    return m ? ctx.reach(EducationGroup, m.groupId) : null;
  }

  @FieldResolver(() => LeadershipQuota, {
    nullable: true,
    description: 'Leadership posts allowed by the policy in force, against those filled; FORBIDDEN for a campus outside your scope of record.',
  })
  async leadershipQuota(@Root() c: Campus, @Ctx() ctx: Context): Promise<LeadershipQuota> {
    await ctx.assertInScope(Campus, c, 'Figures');
    const [policy, school, filled] = await Promise.all([
      policyAt(ctx, c.jurisdictionId),
      ctx.required(School, c.schoolId),
      filledLeadership(ctx, c.uuid),
    ]);
    const kindergarten = school.type === 'KINDERGARTEN' || (c.stages.length > 0 && c.stages.every((s) => s === 'PRESCHOOL'));
    const allowed = vicePrincipalsAllowed(policy, kindergarten, c.studentCount, c.classCount);
    // Every campus has one principal; with no bands set there is no vice-principal limit.
    const vicePrincipals = allowed ?? filled.vice;
    return {
      principals: 1,
      vicePrincipals,
      filledPrincipals: filled.principals,
      filledVicePrincipals: filled.vice,
      overQuota: filled.principals > 1 || filled.vice > vicePrincipals,
    };
  }
}

/**
 * Leadership posts filled at campuses: home staff in the role who are not posted away,
 * plus staff posted in (ACTIVE) to hold that role, e.g. an executive principal (执行校长).
 */
export function filledLeadership(ctx: Context, campusId: string) {
  return ctx.loader('Campus.filledLeadership', () => new RequestLoader<string, { principals: number; vice: number }>(async (ids) => {
    const rows = await ctx.db.query(sql`
      SELECT campus_id, role, count(*)::int AS n FROM (
        SELECT s.home_campus_id AS campus_id, s.role FROM staff s
        WHERE s.home_campus_id = ANY(${[...ids]}::uuid[]) AND s.role IN ('PRINCIPAL','VICE_PRINCIPAL')
          AND NOT EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id AND p.status = 'ACTIVE')
        UNION ALL
        SELECT p.to_campus_id, p.host_role FROM posting p
        WHERE p.to_campus_id = ANY(${[...ids]}::uuid[]) AND p.status = 'ACTIVE' AND p.host_role IN ('PRINCIPAL','VICE_PRINCIPAL')
      ) x GROUP BY 1, 2`);
    return ids.map((id) => ({
      principals: rows.find((r) => r.campus_id === id && r.role === 'PRINCIPAL')?.n ?? 0,
      vice: rows.find((r) => r.campus_id === id && r.role === 'VICE_PRINCIPAL')?.n ?? 0,
    }));
  })).load(campusId);
}
