import type { GraphQLResolveInfo } from 'graphql';
import { RequestLoader } from '../graphql/loader';
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Info } from 'type-graphql';
import { previousSchoolYear, schoolYearAt, schoolYearOf } from '../calendar';
import { hydrate } from '../db/rows';
import { and, sql } from '../db/sql';
import { argsKey, connectionTypes, nestedConnection, nestedList, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { MembershipStatus } from '../graphql/enums';
import { uuidOf } from '../graphql/ids';
import { toMany } from '../graphql/to-many';
import { Jurisdiction } from '../jurisdictions/entity';
import { GroupMembership } from '../memberships/entity';
import { FundingEntitlement, PolicyViolation } from '../policy/entity';
import { campusFunding, policyAt } from '../policy/resolve';
import { Posting } from '../postings/entity';
import { PostingFilter, postingWhere } from '../postings/filters';
import { ResourceLibrary } from '../resources/entity';
import { Campus } from '../schools/entity';
import { Charter, EducationGroup } from './entity';
import { GroupFilter, groupWhere } from './filters';
import { groupFigures, GroupStats, rotationJudgement } from './stats';

export const { Connection: EducationGroupConnection } = connectionTypes(EducationGroup);
export const { Connection: GroupMembershipConnection } = connectionTypes(GroupMembership);
export const { Connection: PostingConnection } = connectionTypes(Posting);

/** A group's memberships (to-many.ts: also fetched in the statement reading the groups). */
const GROUP_MEMBERSHIPS = toMany({
  type: 'EducationGroup', field: 'memberships', entity: GroupMembership, alias: 'm',
  key: ({ status }: { status?: MembershipStatus[] | null }) => `Group.memberships:${argsKey(status)}`,
  spec: (ctx, { status }) => tableSpec(GroupMembership, 'group_membership', 'm',
    and([ctx.scope.visible('GroupMembership', 'm'), status && sql`m.status = ANY(${status}::text[])`]), 'm.group_id'),
});

const GROUP_POSTINGS = toMany({
  type: 'EducationGroup', field: 'postings', entity: Posting, alias: 'p',
  key: ({ filter }: { filter?: PostingFilter | null }) => `Group.postings:${argsKey(filter)}`,
  spec: (ctx, { filter }) => tableSpec(Posting, 'posting', 'p', postingWhere(ctx, 'p', filter), 'p.group_id'),
});

@Resolver(() => EducationGroup)
export class EducationGroupResolver {
  @Query(() => EducationGroup, { nullable: true })
  group(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return ctx.byId(EducationGroup, uuidOf(id, 'EducationGroup'), info);
  }

  @Query(() => EducationGroupConnection, { description: 'Every group the caller may see.' })
  groups(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => GroupFilter, { nullable: true }) filter?: GroupFilter,
  ) {
    return paginate(ctx, tableSpec(EducationGroup, 'education_group', 'g', groupWhere(ctx, 'g', filter)), { first, after, info });
  }

  @FieldResolver(() => Jurisdiction, { description: 'The jurisdiction whose bureau approved and supervises the group (主管教育行政部门).' })
  jurisdiction(@Root() g: EducationGroup, @Ctx() ctx: Context) {
    return ctx.required(Jurisdiction, g.jurisdictionId);
  }

  @FieldResolver(() => Charter, { nullable: true, description: "The group's charter (章程); FORBIDDEN for a group outside your scope of record." })
  async charter(@Root() g: EducationGroup, @Ctx() ctx: Context): Promise<Charter | null> {
    // Beyond a reached group's identity: a document of the group's own.
    await ctx.assertInScope(EducationGroup, g, 'The charter');
    return g.charter;
  }

  @FieldResolver(() => Campus, { description: 'The lead campus (牵头校/龙头校).' })
  leadCampus(@Root() g: EducationGroup, @Ctx() ctx: Context) {
    return ctx.required(Campus, g.leadCampusId);
  }

  @FieldResolver(() => GroupMembershipConnection)
  memberships(
    @Root() g: EducationGroup,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('status', () => [MembershipStatus], { nullable: true }) status?: MembershipStatus[],
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return nestedConnection(ctx, GROUP_MEMBERSHIPS, g, { first, after, info }, { status });
  }

  @FieldResolver(() => [Jurisdiction], { description: 'County-level jurisdictions of the lead and every active member.' })
  memberJurisdictions(@Root() g: EducationGroup, @Ctx() ctx: Context) {
    return memberJurisdictions(ctx, g.uuid);
  }

  @FieldResolver(() => Boolean, { description: 'True when active members lie in more than one county-level jurisdiction (跨县域).' })
  async crossJurisdiction(@Root() g: EducationGroup, @Ctx() ctx: Context) {
    return (await memberJurisdictions(ctx, g.uuid)).length > 1;
  }

  @FieldResolver(() => PostingConnection)
  postings(
    @Root() g: EducationGroup,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => PostingFilter, { nullable: true }) filter?: PostingFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return nestedConnection(ctx, GROUP_POSTINGS, g, { first, after, info }, { filter });
  }

  @FieldResolver(() => [ResourceLibrary])
  libraries(@Root() g: EducationGroup, @Ctx() ctx: Context) {
    return nestedList(ctx, 'Group.libraries', g.uuid, () =>
      tableSpec(ResourceLibrary, 'resource_library', 'l', ctx.scope.visible('ResourceLibrary', 'l'), 'l.group_id'));
  }

  @FieldResolver(() => GroupStats, {
    nullable: true,
    description: 'Figures for a school year (default: the current one), over the whole group; FORBIDDEN for a group outside your scope of record.',
  })
  async stats(
    @Root() g: EducationGroup,
    @Ctx() ctx: Context,
    @Arg('schoolYear', () => String, { nullable: true }) schoolYear?: string,
  ): Promise<GroupStats> {
    const year = schoolYear ? schoolYearOf(schoolYear) : schoolYearAt(ctx.now);
    await ctx.assertInScope(EducationGroup, g, 'Figures');
    const [{ memberCampuses: _m, yearDays: _d, ...figures }, policy] = await Promise.all([groupFigures(ctx, g.uuid, year), policyAt(ctx, g.jurisdictionId)]);
    return { ...figures, meetsRotationTarget: rotationJudgement(policy, figures).meets };
  }

  @FieldResolver(() => FundingEntitlement, {
    nullable: true,
    description: 'The yearly special fund (专项经费) the policy in force grants this group; FORBIDDEN for a group outside your scope of record.',
  })
  async fundingEntitlement(
    @Root() g: EducationGroup,
    @Ctx() ctx: Context,
    @Arg('schoolYear') schoolYear: string,
  ): Promise<FundingEntitlement> {
    const year = schoolYearOf(schoolYear);
    await ctx.assertInScope(EducationGroup, g, 'Figures');
    const [figures, policy] = await Promise.all([groupFigures(ctx, g.uuid, year), policyAt(ctx, g.jurisdictionId)]);
    if (!policy.funding) return { schoolYear, baseAmount: 0, campusAmount: 0, total: 0 };
    // Pro rata by days (memberships/sql.ts): the base amount for the days of the year the group
    // operated, each member campus's band (by its enrolment that year) for its days as a member;
    // each amount rounded to the yuan once: round(amount × days ÷ yearDays).
    const baseAmount = Math.round((policy.funding.baseAmount * figures.operatingDays) / figures.yearDays);
    const campusAmount = Math.round(
      figures.memberCampuses.reduce((sum, c) => sum + campusFunding(policy, c.students) * c.days, 0) / figures.yearDays,
    );
    return { schoolYear, baseAmount, campusAmount, total: baseAmount + campusAmount };
  }

  @FieldResolver(() => [PolicyViolation], {
    nullable: true,
    description: 'Rules of the policy in force that the group breaks now, e.g. too many members; FORBIDDEN for a group outside your scope of record.',
  })
  async policyViolations(@Root() g: EducationGroup, @Ctx() ctx: Context): Promise<PolicyViolation[]> {
    await ctx.assertInScope(EducationGroup, g, 'Figures');
    if (g.status === 'DISSOLVED') return [];
    const current = schoolYearAt(ctx.now);
    // Rotation is judged on the last completed school year: the running one is not over.
    const last = previousSchoolYear(current);
    const [policy, members, lastYear] = await Promise.all([
      policyAt(ctx, g.jurisdictionId),
      activeMemberCount(ctx, g.uuid),
      groupFigures(ctx, g.uuid, last),
    ]);
    const out: PolicyViolation[] = [];
    const cap = policy.maxMembers.find((l) => l.mode === g.mode)?.maxMembers;
    if (cap !== undefined && members > cap) {
      out.push({ rule: 'maxMembers', message: `${members} active member campuses; a ${g.mode} group may have at most ${cap} (the lead not counted)` });
    }
    // Judged only for a year the group operated (lastYear has no figures otherwise) and on
    // figures it has: no teachers, no rate, no violation (rotationJudgement).
    if (g.status === 'ACTIVE') {
      const judged = rotationJudgement(policy, lastYear);
      if (judged.rate === false) {
        out.push({
          rule: 'minAnnualRotationRate',
          message: `posted ${pct(lastYear.teacherRotationRate!)} of full-time teachers in ${last.label}; the policy asks for at least ${pct(policy.minAnnualRotationRate!)}`,
        });
      }
      if (judged.backbone === false) {
        out.push({
          rule: 'minBackboneShareOfPosted',
          message: `backbone teachers were ${pct(lastYear.backboneShareOfPosted!)} of those posted in ${last.label}; the policy asks for at least ${pct(policy.minBackboneShareOfPosted!)}`,
        });
      }
    }
    return out;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Counties of the lead and every active member, batched over groups. */
function memberJurisdictions(ctx: Context, groupId: string): Promise<Jurisdiction[]> {
  return ctx.loader('Group.memberJurisdictions', () => new RequestLoader<string, Jurisdiction[]>(async (ids) => {
    const rows = await ctx.db.query(sql`
      SELECT DISTINCT m.group_id AS __parent, j.* FROM group_membership m
      JOIN campus c ON c.id = m.campus_id JOIN jurisdiction j ON j.id = c.jurisdiction_id
      WHERE m.group_id = ANY(${[...ids]}::uuid[]) AND m.status = 'ACTIVE' AND ${ctx.scope.visible('Jurisdiction', 'j')}
      ORDER BY j.code`);
    return ids.map((id) => rows.filter((r) => r.__parent === id).map((r) => hydrate(ctx.db.ds, Jurisdiction, r)));
  })).load(groupId);
}

/** Active MEMBER campuses (the lead not counted), whatever the caller may see: caps count them all. */
function activeMemberCount(ctx: Context, groupId: string): Promise<number> {
  return ctx.loader('Group.activeMemberCount', () => new RequestLoader<string, number>(async (ids) => {
    const rows = await ctx.db.query(sql`
      SELECT group_id, count(*)::int AS n FROM group_membership
      WHERE group_id = ANY(${[...ids]}::uuid[]) AND status = 'ACTIVE' AND role = 'MEMBER' GROUP BY 1`);
    return ids.map((id) => rows.find((r) => r.group_id === id)?.n ?? 0);
  })).load(groupId);
}
