import { Arg, Ctx, Field, Float, InputType, Int, Mutation, Resolver } from 'type-graphql';
import { authorize, requireWriter } from '../access/authority';
import { hydrate } from '../db/rows';
import { join, raw, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { GroupMode, PostingType, SchoolStage } from '../graphql/enums';
import { badInput, hubError } from '../graphql/errors';
import { LocalDate } from '../graphql/scalars';
import { write } from '../writes/transaction';
import { GroupPolicy, GroupPolicyRow, PolicySetting } from './entity';
import { policyAt, setsAnything } from './resolve';

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

@InputType({
  description:
    "Fields left out keep their current value; null clears a value. Values that belong together form one setting (see PolicySetting), " +
    "set and inherited as a whole: a setting this jurisdiction sets does not borrow its other parts from an ancestor, and clearing " +
    "coverageTarget clears the coverage setting (deadline and stages too). `clear` removes whole settings so the ancestors' apply.",
})
export class GroupPolicyInput {
  @Field(() => [ModeLimitInput], { nullable: true }) maxMembers?: ModeLimitInput[] | null;
  @Field(() => Float, { nullable: true }) minAnnualRotationRate?: number | null;
  @Field(() => Float, { nullable: true }) minBackboneShareOfPosted?: number | null;
  @Field(() => [PostingType], { nullable: true, description: 'Posting types that count toward rotation (part of the rotation setting); null: every type.' })
  rotationPostingTypes?: PostingType[] | null;
  @Field(() => Float, { nullable: true }) coverageTarget?: number | null;
  @Field(() => LocalDate, { nullable: true }) coverageDeadline?: string | null;
  @Field(() => [SchoolStage], { nullable: true, description: 'School stages the coverage target covers (part of the coverage setting); null: PRIMARY and JUNIOR (义务教育).' })
  coverageStages?: SchoolStage[] | null;
  @Field(() => Int, { nullable: true }) fundingBaseAmount?: number | null;
  @Field(() => [FundingBandInput], { nullable: true }) fundingBands?: FundingBandInput[] | null;
  @Field(() => [LeadershipBandInput], { nullable: true }) leadershipBands?: LeadershipBandInput[] | null;
  @Field(() => [PolicySetting], { nullable: true, description: 'Settings to remove from this jurisdiction, so that the nearest ancestor that sets them applies.' })
  clear?: PolicySetting[] | null;
}

type Setting = { field: Exclude<keyof GroupPolicyInput, 'clear'>; column: string; setting: PolicySetting; check(v: any): string | null; json?: (v: any) => unknown };

const distinct = (v: unknown[], what: string) => (v.length === 0 ? `give at least one ${what}, or null` : new Set(v).size !== v.length ? `each ${what} may appear once` : null);

/** Input field → column and the setting it belongs to (PolicySetting), with its validation. */
const SETTINGS: Setting[] = [
  {
    field: 'maxMembers', column: 'max_members', setting: 'MAX_MEMBERS',
    check: (v: ModeLimitInput[]) => v.some((l) => l.maxMembers < 0 || l.maxMembers > 1000) ? 'maxMembers is between 0 and 1000'
      : new Set(v.map((l) => l.mode)).size !== v.length ? 'each mode may appear once' : null,
    json: (v: ModeLimitInput[]) => Object.fromEntries(v.map((l) => [l.mode, l.maxMembers])),
  },
  { field: 'minAnnualRotationRate', column: 'min_annual_rotation_rate', setting: 'ROTATION', check: (v) => (v < 0 || v > 1 ? 'a rate is a share between 0 and 1, e.g. 0.05' : null) },
  { field: 'minBackboneShareOfPosted', column: 'min_backbone_share_of_posted', setting: 'ROTATION', check: (v) => (v < 0 || v > 1 ? 'a share is between 0 and 1, e.g. 0.2' : null) },
  { field: 'rotationPostingTypes', column: 'rotation_posting_types', setting: 'ROTATION', check: (v: PostingType[]) => distinct(v, 'posting type') },
  { field: 'coverageTarget', column: 'coverage_target', setting: 'COVERAGE', check: (v) => (v < 0 || v > 1 ? 'coverage is a share between 0 and 1, e.g. 0.6' : null) },
  { field: 'coverageDeadline', column: 'coverage_deadline', setting: 'COVERAGE', check: () => null },
  { field: 'coverageStages', column: 'coverage_stages', setting: 'COVERAGE', check: (v: SchoolStage[]) => distinct(v, 'stage') },
  // Amounts in yuan, bounded so that a group's entitlement summed over its campuses stays within Int.
  { field: 'fundingBaseAmount', column: 'funding_base_amount', setting: 'FUNDING', check: (v) => (v < 0 || v > 100_000_000 ? 'an amount is between 0 and 100,000,000 yuan' : null) },
  {
    field: 'fundingBands', column: 'funding_bands', setting: 'FUNDING',
    check: (v: FundingBandInput[]) => (v.some((b) => b.minStudents < 0 || b.amount < 0 || b.amount > 1_000_000 || b.minStudents > 100_000)
      ? 'a band gives 0 to 1,000,000 yuan per campus from 0 to 100,000 students' : null),
    json: (v) => v.map((b: FundingBandInput) => ({ minStudents: b.minStudents, amount: b.amount })),
  },
  {
    field: 'leadershipBands', column: 'leadership_bands', setting: 'LEADERSHIP',
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
      const clear = new Set(input.clear ?? []);
      if (clear.size !== (input.clear ?? []).length) throw badInput('input.clear', 'each setting may appear once');
      const given = SETTINGS.filter((s) => input[s.field] !== undefined);
      for (const s of given) {
        const v = input[s.field];
        if (clear.has(s.setting)) throw badInput(`input.${s.field}`, `${s.field} belongs to ${s.setting}, which input.clear removes`);
        const problem = v === null ? null : s.check(v);
        if (problem) throw badInput(`input.${s.field}`, problem);
      }
      // The row is locked for the whole change, created first if missing, so concurrent changes take turns.
      // (A concurrent change may delete the row between the two statements: then try again.)
      let created: unknown;
      let current: Record<string, any> | undefined;
      for (let attempt = 0; !current; attempt++) {
        if (attempt === 5) throw hubError('CONFLICT', `the policy of ${j.name} is being changed concurrently: try again`);
        created = await w.one(sql`INSERT INTO group_policy (jurisdiction_id) VALUES (${j.id}) ON CONFLICT DO NOTHING RETURNING jurisdiction_id`);
        current = await w.one(sql`SELECT * FROM group_policy WHERE jurisdiction_id = ${j.id}::uuid FOR UPDATE`);
      }
      const before = created ? null : current;
      const next = new Map<string, unknown>();
      for (const s of SETTINGS) if (clear.has(s.setting)) next.set(s.column, null);
      for (const s of given) {
        const v = input[s.field];
        next.set(s.column, v === null || v === undefined ? null : s.json ? JSON.stringify(s.json(v)) : v);
      }
      // The coverage setting is a target with its deadline and stages: no deadline or stages
      // without this jurisdiction's own target, and clearing the target clears all three.
      const target = next.has('coverage_target') ? next.get('coverage_target') : current.coverage_target;
      if (target === null || target === undefined) {
        for (const f of ['coverageDeadline', 'coverageStages'] as const) {
          if (input[f] !== undefined && input[f] !== null) {
            throw badInput(`input.${f}`, `${f} is part of the coverage setting: give coverageTarget too (${j.name} sets no coverage target of its own)`);
          }
        }
        next.set('coverage_deadline', null);
        next.set('coverage_stages', null);
      }
      if (next.size > 0) {
        const assignments = join([...next].map(([column, value]) => sql`${raw(column)} = ${value}`), ', ');
        await w.query(sql`UPDATE group_policy SET ${assignments}, updated_at = now() WHERE jurisdiction_id = ${j.id}::uuid`);
      }
      let after: Record<string, unknown> | null = await w.one(sql`SELECT * FROM group_policy WHERE jurisdiction_id = ${j.id}::uuid`) ?? null;
      // A jurisdiction that sets nothing keeps no row, so it sources nothing (policy.source).
      if (after && !setsAnything(hydrate(w.ctx.db.ds, GroupPolicyRow, after))) {
        await w.query(sql`DELETE FROM group_policy WHERE jurisdiction_id = ${j.id}::uuid`);
        after = null;
      }
      const same = (k: string) => k === 'updated_at' || k === 'created_at' || JSON.stringify(before?.[k] ?? null) === JSON.stringify(after?.[k] ?? null);
      const keys = Object.keys(before ?? after ?? {});
      if ((before === null) === (after === null) && keys.every(same)) return policyAt(w.ctx, j.id); // nothing changed: no audit entry
      await w.record({ action: 'setGroupPolicy', entityType: 'GroupPolicy', entityId: j.id, before, after, jurisdictionIds: [j.id], feed: false });
      return policyAt(w.ctx, j.id);
    });
  }
}
