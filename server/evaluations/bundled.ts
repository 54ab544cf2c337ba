import { RequestLoader } from '../graphql/loader';
import { Field, Float, ObjectType } from 'type-graphql';
import { schoolYearOf } from '../calendar';
import { hydrate } from '../db/rows';
import { sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { EvaluationGrade } from '../graphql/enums';
import { EducationGroup } from '../groups/entity';
import { membershipSpans } from '../memberships/sql';
import { Evaluation, EvaluationCycle } from './entity';

/** The indicator whose group score is the party-building line (党建) of 双线考核. */
export const PARTY_BUILDING_KEY = 'party_building';

@ObjectType({ description: "A group's bundled result in one cycle." })
export class GroupEvaluationResult {
  groupId: string;
  cycleRow: EvaluationCycle;
  @Field(() => EducationGroup) group?: EducationGroup;
  @Field(() => EvaluationCycle) get cycle(): EvaluationCycle {
    return this.cycleRow;
  }
  @Field(() => Float, { nullable: true }) memberAverage: number | null;
  @Field(() => Float, { nullable: true }) partyBuilding: number | null;
  @Field(() => Float, { nullable: true }) comprehensive: number | null;
  @Field(() => Float, { nullable: true }) composite: number | null;
  @Field(() => EvaluationGrade, { nullable: true, description: "The composite's grade by the cycle's thresholds (computed; see publishedGrade for the official one)." })
  grade: EvaluationGrade | null;
  @Field(() => EvaluationGrade, {
    nullable: true,
    description: "The official grade (核定考核等次) once the cycle's bureau has published the results: the computed grade or the bureau's override; null before publication.",
  })
  publishedGrade: EvaluationGrade | null;
  @Field(() => [Evaluation]) memberEvaluations: Evaluation[];
  @Field({
    description: 'FAIL in this cycle and in the same bureau\'s previous one: due for exit or dissolution review (退出或解散). ' +
      'A published cycle counts its published grade, an unpublished one its computed grade; two published FAILs open a reviewCase.',
  })
  flaggedForReview: boolean;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

/** The same bureau's previous cycle (latest earlier school year), batched. */
export function previousCycle(ctx: Context, cycleId: string): Promise<string | null> {
  return ctx.loader('Cycle.previous', () => new RequestLoader<string, string | null>(async (ids) => {
    const rows = await ctx.db.query(sql`
      SELECT c.id, (SELECT p.id FROM evaluation_cycle p WHERE p.jurisdiction_id = c.jurisdiction_id
                    AND p.school_year < c.school_year ORDER BY p.school_year DESC, p.id DESC LIMIT 1) AS prev
      FROM evaluation_cycle c WHERE c.id = ANY(${[...ids]}::uuid[])`);
    return ids.map((id) => rows.find((r) => r.id === id)?.prev ?? null);
  })).load(cycleId);
}

/**
 * 捆绑考核 (双线考核 [002 §六(五)]) for every group of a cycle that has any evaluation in it:
 * memberAverage = mean campus score over the group's campuses (lead included) on the
 * cycle's snapshot day, each campus's score being the mean of its SUBMITTED/CONFIRMED totals;
 * partyBuilding / comprehensive from the group's own evaluations, scaled to 100;
 * composite = weighted sum; grades by the cycle's thresholds. Without the review flag.
 * Once the cycle's results are published they are the published record (group_grade, frozen
 * at publication: published results are immutable), with publishedGrade the official grade.
 * Figures are facts: computed over every evaluation, whoever asks (the resolver decides which
 * groups' results and which evaluations a caller is shown). Batched: one set of statements per
 * snapshot day (school year), however many cycles are asked for.
 */
export function bundledResults(ctx: Context, cycle: EvaluationCycle): Promise<GroupEvaluationResult[]> {
  return ctx.loader('Cycle.bundled', () => new RequestLoader<EvaluationCycle, GroupEvaluationResult[], string>(
    (cycles) => computeBundled(ctx, cycles),
    { cacheKeyFn: (c) => c.uuid },
  )).load(cycle);
}

/** Rows of `rows` by their `key` column. */
function byKey<T extends Record<string, any>>(rows: T[], key: string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = String(r[key]);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}

/**
 * The same, inside a write (ratification, publication): statements one at a time, as a
 * transaction's single connection runs them; no request loader (a write reads fresh rows).
 */
export async function bundledResultsInWrite(ctx: Context, cycle: EvaluationCycle): Promise<GroupEvaluationResult[]> {
  return (await computeBundled(ctx, [cycle], true))[0];
}

/** Runs the statements at once (a request's pool), or one after another (one transaction's connection). */
async function all<T>(serial: boolean, runs: Array<() => Promise<T>>): Promise<T[]> {
  if (!serial) return Promise.all(runs.map((r) => r()));
  const out: T[] = [];
  for (const r of runs) out.push(await r());
  return out;
}

async function computeBundled(ctx: Context, cycles: readonly EvaluationCycle[], serial = false): Promise<GroupEvaluationResult[][]> {
  // One batch per school year: a cycle's group campuses are those that were members during its year.
  const byYear = new Map<string, EvaluationCycle[]>();
  for (const c of cycles) byYear.set(c.schoolYear, [...(byYear.get(c.schoolYear) ?? []), c]);
  const out = new Map<string, GroupEvaluationResult[]>();
  await all(serial, [...byYear].map(([label, cs]) => async () => {
    const ids = [...new Set(cs.map((c) => c.uuid))];
    const published = cs.filter((c) => c.publishedAt).map((c) => c.uuid);
    const [groupScores, indicators, members, campusEvals, publishedRows] = await all<any[]>(serial, [
      () => ctx.db.query(sql`
        SELECT e.id, e.cycle_id, e.group_id, s.indicator_key, s.score FROM evaluation e
        JOIN evaluation_score s ON s.evaluation_id = e.id
        WHERE e.cycle_id = ANY(${ids}::uuid[]) AND e.target_type = 'GROUP' AND e.status IN ('SUBMITTED','CONFIRMED')`),
      () => ctx.db.query(sql`SELECT cycle_id, key, max_score FROM evaluation_indicator WHERE cycle_id = ANY(${ids}::uuid[]) AND target_type = 'GROUP'`),
      // memberAverage's campuses (学校考核分数取集团内各学校的平均值): the lead and members with at
      // least one day in the group during the cycle's school year (memberships/sql.ts: part of a
      // year counts for that part), each once.
      () => ctx.db.query(sql`
        SELECT DISTINCT y.id AS cycle_id, s.group_id, s.campus_id FROM evaluation_cycle y
        JOIN jurisdiction_ancestor ja ON ja.ancestor_id = y.jurisdiction_id
        JOIN education_group gy ON gy.jurisdiction_id = ja.jurisdiction_id
        JOIN (${membershipSpans(schoolYearOf(label), sql`g.jurisdiction_id IN (SELECT x.jurisdiction_id FROM jurisdiction_ancestor x
          JOIN evaluation_cycle c ON c.jurisdiction_id = x.ancestor_id WHERE c.id = ANY(${ids}::uuid[]))`)}) s ON s.group_id = gy.id
        WHERE y.id = ANY(${ids}::uuid[])`),
      () => ctx.db.query(sql`
        SELECT e.* FROM evaluation e WHERE e.cycle_id = ANY(${ids}::uuid[]) AND e.target_type = 'CAMPUS'
          AND e.status IN ('SUBMITTED','CONFIRMED')
        ORDER BY e.id`),
      () => published.length
        ? ctx.db.query(sql`SELECT * FROM group_grade WHERE cycle_id = ANY(${published}::uuid[]) AND published_at IS NOT NULL`)
        : Promise.resolve([]),
    ]);
    const [scoresOf, indicatorsOf, membersOf, publishedOf] = [byKey(groupScores, 'cycle_id'), byKey(indicators, 'cycle_id'), byKey(members, 'cycle_id'), byKey(publishedRows, 'cycle_id')];
    const evalsOf = byKey(campusEvals.map((r) => hydrate(ctx.db.ds, Evaluation, r)), 'cycleId');
    for (const cycle of cs) {
      const live = bundledOf(cycle, scoresOf.get(cycle.uuid) ?? [], indicatorsOf.get(cycle.uuid) ?? [], membersOf.get(cycle.uuid) ?? [], evalsOf.get(cycle.uuid) ?? []);
      out.set(cycle.uuid, cycle.publishedAt ? asPublished(cycle, live, publishedOf.get(cycle.uuid) ?? []) : live);
    }
  }));
  return cycles.map((c) => out.get(c.uuid)!);
}

/** A published cycle's results are what was published: the figures and grades frozen then. */
function asPublished(cycle: EvaluationCycle, live: GroupEvaluationResult[], rows: any[]): GroupEvaluationResult[] {
  const liveOf = new Map(live.map((r) => [r.groupId, r]));
  return rows.sort((a, b) => (a.group_id < b.group_id ? -1 : 1)).map((g) => Object.assign(new GroupEvaluationResult(), {
    groupId: g.group_id,
    cycleRow: cycle,
    memberAverage: g.member_average,
    partyBuilding: g.party_building,
    comprehensive: g.comprehensive,
    composite: g.composite,
    grade: g.computed_grade,
    publishedGrade: g.grade,
    memberEvaluations: liveOf.get(g.group_id)?.memberEvaluations ?? [],
    flaggedForReview: false,
  }));
}

function bundledOf(cycle: EvaluationCycle, groupScores: any[], indicators: any[], members: any[], evals: Evaluation[]): GroupEvaluationResult[] {
  const partyMax = indicators.find((i) => i.key === PARTY_BUILDING_KEY)?.max_score ?? null;
  const otherMax = indicators.filter((i) => i.key !== PARTY_BUILDING_KEY).reduce((n, i) => n + i.max_score, 0);

  const groupIds = new Set<string>(groupScores.map((r) => r.group_id));
  const campusesOf = new Map<string, string[]>();
  for (const m of members) campusesOf.set(m.group_id, [...(campusesOf.get(m.group_id) ?? []), m.campus_id]);
  const evaluatedCampuses = new Set(evals.map((e) => e.campusId));
  for (const [g, cs] of campusesOf) if (cs.some((c) => evaluatedCampuses.has(c))) groupIds.add(g);

  return [...groupIds].sort().map((groupId) => {
    const campuses = new Set(campusesOf.get(groupId) ?? []);
    const memberEvaluations = evals.filter((e) => campuses.has(e.campusId!));
    const campusScores = [...campuses]
      .map((c) => mean(memberEvaluations.filter((e) => e.campusId === c).map((e) => e.totalScore)))
      .filter((x): x is number => x !== null);
    // Each group evaluation (one per evaluator kind) scaled to 100, then averaged.
    const byEval = new Map<string, Array<{ key: string; score: number }>>();
    for (const r of groupScores.filter((r) => r.group_id === groupId)) {
      byEval.set(r.id, [...(byEval.get(r.id) ?? []), { key: r.indicator_key, score: r.score }]);
    }
    const scored = [...byEval.values()];
    const partyBuilding = partyMax
      ? mean(scored.map((s) => ((s.find((x) => x.key === PARTY_BUILDING_KEY)?.score ?? 0) / partyMax) * 100))
      : null;
    const comprehensive = otherMax
      ? mean(scored.map((s) => (s.filter((x) => x.key !== PARTY_BUILDING_KEY).reduce((n, x) => n + x.score, 0) / otherMax) * 100))
      : null;
    const memberAverage = mean(campusScores);
    const parts: Array<[number | null, number]> = [
      [memberAverage, cycle.memberAverageWeight],
      [partyBuilding, cycle.partyBuildingWeight],
      [comprehensive, cycle.comprehensiveWeight],
    ];
    // A missing line makes the composite unknown, unless its weight is zero.
    const composite = parts.every(([v, w]) => v !== null || w === 0)
      ? parts.reduce((n, [v, w]) => n + (v ?? 0) * w, 0)
      : null;
    const result = new GroupEvaluationResult();
    Object.assign(result, {
      groupId,
      cycleRow: cycle,
      memberAverage: round(memberAverage),
      partyBuilding: round(partyBuilding),
      comprehensive: round(comprehensive),
      composite: round(composite),
      grade: composite === null ? null : cycle.gradeOf(round(composite)!),
      publishedGrade: null,
      memberEvaluations,
      flaggedForReview: false,
    });
    return result;
  });
}
