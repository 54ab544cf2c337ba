import { RequestLoader } from '../graphql/loader';
import { Arg, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { schoolYearOf } from '../calendar';
import { and, raw, sql } from '../db/sql';
import { connectionTypes, nestedConnection, nestedList, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { EvaluationGrade, EvaluationTargetType } from '../graphql/enums';
import { uuidOf } from '../graphql/ids';
import { EducationGroup } from '../groups/entity';
import { Jurisdiction } from '../jurisdictions/entity';
import { Campus } from '../schools/entity';
import { bundledResults, GroupEvaluationResult, previousCycle } from './bundled';
import { Evaluation, EvaluationCycle, EvaluationIndicator, EvaluationScore } from './entity';

export const { Connection: EvaluationCycleConnection } = connectionTypes(EvaluationCycle);
export const { Connection: EvaluationConnection } = connectionTypes(Evaluation);

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
    @Arg('targetType', () => EvaluationTargetType, { nullable: true }) targetType?: EvaluationTargetType,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return nestedConnection(ctx, `Cycle.evaluations:${targetType ?? ''}`, y.uuid, { first, after }, () =>
      tableSpec(Evaluation, 'evaluation', 'e',
        and([ctx.scope.visible('Evaluation', 'e'), targetType && sql`e.target_type = ${targetType}`]), 'e.cycle_id'));
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
      shown.flaggedForReview = r.grade === 'FAIL' && prevResults.some((p) => p.groupId === r.groupId && p.grade === 'FAIL');
      return [shown];
    });
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
    description: "Total score minus the same target's total in the same bureau's previous cycle (增值评价); null when there is none.",
  })
  valueAdded(@Root() e: Evaluation, @Ctx() ctx: Context) {
    return ctx.loader('Evaluation.valueAdded', () => new RequestLoader<string, number | null>(async (ids) => {
      // The previous cycle is the bureau's latest earlier school year; the same target and
      // evaluator kind are compared, among SUBMITTED/CONFIRMED evaluations.
      const rows = await ctx.db.query(sql`
        SELECT e.id, e.total_score - pe.total_score AS delta
        FROM evaluation e JOIN evaluation_cycle c ON c.id = e.cycle_id
        JOIN LATERAL (SELECT p.id FROM evaluation_cycle p WHERE p.jurisdiction_id = c.jurisdiction_id
                      AND p.school_year < c.school_year ORDER BY p.school_year DESC, p.id DESC LIMIT 1) pc ON TRUE
        JOIN evaluation pe ON pe.cycle_id = pc.id AND pe.target_type = e.target_type AND pe.evaluator_kind = e.evaluator_kind
          AND pe.group_id IS NOT DISTINCT FROM e.group_id AND pe.campus_id IS NOT DISTINCT FROM e.campus_id
          AND pe.status IN ('SUBMITTED','CONFIRMED')
        WHERE e.id = ANY(${[...ids]}::uuid[])`);
      return ids.map((id) => {
        const d = rows.find((r) => r.id === id)?.delta;
        return d === undefined || d === null ? null : Math.round(d * 100) / 100;
      });
    })).load(e.uuid);
  }
}
