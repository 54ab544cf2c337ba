import { RequestLoader } from '../graphql/loader';
import { hydrate } from '../db/rows';
import { sql } from '../db/sql';
import { GroupMode } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { FundingBandValue, GroupPolicy, GroupPolicyRow, LeadershipBandValue } from './entity';

/**
 * The policy in force at a jurisdiction: each setting from the nearest jurisdiction (itself
 * or an ancestor) that sets it; the built-in default sets nothing. Batched per request.
 */
export function policyAt(ctx: Context, jurisdictionId: string): Promise<GroupPolicy> {
  return ctx
    .loader('policyAt', () => new RequestLoader<string, GroupPolicy>(async (ids) => {
      const rows = await ctx.db.query(sql`
        SELECT ja.jurisdiction_id AS __for, p.*
        FROM jurisdiction_ancestor ja JOIN group_policy p ON p.jurisdiction_id = ja.ancestor_id
        WHERE ja.jurisdiction_id = ANY(${[...ids]}::uuid[])
        ORDER BY ja.jurisdiction_id, ja.depth`);
      const chains = new Map<string, GroupPolicyRow[]>();
      for (const r of rows) {
        const list = chains.get(r.__for) ?? [];
        list.push(hydrate(ctx.db.ds, GroupPolicyRow, r));
        chains.set(r.__for, list);
      }
      return ids.map((id) => mergePolicy(chains.get(id) ?? []));
    }))
    .load(jurisdictionId);
}

/** Merges a nearest-first chain of settings into the policy in force. */
export function mergePolicy(chain: GroupPolicyRow[]): GroupPolicy {
  const pick = <K extends keyof GroupPolicyRow>(k: K): GroupPolicyRow[K] | null =>
    chain.find((p) => p[k] !== null && p[k] !== undefined)?.[k] ?? null;
  const caps = new Map<GroupMode, number>();
  for (const p of chain) {
    for (const [mode, n] of Object.entries(p.maxMembers ?? {})) {
      if (!caps.has(mode as GroupMode) && typeof n === 'number') caps.set(mode as GroupMode, n);
    }
  }
  const base = pick('fundingBaseAmount');
  const bands = pick('fundingBands') as FundingBandValue[] | null;
  const leadership = (pick('leadershipBands') as LeadershipBandValue[] | null) ?? [];
  return {
    sourceId: chain[0]?.jurisdictionId ?? null,
    maxMembers: Object.keys(GroupMode)
      .filter((m) => caps.has(m as GroupMode))
      .map((m) => ({ mode: m as GroupMode, maxMembers: caps.get(m as GroupMode)! })),
    minAnnualRotationRate: pick('minAnnualRotationRate'),
    minBackboneShareOfPosted: pick('minBackboneShareOfPosted'),
    coverageTarget: pick('coverageTarget'),
    coverageDeadline: pick('coverageDeadline'),
    funding:
      base === null && bands === null
        ? null
        : { baseAmount: base ?? 0, campusBands: [...(bands ?? [])].sort((a, b) => b.minStudents - a.minStudents) },
    leadershipBands: [...leadership].sort((a, b) => Number(a.kindergarten) - Number(b.kindergarten) || b.minSize - a.minSize),
  };
}

/** The amount a member campus of this size adds under a funding rule (highest band reached). */
export function campusFunding(policy: GroupPolicy, students: number): number {
  return policy.funding?.campusBands.find((b) => students >= b.minStudents)?.amount ?? 0;
}

/**
 * Vice-principal posts allowed at a campus (沙坡头区 [002]): bands by students, or by classes
 * for kindergartens. Null when the policy sets no bands (no limit).
 */
export function vicePrincipalsAllowed(policy: GroupPolicy, kindergarten: boolean, students: number, classes: number): number | null {
  const bands = policy.leadershipBands.filter((b) => b.kindergarten === kindergarten);
  if (bands.length === 0) return null;
  const size = kindergarten ? classes : students;
  return bands.find((b) => size >= b.minSize)?.vicePrincipals ?? 0;
}
