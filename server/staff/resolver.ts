import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { and, sql } from '../db/sql';
import { argsKey, nestedList, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { PostingStatus } from '../graphql/enums';
import { uuidOf } from '../graphql/ids';
import { Posting } from '../postings/entity';
import { Campus } from '../schools/entity';
import { StaffConnection } from '../schools/resolver';
import { Staff } from './entity';
import { StaffFilter, staffWhere } from './filters';

function postingsOf(ctx: Context, staffId: string, status?: PostingStatus[] | null) {
  return nestedList(ctx, `Staff.postings:${argsKey(status)}`, staffId, () =>
    tableSpec(Posting, 'posting', 'p',
      and([ctx.scope.visible('Posting', 'p'), status && sql`p.status = ANY(${status}::text[])`]), 'p.staff_id'));
}

@Resolver(() => Staff)
export class StaffResolver {
  @Query(() => Staff, { nullable: true })
  staff(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.byId(Staff, uuidOf(id, 'Staff'));
  }

  @Query(() => StaffConnection, { description: 'Every staff member the caller may see.' })
  staffMembers(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => StaffFilter, { nullable: true }) filter?: StaffFilter,
  ) {
    return paginate(ctx, tableSpec(Staff, 'staff', 's', staffWhere(ctx, 's', filter)), { first, after });
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'National ID number (身份证号): null unless the caller holds the pii:read scope; every such read is logged.',
  })
  nationalId(@Ctx() ctx: Context): string | null {
    // Revealed only with pii:read (access issue), which no caller holds yet.
    if (!ctx.scope.canReadPii) return null;
    return null;
  }

  @FieldResolver(() => Campus, { description: "The campus that holds the staff member's post and pay (人事关系), which a posting never changes." })
  homeCampus(@Root() s: Staff, @Ctx() ctx: Context) {
    return ctx.required(Campus, s.homeCampusId);
  }

  @FieldResolver(() => [Posting])
  postings(
    @Root() s: Staff,
    @Ctx() ctx: Context,
    @Arg('status', () => [PostingStatus], { nullable: true }) status?: PostingStatus[],
  ) {
    return postingsOf(ctx, s.uuid, status);
  }

  @FieldResolver(() => Posting, { nullable: true, description: 'The ACTIVE posting, else the next PLANNED one.' })
  async currentPosting(@Root() s: Staff, @Ctx() ctx: Context) {
    const open = await postingsOf(ctx, s.uuid, ['PLANNED', 'ACTIVE']);
    return open.find((p) => p.status === 'ACTIVE') ?? open[0] ?? null;
  }
}
