import { RequestLoader } from '../graphql/loader';
import { hydrate } from '../db/rows';
import { raw, sql, Sql, TRUE } from '../db/sql';
import { GroupMode, PostingType } from '../graphql/enums';
import type { Context } from '../graphql/context';
import {
  ALL_POSTING_TYPES, COMPULSORY_STAGES, FundingBandValue, GroupPolicy, GroupPolicyRow, LeadershipBandValue,
} from './entity';

/** The key under which the policy loader also answers countsTowardRotation's exclusions. */
const EXCLUSIONS = '*rotation-exclusions';
type Exclusions = Array<[string, PostingType]>;

/**
 * The request's policy loader: one statement per batch reads the nearest-first chains of
 * policy rows for the jurisdictions asked, and also those of every jurisdiction that supervises
 * a group below a rotation setting listing posting types (countsTowardRotation), so rotation
 * figures never cost a statement of their own once any policy was read in the request.
 */
function policyLoader(ctx: Context): RequestLoader<string, GroupPolicy | Exclusions> {
  return ctx.loader('policyAt', () => {
    const loader: RequestLoader<string, GroupPolicy | Exclusions> = new RequestLoader(async (keys) => {
      const ids = keys.filter((k) => k !== EXCLUSIONS);
      const rows = await ctx.db.query(sql`
        SELECT f.for_id AS __for, f.restricted AS __restricted, p.*
        FROM (
          SELECT id AS for_id, false AS restricted FROM unnest(${ids}::uuid[]) AS id
          UNION ALL
          SELECT DISTINCT ja.jurisdiction_id, true FROM group_policy gp
          JOIN jurisdiction_ancestor ja ON ja.ancestor_id = gp.jurisdiction_id
          WHERE gp.rotation_posting_types IS NOT NULL AND EXISTS (SELECT 1 FROM education_group g WHERE g.jurisdiction_id = ja.jurisdiction_id)
        ) f
        JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = f.for_id JOIN group_policy p ON p.jurisdiction_id = ja.ancestor_id
        ORDER BY f.restricted, f.for_id, ja.depth`);
      const chains = new Map<string, GroupPolicyRow[]>();
      const restricted = new Map<string, GroupPolicyRow[]>();
      for (const r of rows) {
        const into = r.__restricted ? restricted : chains;
        const list = into.get(r.__for) ?? [];
        list.push(hydrate(ctx.db.ds, GroupPolicyRow, r));
        into.set(r.__for, list);
      }
      const exclusions: Exclusions = [];
      for (const [jid, chain] of restricted) {
        const counted = mergePolicy(chain).rotationPostingTypes;
        for (const t of ALL_POSTING_TYPES) if (!counted.includes(t)) exclusions.push([jid, t]);
      }
      if (!keys.includes(EXCLUSIONS)) loader.prime(EXCLUSIONS, exclusions);
      return keys.map((k) => (k === EXCLUSIONS ? exclusions : mergePolicy(chains.get(k) ?? [])));
    });
    return loader;
  });
}

/**
 * The policy in force at a jurisdiction: each setting from the nearest jurisdiction (itself
 * or an ancestor) that sets it; the built-in default sets nothing. Batched per request.
 */
export function policyAt(ctx: Context, jurisdictionId: string): Promise<GroupPolicy> {
  return policyLoader(ctx).load(jurisdictionId) as Promise<GroupPolicy>;
}

const set = (v: unknown) => v !== null && v !== undefined;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Which of a row's columns make up each setting (PolicySetting); a row sets a setting when any of them is non-null. */
export const SETTING_COLUMNS = {
  ROTATION: ['minAnnualRotationRate', 'minBackboneShareOfPosted', 'rotationPostingTypes'],
  COVERAGE: ['coverageTarget', 'coverageDeadline', 'coverageStages'],
  FUNDING: ['fundingBaseAmount', 'fundingBands'],
  LEADERSHIP: ['leadershipBands'],
} as const satisfies Record<string, ReadonlyArray<keyof GroupPolicyRow>>;

/** A row sets a mode's cap when its max_members names the mode. */
const capsOf = (p: GroupPolicyRow) => Object.entries(p.maxMembers ?? {}).filter(([, n]) => typeof n === 'number') as Array<[GroupMode, number]>;

/** Whether a row sets anything at all (a row that sets nothing sources nothing). */
export function setsAnything(p: GroupPolicyRow): boolean {
  return capsOf(p).length > 0 || Object.values(SETTING_COLUMNS).some((cols) => cols.some((c) => set(p[c])));
}

/**
 * Merges a nearest-first chain of rows into the policy in force. Each setting (PolicySetting)
 * comes whole from the nearest row that sets it, so its parts are never mixed across
 * jurisdictions; parts that row leaves out take the built-in defaults. `source` is the nearest
 * row that sets anything: every setting it sets is in force, since nothing nearer sets it.
 */
export function mergePolicy(chain: GroupPolicyRow[]): GroupPolicy {
  const from = (cols: ReadonlyArray<keyof GroupPolicyRow>) => chain.find((p) => cols.some((c) => set(p[c]))) ?? null;
  const caps = new Map<GroupMode, { n: number; by: string }>();
  for (const p of chain) {
    for (const [mode, n] of capsOf(p)) if (!caps.has(mode)) caps.set(mode, { n, by: p.jurisdictionId });
  }
  const rotation = from(SETTING_COLUMNS.ROTATION);
  const coverage = from(SETTING_COLUMNS.COVERAGE);
  const funding = from(SETTING_COLUMNS.FUNDING);
  const leadership = from(SETTING_COLUMNS.LEADERSHIP);
  const bands = (funding?.fundingBands ?? []) as FundingBandValue[];
  return {
    sourceId: chain.find(setsAnything)?.jurisdictionId ?? null,
    rotationSourceId: rotation?.jurisdictionId ?? null,
    coverageSourceId: coverage?.jurisdictionId ?? null,
    fundingSourceId: funding?.jurisdictionId ?? null,
    leadershipSourceId: leadership?.jurisdictionId ?? null,
    maxMembers: (Object.keys(GroupMode) as GroupMode[])
      .filter((m) => caps.has(m))
      .map((m) => ({ mode: m, maxMembers: caps.get(m)!.n, sourceId: caps.get(m)!.by })),
    minAnnualRotationRate: num(rotation?.minAnnualRotationRate),
    minBackboneShareOfPosted: num(rotation?.minBackboneShareOfPosted),
    rotationPostingTypes: ALL_POSTING_TYPES.filter((t) => (rotation?.rotationPostingTypes ?? ALL_POSTING_TYPES).includes(t)),
    coverageTarget: num(coverage?.coverageTarget),
    coverageDeadline: coverage?.coverageDeadline ?? null,
    coverageStages: coverage?.coverageStages?.length ? [...coverage.coverageStages] : [...COMPULSORY_STAGES],
    funding: funding
      ? { baseAmount: funding.fundingBaseAmount ?? 0, campusBands: [...bands].sort((a, b) => b.minStudents - a.minStudents) }
      : null,
    leadershipBands: [...((leadership?.leadershipBands ?? []) as LeadershipBandValue[])]
      .sort((a, b) => Number(a.kindergarten) - Number(b.kindergarten) || b.minSize - a.minSize),
  };
}

/**
 * A condition on the posting `alias`: its type counts toward rotation (交流轮岗) under the
 * policy in force for its group, i.e. at the group's supervising jurisdiction (rotation
 * setting, rotationPostingTypes; 甘州区 [004 §四(三)2] leaves out SHADOWING 跟岗学习). Every
 * rotation figure (group and jurisdiction rates, backbone shares, violations) asks this one
 * rule. The policy has no history: the settings in force now apply to every school year.
 * Cost: no statement of its own once the request read any policy (policyLoader), else one;
 * TRUE (no cost in SQL) when no policy excludes a type.
 */
export async function countsTowardRotation(ctx: Context, alias: string): Promise<Sql> {
  const excluded = (await policyLoader(ctx).load(EXCLUSIONS)) as Exclusions;
  if (excluded.length === 0) return TRUE;
  const a = raw(alias);
  return sql`NOT EXISTS (SELECT 1 FROM education_group xg
    JOIN unnest(${excluded.map(([j]) => j)}::uuid[], ${excluded.map(([, t]) => t)}::text[]) AS x(j, t) ON x.j = xg.jurisdiction_id
    WHERE xg.id = ${a}.group_id AND x.t = ${a}.type)`;
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
