import type { GraphQLResolveInfo } from 'graphql';
import { RequestLoader } from '../graphql/loader';
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Info } from 'type-graphql';
import { newId } from '../db/ids';
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
import { decryptPii, maskNationalId } from './pii';
import { processPiiKey } from './pii-key';

/** A name masked to its first character and a fixed mask (王**), so not even its length shows. */
export const pseudonym = (name: string) => `${[...name][0] ?? ''}**`;

/**
 * Decrypts ID numbers for a caller holding pii:read, batched per request, and records each
 * read (who, whose, when) in pii_access_log in the same batch.
 */
function revealNationalId(ctx: Context, staffId: string): Promise<string | null> {
  return ctx.loader('Staff.nationalId', () => new RequestLoader<string, string | null>(async (ids) => {
    const rows = await ctx.db.query(sql`SELECT id, national_id_cipher FROM staff WHERE id = ANY(${[...ids]}::uuid[])`);
    const read = rows.filter((r) => r.national_id_cipher);
    if (read.length) {
      const c = ctx.scope.caller;
      await ctx.db.query(sql`INSERT INTO pii_access_log (id, subject, role, api_client_id, staff_id)
        SELECT id, ${c.subject}, ${c.role}, ${c.apiClientId}::uuid, staff_id
        FROM unnest(${read.map(() => newId())}::uuid[], ${read.map((r) => r.id)}::uuid[]) AS t(id, staff_id)`);
    }
    const key = processPiiKey();
    const plain = new Map<string, string>(read.map((r) => [r.id, decryptPii(r.national_id_cipher, key)]));
    return ids.map((id) => plain.get(id) ?? null);
  })).load(staffId);
}

function postingsOf(ctx: Context, staffId: string, status?: PostingStatus[] | null) {
  return nestedList(ctx, `Staff.postings:${argsKey(status)}`, staffId, () =>
    tableSpec(Posting, 'posting', 'p',
      and([ctx.scope.visible('Posting', 'p'), status && sql`p.status = ANY(${status}::text[])`]), 'p.staff_id'));
}

@Resolver(() => Staff)
export class StaffResolver {
  @Query(() => Staff, { nullable: true })
  staff(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return ctx.byId(Staff, uuidOf(id, 'Staff'), info);
  }

  @Query(() => StaffConnection, { description: 'Every staff member the caller may see.' })
  staffMembers(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => StaffFilter, { nullable: true }) filter?: StaffFilter,
  ) {
    return paginate(ctx, tableSpec(Staff, 'staff', 's', staffWhere(ctx, 's', filter)), { first, after, info });
  }

  @FieldResolver(() => String, { description: 'Name; analysts see it masked to its first character.' })
  name(@Root() s: Staff, @Ctx() ctx: Context): string {
    return ctx.scope.pseudonymiseStaff ? pseudonym(s.name) : s.name;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'National ID number (身份证号): null unless the caller holds the pii:read scope; every such read is logged.',
  })
  async nationalId(@Root() s: Staff, @Ctx() ctx: Context): Promise<string | null> {
    // Only of staff in the caller's scope of record: reaching someone through a posting is not enough.
    if (!ctx.scope.canReadPii || !(await ctx.inScope(Staff, s))) return null;
    return revealNationalId(ctx, s.uuid);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The ID number with all but its last four characters hidden.' })
  async nationalIdMasked(@Root() s: Staff, @Ctx() ctx: Context): Promise<string | null> {
    if (ctx.scope.pseudonymiseStaff || !s.nationalIdMasked || !(await ctx.inScope(Staff, s))) return null;
    return maskNationalId(s.nationalIdMasked);
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
