import { Arg, Ctx, Field, Float, InputType, Int, Mutation, Resolver } from 'type-graphql';
import { authorize, requireWriter } from '../access/authority';
import { raw, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { GroupMode } from '../graphql/enums';
import { badInput } from '../graphql/errors';
import { LocalDate } from '../graphql/scalars';
import { write } from '../writes/transaction';
import { GroupPolicy } from './entity';
import { policyAt } from './resolve';

@InputType()
class ModeLimitInput {
  @Field(() => GroupMode) mode: GroupMode;
  @Field(() => Int) maxMembers: number;
}

@InputType()
class FundingBandInput {
  @Field(() => Int) minStudents: number;
  @Field(() => Int) amount: number;
}

@InputType()
class LeadershipBandInput {
  @Field() kindergarten: boolean;
  @Field(() => Int) minSize: number;
  @Field(() => Int) vicePrincipals: number;
}

@InputType({ description: "Fields left out keep their current value; null clears a setting so the ancestor's applies." })
export class GroupPolicyInput {
  @Field(() => [ModeLimitInput], { nullable: true }) maxMembers?: ModeLimitInput[] | null;
  @Field(() => Float, { nullable: true }) minAnnualRotationRate?: number | null;
  @Field(() => Float, { nullable: true }) minBackboneShareOfPosted?: number | null;
  @Field(() => Float, { nullable: true }) coverageTarget?: number | null;
  @Field(() => LocalDate, { nullable: true }) coverageDeadline?: string | null;
  @Field(() => Int, { nullable: true }) fundingBaseAmount?: number | null;
  @Field(() => [FundingBandInput], { nullable: true }) fundingBands?: FundingBandInput[] | null;
  @Field(() => [LeadershipBandInput], { nullable: true }) leadershipBands?: LeadershipBandInput[] | null;
}

/** Input field → column, with its validation. */
const SETTINGS: Array<{ field: keyof GroupPolicyInput; column: string; check(v: any): string | null; json?: (v: any) => unknown }> = [
  {
    field: 'maxMembers', column: 'max_members',
    check: (v: ModeLimitInput[]) => v.some((l) => l.maxMembers < 0 || l.maxMembers > 1000) ? 'maxMembers is between 0 and 1000'
      : new Set(v.map((l) => l.mode)).size !== v.length ? 'each mode may appear once' : null,
    json: (v: ModeLimitInput[]) => Object.fromEntries(v.map((l) => [l.mode, l.maxMembers])),
  },
  { field: 'minAnnualRotationRate', column: 'min_annual_rotation_rate', check: (v) => (v < 0 || v > 1 ? 'a rate is a share between 0 and 1, e.g. 0.05' : null) },
  { field: 'minBackboneShareOfPosted', column: 'min_backbone_share_of_posted', check: (v) => (v < 0 || v > 1 ? 'a share is between 0 and 1, e.g. 0.2' : null) },
  { field: 'coverageTarget', column: 'coverage_target', check: (v) => (v < 0 || v > 1 ? 'coverage is a share between 0 and 1, e.g. 0.6' : null) },
  { field: 'coverageDeadline', column: 'coverage_deadline', check: () => null },
  // Amounts in yuan, bounded so that a group's entitlement summed over its campuses stays within Int.
  { field: 'fundingBaseAmount', column: 'funding_base_amount', check: (v) => (v < 0 || v > 100_000_000 ? 'an amount is between 0 and 100,000,000 yuan' : null) },
  {
    field: 'fundingBands', column: 'funding_bands',
    check: (v: FundingBandInput[]) => (v.some((b) => b.minStudents < 0 || b.amount < 0 || b.amount > 1_000_000 || b.minStudents > 100_000)
      ? 'a band gives 0 to 1,000,000 yuan per campus from 0 to 100,000 students' : null),
    json: (v) => v.map((b: FundingBandInput) => ({ minStudents: b.minStudents, amount: b.amount })),
  },
  {
    field: 'leadershipBands', column: 'leadership_bands',
    check: (v: LeadershipBandInput[]) => (v.some((b) => b.minSize < 0 || b.vicePrincipals < 0 || b.minSize > 100_000 || b.vicePrincipals > 100)
      ? 'a band allows 0 to 100 vice-principals from a size of 0 to 100,000' : null),
    json: (v) => v.map((b: LeadershipBandInput) => ({ kindergarten: b.kindergarten, minSize: b.minSize, vicePrincipals: b.vicePrincipals })),
  },
];

@Resolver(() => GroupPolicy)
export class PolicyMutations {
  @Mutation(() => GroupPolicy, { description: "Sets rules for the caller's own jurisdiction (and everything below it that does not set its own)." })
  setGroupPolicy(@Arg('jurisdictionCode') jurisdictionCode: string, @Arg('input', () => GroupPolicyInput) input: GroupPolicyInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const j = await w.one(sql`SELECT id, code, name FROM jurisdiction WHERE code = ${jurisdictionCode}`);
      if (!j) throw badInput('jurisdictionCode', `unknown jurisdiction ${jurisdictionCode}`);
      await authorize(w.ctx, 'setGroupPolicy', { places: { own: j.id } });
      const given = SETTINGS.filter((s) => input[s.field] !== undefined);
      for (const s of given) {
        const v = input[s.field];
        const problem = v === null ? null : s.check(v);
        if (problem) throw badInput(`input.${s.field}`, problem);
      }
      const before = await w.one(sql`SELECT * FROM group_policy WHERE jurisdiction_id = ${j.id}::uuid FOR UPDATE`);
      await w.query(sql`INSERT INTO group_policy (jurisdiction_id) VALUES (${j.id}) ON CONFLICT DO NOTHING`);
      for (const s of given) {
        const v = input[s.field];
        const value = v === null ? null : s.json ? JSON.stringify(s.json(v)) : v;
        await w.query(sql`UPDATE group_policy SET ${raw(s.column)} = ${value}, updated_at = now() WHERE jurisdiction_id = ${j.id}::uuid`);
      }
      const after = await w.one(sql`SELECT * FROM group_policy WHERE jurisdiction_id = ${j.id}::uuid`);
      const same = (k: string) => k === 'updated_at' || k === 'created_at' || JSON.stringify(before?.[k] ?? null) === JSON.stringify(after[k] ?? null);
      if (before && Object.keys(after).every(same)) return policyAt(w.ctx, j.id); // nothing changed: no audit entry
      await w.record({ action: 'setGroupPolicy', entityType: 'GroupPolicy', entityId: j.id, before: before ?? null, after, jurisdictionIds: [j.id], feed: false });
      return policyAt(w.ctx, j.id);
    });
  }
}
