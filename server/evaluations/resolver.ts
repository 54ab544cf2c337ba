import { RequestLoader } from '../graphql/loader';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Float, ID, Info, Int, Query, Resolver, Root } from 'type-graphql';
import { schoolYearOf } from '../calendar';
import { and, raw, sql } from '../db/sql';
import { connectionTypes, nestedConnection, nestedList, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { toMany } from '../graphql/to-many';
import { EvaluationGrade, EvaluationTargetType } from '../graphql/enums';
import { uuidOf } from '../graphql/ids';
import { EducationGroup } from '../groups/entity';
import { Jurisdiction } from '../jurisdictions/entity';
import { Campus } from '../schools/entity';
import { bundledResults, GroupEvaluationResult, previousCycle } from './bundled';
import { Evaluation, EvaluationCycle, EvaluationIndicator, EvaluationScore, GroupGrade, ReviewCase } from './entity';

export const { Connection: EvaluationCycleConnection } = connectionTypes(EvaluationCycle);
export const { Connection: EvaluationConnection } = connectionTypes(Evaluation);

/** A cycle's evaluations (to-many.ts). */
const CYCLE_EVALUATIONS = toMany({
  type: 'EvaluationCycle', field: 'evaluations', entity: Evaluation, alias: 'e',
  key: ({ targetType }: { targetType?: EvaluationTargetType | null }) => `Cycle.evaluations:${targetType ?? ''}`,
  spec: (ctx, { targetType }) => tableSpec(Evaluation, 'evaluation', 'e',
    and([ctx.scope.visible('Evaluation', 'e'), targetType && sql`e.target_type = ${targetType}`]), 'e.cycle_id'),
});

@Resolver(() => EvaluationCycle)
export class EvaluationCycleResolver {
  @Query(() => EvaluationCycle, { nullable: true })
  evaluationCycle(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.byId(EvaluationCycle, uuidOf(id, 'EvaluationCycle'));
  }

  @Query(() => EvaluationCycleConnection)
  evaluationCycles(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('schoolYear', () => String, { nullable: true }) schoolYear?: string,
  ) {
    const where = and([
      ctx.scope.visible('EvaluationCycle', 'y'),
      schoolYear && sql`y.school_year = ${schoolYearOf(schoolYear).label}`,
    ]);
    return paginate(ctx, tableSpec(EvaluationCycle, 'evaluation_cycle', 'y', where), { first, after });
  }

  @FieldResolver(() => Jurisdiction)
  jurisdiction(@Root() y: EvaluationCycle, @Ctx() ctx: Context) {
    return ctx.required(Jurisdiction, y.jurisdictionId);
  }

  @FieldResolver(() => [EvaluationIndicator])
  indicators(@Root() y: EvaluationCycle, @Ctx() ctx: Context) {
    return nestedList(ctx, 'Cycle.indicators', y.uuid, () => ({
      entity: EvaluationIndicator,
      from: raw('evaluation_indicator i'),
      alias: 'i',
      where: raw('TRUE'),
      sortKey: 'i.target_type DESC, i.position',
      keyOf: (r: EvaluationIndicator) => r.key,
      parentKey: 'i.cycle_id',
    }));
  }

  @FieldResolver(() => EvaluationConnection)
  evaluations(
    @Root() y: EvaluationCycle,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('targetType', () => EvaluationTargetType, { nullable: true }) targetType?: EvaluationTargetType,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return nestedConnection(ctx, CYCLE_EVALUATIONS, y, { first, after, info }, { targetType });
  }

  @FieldResolver(() => [GroupGrade], {
    description: "The cycle's ratified grades (核定考核等次): overrides before publication, the published results after; those you may read.",
  })
  groupGrades(@Root() y: EvaluationCycle, @Ctx() ctx: Context) {
    return nestedList(ctx, 'Cycle.groupGrades', y.uuid, () => tableSpec(GroupGrade, 'group_grade', 'r', ctx.scope.visible('GroupGrade', 'r'), 'r.cycle_id'));
  }

  @FieldResolver(() => [GroupEvaluationResult], { description: 'The bundled result (捆绑考核) of every group evaluated in this cycle.' })
  async groupResults(@Root() y: EvaluationCycle, @Ctx() ctx: Context): Promise<GroupEvaluationResult[]> {
    const [results, prevId] = await Promise.all([bundledResults(ctx, y), previousCycle(ctx, y.uuid)]);
    const prev = prevId ? await ctx.reach(EvaluationCycle, prevId) : null;
    const prevResults = prev ? await bundledResults(ctx, prev) : [];
    // Results of the groups in the caller's scope of record, computed over all evaluations;
    // of the evaluations behind them, those the caller may see.
    const [groups, inScope] = await Promise.all([
      Promise.all(results.map((r) => ctx.reach(EducationGroup, r.groupId))),
      Promise.all(results.map((r) => ctx.inScope(EducationGroup, { uuid: r.groupId }))),
    ]);
    const evaluations = await Promise.all(results.map((r) => Promise.all(r.memberEvaluations.map((e) => ctx.inScope(Evaluation, e)))));
    return results.flatMap((r, i) => {
      if (!inScope[i] || !groups[i]) return [];
      const shown = Object.assign(new GroupEvaluationResult(), r);
      shown.group = groups[i]!;
      shown.memberEvaluations = r.memberEvaluations.filter((_, n) => evaluations[i][n]);
      // Two consecutive FAILs flag the group for review (exit or dissolution, 退出或解散): the
      // official grade of a published cycle, the computed one of a cycle not yet published.
      shown.flaggedForReview = officialOr(r, y) === 'FAIL' && prevResults.some((p) => p.groupId === r.groupId && officialOr(p, prev!) === 'FAIL');
      return [shown];
    });
  }
}

/** A result's grade as it stands: the published grade once the cycle is published, else the computed one. */
export const officialOr = (r: GroupEvaluationResult, cycle: EvaluationCycle) => (cycle.publishedAt ? r.publishedGrade : r.grade);

/** Rows of `table` for (cycle, group) pairs that the caller may see as `kind`, batched. */
function byCycleAndGroup<T>(ctx: Context, entity: new () => T, kind: 'GroupGrade' | 'ReviewCase', table: string, r: GroupEvaluationResult): Promise<T | null> {
  if (!ctx.scope.canRead(kind)) return Promise.resolve(null);
  return ctx.loader(`Result.${kind}`, () => new RequestLoader<string, T | null>(async (keys) => {
    const pairs = keys.map((k) => k.split(':'));
    const rows = await ctx.db.query(sql`SELECT t.* FROM ${raw(table)} t
      JOIN unnest(${pairs.map((p) => p[0])}::uuid[], ${pairs.map((p) => p[1])}::uuid[]) k(cycle_id, group_id)
        ON t.cycle_id = k.cycle_id AND t.group_id = k.group_id
      WHERE ${ctx.scope.visible(kind, 't')}`);
    return pairs.map(([c, g]) => {
      const row = rows.find((x) => x.cycle_id === c && x.group_id === g);
      return row ? ctx.listed(entity, row) : null;
    });
  })).load(`${r.cycleRow.uuid}:${r.groupId}`);
}

@Resolver(() => GroupEvaluationResult)
export class GroupEvaluationResultResolver {
  @FieldResolver(() => GroupGrade, {
    nullable: true,
    description: "The bureau's ratification of this grade (override and reason; the published record), where you may read it: the bureaus over the group; the group's admin once published.",
  })
  ratification(@Root() r: GroupEvaluationResult, @Ctx() ctx: Context) {
    return byCycleAndGroup(ctx, GroupGrade, 'GroupGrade', 'group_grade', r);
  }

  @FieldResolver(() => ReviewCase, { nullable: true, description: 'The review case (整改) this published FAIL, after another, opened; where you may read it.' })
  reviewCase(@Root() r: GroupEvaluationResult, @Ctx() ctx: Context) {
    return byCycleAndGroup(ctx, ReviewCase, 'ReviewCase', 'review_case', r);
  }
}

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @FieldResolver(() => EvaluationCycle)
  cycle(@Root() e: Evaluation, @Ctx() ctx: Context) {
    return ctx.required(EvaluationCycle, e.cycleId);
  }

  @FieldResolver(() => EducationGroup, { nullable: true })
  group(@Root() e: Evaluation, @Ctx() ctx: Context) {
    return ctx.reach(EducationGroup, e.groupId);
  }

  @FieldResolver(() => Campus, { nullable: true })
  campus(@Root() e: Evaluation, @Ctx() ctx: Context) {
    return ctx.reach(Campus, e.campusId);
  }

  @FieldResolver(() => [EvaluationScore])
  scores(@Root() e: Evaluation, @Ctx() ctx: Context) {
    return nestedList(ctx, 'Evaluation.scores', e.uuid, () => ({
      entity: EvaluationScore,
      from: raw('evaluation_score s'),
      alias: 's',
      where: raw('TRUE'),
      sortKey: 's.indicator_key',
      keyOf: (r: EvaluationScore) => r.indicatorKey,
      parentKey: 's.evaluation_id',
    }));
  }

  @FieldResolver(() => EvaluationGrade)
  async grade(@Root() e: Evaluation, @Ctx() ctx: Context) {
    return (await ctx.required(EvaluationCycle, e.cycleId)).gradeOf(e.totalScore);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: "The target's score in this cycle minus its score in the same bureau's previous cycle (增值评价), a score being the mean of the " +
      "target's SUBMITTED or CONFIRMED evaluations' totals, whatever the evaluator kind; null when either is missing.",
  })
  valueAdded(@Root() e: Evaluation, @Ctx() ctx: Context) {
    return ctx.loader('Evaluation.valueAdded', () => new RequestLoader<string, number | null>(async (ids) => {
      // 增值评价 (DOMAIN.md "Evaluations"): a target's score in a cycle is the mean of its
      // SUBMITTED/CONFIRMED evaluations' totals, any evaluator kind; the previous cycle is the
      // same bureau's latest earlier school year.
      const score = (cycle: string) => sql`(SELECT avg(x.total_score) FROM evaluation x WHERE x.cycle_id = ${raw(cycle)} AND x.target_type = e.target_type
        AND x.group_id IS NOT DISTINCT FROM e.group_id AND x.campus_id IS NOT DISTINCT FROM e.campus_id AND x.status IN ('SUBMITTED','CONFIRMED'))`;
      const rows = await ctx.db.query(sql`
        SELECT e.id, ${score('e.cycle_id')} AS now_score, ${score('pc.id')} AS prev_score
        FROM evaluation e JOIN evaluation_cycle c ON c.id = e.cycle_id
        JOIN LATERAL (SELECT p.id FROM evaluation_cycle p WHERE p.jurisdiction_id = c.jurisdiction_id
                      AND p.school_year < c.school_year ORDER BY p.school_year DESC, p.id DESC LIMIT 1) pc ON TRUE
        WHERE e.id = ANY(${[...ids]}::uuid[])`);
      return ids.map((id) => {
        const r = rows.find((x) => x.id === id);
        return r && r.now_score !== null && r.prev_score !== null ? Math.round((r.now_score - r.prev_score) * 100) / 100 : null;
      });
    })).load(e.uuid);
  }
}
