import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Info } from 'type-graphql';
import { paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { EducationGroup } from '../groups/entity';
import { PostingConnection } from '../groups/resolver';
import { Campus } from '../schools/entity';
import { Staff } from '../staff/entity';
import { Posting } from './entity';
import { PostingFilter, postingWhere } from './filters';

@Resolver(() => Posting)
export class PostingResolver {
  @Query(() => PostingConnection)
  postings(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => PostingFilter, { nullable: true }) filter?: PostingFilter,
  ) {
    return paginate(ctx, tableSpec(Posting, 'posting', 'p', postingWhere(ctx, 'p', filter)), { first, after, info });
  }

  @FieldResolver(() => Staff)
  staff(@Root() p: Posting, @Ctx() ctx: Context) {
    return ctx.required(Staff, p.staffId);
  }

  @FieldResolver(() => EducationGroup)
  group(@Root() p: Posting, @Ctx() ctx: Context) {
    return ctx.required(EducationGroup, p.groupId);
  }

  @FieldResolver(() => Campus)
  fromCampus(@Root() p: Posting, @Ctx() ctx: Context) {
    return ctx.required(Campus, p.fromCampusId);
  }

  @FieldResolver(() => Campus)
  toCampus(@Root() p: Posting, @Ctx() ctx: Context) {
    return ctx.required(Campus, p.toCampusId);
  }
}
