import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import { schoolYearAt, schoolYearOf } from '../calendar';
import { hydrate } from '../db/rows';
import { and, raw, sql, Sql } from '../db/sql';
import { argsKey, connectionTypes, ListSpec, nestedConnection, NestedListSpec, nestedList, paginate } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { toMany } from '../graphql/to-many';
import { JurisdictionLevel } from '../graphql/enums';
import { EducationGroup } from '../groups/entity';
import { GroupFilter, groupWhere } from '../groups/filters';
import { EducationGroupConnection } from '../groups/resolver';
import { GroupPolicy } from '../policy/entity';
import { policyAt } from '../policy/resolve';
import { Campus } from '../schools/entity';
import { CampusFilter, campusWhere } from '../schools/filters';
import { CampusConnection } from '../schools/resolver';
import { Jurisdiction } from './entity';
import { jurisdictionStats, JurisdictionStats } from './stats';

export const { Connection: JurisdictionConnection } = connectionTypes(Jurisdiction);

/** Jurisdictions sort by code: stable, unique and meaningful to a reader. */
function jurisdictionSpec(where: ReturnType<typeof and>): ListSpec<Jurisdiction> & { parentKey: string } {
  return { entity: Jurisdiction, from: raw('jurisdiction j'), alias: 'j', where, sortKey: 'j.code', keyOf: (r) => r.code, parentKey: 'j.parent_id' };
}

/** Rows of `table` located in a jurisdiction or below it: the parent is any ancestor of the row's jurisdiction. */
function inTree<T extends { uuid: string }>(entity: new () => T, table: string, alias: string, where: Sql): NestedListSpec<T> {
  return {
    entity, alias, where, sortKey: `${alias}.id`, keyOf: (r) => r.uuid, parentKey: 'ja.ancestor_id',
    from: raw(`${table} ${alias} JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = ${alias}.jurisdiction_id`),
  };
}

/** Campuses and groups in a jurisdiction or below it (to-many.ts). */
const JURISDICTION_CAMPUSES = toMany({
  type: 'Jurisdiction', field: 'campuses', entity: Campus, alias: 'c',
  key: ({ filter }: { filter?: CampusFilter | null }) => `Jurisdiction.campuses:${argsKey(filter)}`,
  spec: (ctx, { filter }) => inTree(Campus, 'campus', 'c', campusWhere(ctx, 'c', filter)),
});

const JURISDICTION_GROUPS = toMany({
  type: 'Jurisdiction', field: 'groups', entity: EducationGroup, alias: 'g',
  key: ({ filter }: { filter?: GroupFilter | null }) => `Jurisdiction.groups:${argsKey(filter)}`,
  spec: (ctx, { filter }) => inTree(EducationGroup, 'education_group', 'g', groupWhere(ctx, 'g', filter)),
});

@Resolver(() => Jurisdiction)
export class JurisdictionResolver {
  @Query(() => Jurisdiction, { nullable: true })
  async jurisdiction(@Arg('code') code: string, @Ctx() ctx: Context) {
    const row = await ctx.db.one(sql`SELECT j.* FROM jurisdiction j WHERE ${and([sql`j.code = ${code}`, ctx.scope.visible('Jurisdiction', 'j')])}`);
    return row ? hydrate(ctx.db.ds, Jurisdiction, row) : null;
  }

  @Query(() => JurisdictionConnection, {
    description:
      "Top-level jurisdictions the caller may see: its own (a bureau's jurisdiction, a group's supervising bureau, a school's county); with level, every jurisdiction of that level within them.",
  })
  jurisdictions(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('level', () => JurisdictionLevel, { nullable: true }) level?: JurisdictionLevel,
  ) {
    // The division tree itself is public reference data; lists start from the caller's home.
    const home = ctx.scope.homeJurisdictionIds();
    const where = and([
      ctx.scope.visible('Jurisdiction', 'j'),
      level
        ? sql`j.level = ${level} AND EXISTS (SELECT 1 FROM jurisdiction_ancestor h WHERE h.jurisdiction_id = j.id AND h.ancestor_id IN (${home}))`
        : sql`j.id IN (${home})`,
    ]);
    return paginate(ctx, jurisdictionSpec(where), { first, after });
  }

  @FieldResolver(() => Jurisdiction, { nullable: true })
  parent(@Root() j: Jurisdiction, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, j.parentId);
  }

  @FieldResolver(() => [Jurisdiction])
  children(@Root() j: Jurisdiction, @Ctx() ctx: Context) {
    return nestedList(ctx, 'Jurisdiction.children', j.uuid, () => jurisdictionSpec(ctx.scope.visible('Jurisdiction', 'j')));
  }

  @FieldResolver(() => CampusConnection, { description: 'Campuses located in this jurisdiction or any of its descendants.' })
  campuses(
    @Root() j: Jurisdiction,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => CampusFilter, { nullable: true }) filter?: CampusFilter,
  ) {
    return nestedConnection(ctx, JURISDICTION_CAMPUSES, j, { first, after, info }, { filter });
  }

  @FieldResolver(() => EducationGroupConnection, { description: 'Groups supervised by this jurisdiction or any of its descendants.' })
  groups(
    @Root() j: Jurisdiction,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => GroupFilter, { nullable: true }) filter?: GroupFilter,
  ) {
    return nestedConnection(ctx, JURISDICTION_GROUPS, j, { first, after, info }, { filter });
  }

  @FieldResolver(() => GroupPolicy, { description: "The policy in force here: this jurisdiction's own settings, else the nearest ancestor's." })
  policy(@Root() j: Jurisdiction, @Ctx() ctx: Context) {
    return policyAt(ctx, j.uuid);
  }

  @FieldResolver(() => JurisdictionStats, { description: 'Figures for this jurisdiction and everything below it; schoolYear defaults to the current one.' })
  async stats(
    @Root() j: Jurisdiction,
    @Ctx() ctx: Context,
    @Arg('schoolYear', () => String, { nullable: true }) schoolYear?: string,
  ): Promise<JurisdictionStats> {
    const year = schoolYear ? schoolYearOf(schoolYear) : schoolYearAt(ctx.now);
    const [stats, policy] = await Promise.all([jurisdictionStats(ctx, j.uuid, year), policyAt(ctx, j.uuid)]);
    return { ...stats, coverageTarget: policy.coverageTarget };
  }
}
