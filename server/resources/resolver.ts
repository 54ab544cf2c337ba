import type { GraphQLResolveInfo } from 'graphql';
import { RequestLoader } from '../graphql/loader';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Info } from 'type-graphql';
import { sql } from '../db/sql';
import { argsKey, connectionTypes, nestedConnection, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { toMany } from '../graphql/to-many';
import { EducationGroup } from '../groups/entity';
import { Campus } from '../schools/entity';
import { Staff } from '../staff/entity';
import { Resource, ResourceLibrary, ResourceUseByCampus } from './entity';
import { ResourceFilter, resourceWhere } from './filters';

export const { Connection: ResourceConnection } = connectionTypes(Resource);

/** Uses per (resource, campus), batched over resources. */
function usesOf(ctx: Context, resourceId: string): Promise<ResourceUseByCampus[]> {
  return ctx.loader('Resource.uses', () => new RequestLoader<string, ResourceUseByCampus[]>(async (ids) => {
    const rows = await ctx.db.query(sql`
      SELECT resource_id, campus_id, count(*)::int AS n FROM resource_use
      WHERE resource_id = ANY(${[...ids]}::uuid[]) GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`);
    return ids.map((id) => rows.filter((r) => r.resource_id === id).map((r) => ({ campusId: r.campus_id, count: r.n })));
  })).load(resourceId);
}

/** A library's resources (to-many.ts). */
const LIBRARY_RESOURCES = toMany({
  type: 'ResourceLibrary', field: 'resources', entity: Resource, alias: 'r',
  key: ({ filter }: { filter?: ResourceFilter | null }) => `Library.resources:${argsKey(filter)}`,
  spec: (ctx, { filter }) => tableSpec(Resource, 'resource', 'r', resourceWhere(ctx, 'r', filter), 'r.library_id'),
});

@Resolver(() => ResourceLibrary)
export class ResourceLibraryResolver {
  @FieldResolver(() => EducationGroup)
  group(@Root() l: ResourceLibrary, @Ctx() ctx: Context) {
    return ctx.required(EducationGroup, l.groupId);
  }

  @FieldResolver(() => ResourceConnection)
  resources(
    @Root() l: ResourceLibrary,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => ResourceFilter, { nullable: true }) filter?: ResourceFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return nestedConnection(ctx, LIBRARY_RESOURCES, l, { first, after, info }, { filter });
  }
}

@Resolver(() => Resource)
export class ResourceResolver {
  @Query(() => ResourceConnection)
  resources(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => ResourceFilter, { nullable: true }) filter?: ResourceFilter,
  ) {
    return paginate(ctx, tableSpec(Resource, 'resource', 'r', resourceWhere(ctx, 'r', filter)), { first, after });
  }

  @FieldResolver(() => ResourceLibrary)
  library(@Root() r: Resource, @Ctx() ctx: Context) {
    return ctx.required(ResourceLibrary, r.libraryId);
  }

  @FieldResolver(() => Staff, { nullable: true })
  contributor(@Root() r: Resource, @Ctx() ctx: Context) {
    return ctx.reach(Staff, r.contributorId);
  }

  @FieldResolver(() => Campus)
  contributingCampus(@Root() r: Resource, @Ctx() ctx: Context) {
    return ctx.required(Campus, r.contributingCampusId);
  }

  @FieldResolver(() => Int, { description: 'Uses recorded so far, in total.' })
  async useCount(@Root() r: Resource, @Ctx() ctx: Context) {
    return (await usesOf(ctx, r.uuid)).reduce((n, u) => n + u.count, 0);
  }

  @FieldResolver(() => [ResourceUseByCampus], { description: 'Uses recorded so far, per using campus (campuses the caller may see).' })
  async uses(@Root() r: Resource, @Ctx() ctx: Context) {
    const uses = await usesOf(ctx, r.uuid);
    const campuses = await Promise.all(uses.map((u) => ctx.byId(Campus, u.campusId)));
    return uses.flatMap((u, i) => (campuses[i] ? [{ ...u, campus: campuses[i] }] : []));
  }
}
