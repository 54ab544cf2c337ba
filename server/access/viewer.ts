import { Ctx, Field, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { hydrate } from '../db/rows';
import { and, sql } from '../db/sql';
import { ApiClient } from '../clients/entity';
import type { Context } from '../graphql/context';
import { Role } from '../graphql/enums';
import { EducationGroup } from '../groups/entity';
import { Jurisdiction } from '../jurisdictions/entity';
import { School } from '../schools/entity';

@ObjectType({ description: 'Who is calling, and what they may see.' })
export class Viewer {
  @Field() subject: string;
  @Field(() => Role) role: Role;
  jurisdictionId: string | null;
  groupId: string | null;
  schoolId: string | null;
  @Field(() => [String]) scopes: string[];
}

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer)
  viewer(@Ctx() ctx: Context): Viewer {
    const c = ctx.scope.caller;
    return { subject: c.subject, role: c.role, jurisdictionId: c.jurisdictionId, groupId: c.groupId, schoolId: c.schoolId, scopes: c.scopes };
  }

  @FieldResolver(() => Jurisdiction, { nullable: true })
  jurisdiction(@Root() v: Viewer, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, v.jurisdictionId);
  }

  @FieldResolver(() => EducationGroup, { nullable: true })
  group(@Root() v: Viewer, @Ctx() ctx: Context) {
    return ctx.byId(EducationGroup, v.groupId);
  }

  @FieldResolver(() => School, { nullable: true })
  school(@Root() v: Viewer, @Ctx() ctx: Context) {
    return ctx.byId(School, v.schoolId);
  }
}

@Resolver(() => ApiClient)
export class ApiClientResolver {
  @Query(() => [ApiClient], { description: "API clients registered in the caller's jurisdiction and below (bureau admins only)." })
  async apiClients(@Ctx() ctx: Context) {
    ctx.scope.assertReadable('ApiClient');
    const rows = await ctx.db.query(sql`SELECT a.* FROM api_client a WHERE ${and([ctx.scope.visible('ApiClient', 'a')])} ORDER BY a.id`);
    return rows.map((r) => hydrate(ctx.db.ds, ApiClient, r));
  }

  @FieldResolver(() => Jurisdiction)
  jurisdiction(@Root() a: ApiClient, @Ctx() ctx: Context) {
    return ctx.required(Jurisdiction, a.jurisdictionId);
  }

  @FieldResolver(() => [School], { description: 'Empty: every school within the jurisdiction.' })
  async schools(@Root() a: ApiClient, @Ctx() ctx: Context) {
    return (await Promise.all(a.schoolIds.map((id) => ctx.byId(School, id)))).filter((s): s is School => !!s);
  }
}
