import { Arg, Ctx, Field, Float, ID, InputType, Mutation, Resolver } from 'type-graphql';
import { authorize, requireWriter, WriteAction } from '../access/authority';
import { schoolYearOf } from '../calendar';
import { newId } from '../db/ids';
import { and, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { EvaluationTargetType, EvaluatorKind } from '../graphql/enums';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { write, Writer } from '../writes/transaction';
import { Evaluation, EvaluationCycle } from './entity';

@InputType()
export class IndicatorInput {
  @Field() key: string;
  @Field() name: string;
  @Field(() => Float) maxScore: number;
  @Field(() => EvaluationTargetType) targetType: EvaluationTargetType;
}

@InputType()
export class CreateEvaluationCycleInput {
  @Field() jurisdictionCode: string;
  @Field() name: string;
  @Field() schoolYear: string;
  @Field(() => [IndicatorInput]) indicators: IndicatorInput[];
  @Field(() => Float, { nullable: true, description: 'Defaults to 0.5 / 0.1 / 0.4.' }) memberAverageWeight?: number | null;
  @Field(() => Float, { nullable: true }) partyBuildingWeight?: number | null;
  @Field(() => Float, { nullable: true }) comprehensiveWeight?: number | null;
  @Field(() => Float, { nullable: true, description: 'Defaults to EXCELLENT 90, GOOD 80, FAIR 60.' }) excellentMin?: number | null;
  @Field(() => Float, { nullable: true }) goodMin?: number | null;
  @Field(() => Float, { nullable: true }) fairMin?: number | null;
}

@InputType()
export class IndicatorScoreInput {
  @Field() indicatorKey: string;
  @Field(() => Float) score: number;
}

@InputType()
export class RecordEvaluationInput {
  @Field(() => ID) cycleId: string;
  @Field(() => EvaluationTargetType) targetType: EvaluationTargetType;
  @Field(() => ID, { description: "The group's id for GROUP, the campus's id for CAMPUS." }) targetId: string;
  @Field(() => EvaluatorKind) evaluatorKind: EvaluatorKind;
  @Field(() => [IndicatorScoreInput]) scores: IndicatorScoreInput[];
  @Field(() => Boolean, { nullable: true, defaultValue: false }) submit?: boolean;
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

/** The write action of recording an evaluation as each evaluator kind. */
const RECORDS_AS: Record<EvaluatorKind, WriteAction> = {
  BUREAU: 'recordBureauEvaluation',
  LEAD_SCHOOL: 'recordLeadSchoolEvaluation',
  THIRD_PARTY: 'recordThirdPartyEvaluation',
};

async function lockCycle(w: Writer, id: string) {
  return lockCycleRow(w, uuidOf(id, 'EvaluationCycle'));
}

async function lockCycleRow(w: Writer, uuid: string | null) {
  const y = uuid
    ? await w.one(sql`SELECT y.* FROM evaluation_cycle y WHERE y.id = ${uuid}::uuid FOR UPDATE`)
    : undefined;
  if (!y) throw notFound('evaluation cycle');
  return y;
}

/** Published results are immutable (核定考核等次): no score of a published cycle changes. */
function refusePublished(y: { published_at: Date | null }, field: string) {
  if (y.published_at) throw hubError('CONFLICT', "the cycle's results are published: its scores can no longer change", { field });
}

@Resolver(() => Evaluation)
export class EvaluationMutations {
  @Mutation(() => EvaluationCycle)
  createEvaluationCycle(@Arg('input', () => CreateEvaluationCycleInput) input: CreateEvaluationCycleInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const year = schoolYearOf(input.schoolYear, 'input.schoolYear');
    requireText('input.name', input.name);
    const weights = [input.memberAverageWeight ?? 0.5, input.partyBuildingWeight ?? 0.1, input.comprehensiveWeight ?? 0.4];
    if (weights.some((x) => x < 0 || x > 1) || !close(weights[0] + weights[1] + weights[2], 1)) {
      throw badInput('input.memberAverageWeight', 'the three weights are shares that sum to 1 (default 0.5 / 0.1 / 0.4)');
    }
    const [ex, good, fair] = [input.excellentMin ?? 90, input.goodMin ?? 80, input.fairMin ?? 60];
    if (!(ex <= 100 && ex >= good && good >= fair && fair >= 0)) throw badInput('input.excellentMin', 'thresholds must satisfy 100 ≥ excellentMin ≥ goodMin ≥ fairMin ≥ 0');
    if (input.indicators.length === 0) throw badInput('input.indicators', 'a cycle needs indicators');
    input.indicators.forEach((i, n) => {
      if (!/^[a-z][a-z0-9_]*$/.test(i.key)) throw badInput(`input.indicators[${n}].key`, 'keys are lower_snake_case, e.g. teaching_quality');
      if (!(i.maxScore >= 0.1 && i.maxScore <= 100)) throw badInput(`input.indicators[${n}].maxScore`, 'maxScore is between 0.1 and 100');
    });
    for (const t of ['GROUP', 'CAMPUS'] as const) {
      const of = input.indicators.filter((i) => i.targetType === t);
      if (new Set(of.map((i) => i.key)).size !== of.length) throw badInput('input.indicators', `indicator keys repeat for ${t}`);
      const sum = of.reduce((n, i) => n + i.maxScore, 0);
      if (of.length && !close(sum, 100)) throw badInput('input.indicators', `the ${t} indicators' maxScores sum to ${sum}; they must sum to 100`);
    }
    return write(ctx, async (w) => {
      const j = await w.one(sql`SELECT id, code, name FROM jurisdiction WHERE code = ${input.jurisdictionCode}`);
      if (!j) throw badInput('input.jurisdictionCode', `unknown jurisdiction ${input.jurisdictionCode}`);
      await authorize(w.ctx, 'createEvaluationCycle', { places: { own: j.id } });
      const y = await w.one(sql`INSERT INTO evaluation_cycle (id, jurisdiction_id, name, school_year, member_average_weight, party_building_weight,
          comprehensive_weight, excellent_min, good_min, fair_min)
        VALUES (${newId()}, ${j.id}, ${input.name.trim()}, ${year.label}, ${weights[0]}, ${weights[1]}, ${weights[2]}, ${ex}, ${good}, ${fair}) RETURNING *`);
      for (const [n, i] of input.indicators.entries()) {
        await w.query(sql`INSERT INTO evaluation_indicator (cycle_id, target_type, key, name, max_score, position)
          VALUES (${y.id}, ${i.targetType}, ${i.key}, ${i.name}, ${i.maxScore}, ${n})`);
      }
      await w.record({ action: 'createEvaluationCycle', entityType: 'EvaluationCycle', entityId: y.id, after: { ...y, indicators: input.indicators }, jurisdictionIds: [j.id] });
      return w.row(EvaluationCycle, y);
    });
  }

  @Mutation(() => Evaluation)
  recordEvaluation(@Arg('input', () => RecordEvaluationInput) input: RecordEvaluationInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const y = await lockCycle(w, input.cycleId);
      refusePublished(y, 'input.cycleId');
      if (y.status !== 'OPEN') throw hubError('CONFLICT', 'the cycle is closed: no more scores', { field: 'input.cycleId' });
      const target = uuidOf(input.targetId, input.targetType === 'GROUP' ? 'EducationGroup' : 'Campus');
      // The target must be covered by the cycle: a group supervised within its jurisdiction, or such a group's campus.
      const t = target
        ? await w.one(input.targetType === 'GROUP'
          ? sql`SELECT g.id, g.id AS group_id, g.lead_campus_id, NULL::uuid AS school_id, g.jurisdiction_id FROM education_group g
              JOIN jurisdiction_ancestor x ON x.jurisdiction_id = g.jurisdiction_id AND x.ancestor_id = ${y.jurisdiction_id}::uuid WHERE g.id = ${target}::uuid`
          : sql`SELECT c.id, g.id AS group_id, g.lead_campus_id, c.school_id, c.jurisdiction_id FROM campus c
              JOIN group_membership m ON m.campus_id = c.id AND m.status = 'ACTIVE'
              JOIN education_group g ON g.id = m.group_id
              JOIN jurisdiction_ancestor x ON x.jurisdiction_id = g.jurisdiction_id AND x.ancestor_id = ${y.jurisdiction_id}::uuid
              WHERE c.id = ${target}::uuid`)
        : undefined;
      if (!t) throw badInput('input.targetId', `no ${input.targetType === 'GROUP' ? 'group' : 'grouped campus'} this cycle covers`);
      // Who records which evaluator kind (LEAD_SCHOOL: the lead school scores its member campuses, 龙头学校对"+校"考核).
      if (input.evaluatorKind === 'LEAD_SCHOOL' && !(input.targetType === 'CAMPUS' && t.lead_campus_id !== t.id)) {
        throw badInput('input.evaluatorKind', 'LEAD_SCHOOL evaluations score member campuses, not the group or its lead campus');
      }
      const lead = input.evaluatorKind === 'LEAD_SCHOOL' ? await w.one(sql`SELECT school_id FROM campus WHERE id = ${t.lead_campus_id}::uuid`) : undefined;
      await authorize(w.ctx, RECORDS_AS[input.evaluatorKind], { places: { own: y.jurisdiction_id }, group: t.group_id, leadSchool: lead?.school_id, cycle: y.id });
      const indicators = await w.query(sql`SELECT key, max_score FROM evaluation_indicator WHERE cycle_id = ${y.id}::uuid AND target_type = ${input.targetType}`);
      const seen = new Set<string>();
      input.scores.forEach((s, n) => {
        const ind = indicators.find((i) => i.key === s.indicatorKey);
        if (!ind) throw badInput(`input.scores[${n}].indicatorKey`, `no ${input.targetType} indicator "${s.indicatorKey}" in this cycle`);
        if (seen.has(s.indicatorKey)) throw badInput(`input.scores[${n}].indicatorKey`, `"${s.indicatorKey}" is scored twice`);
        seen.add(s.indicatorKey);
        if (!(s.score >= 0 && s.score <= ind.max_score)) throw badInput(`input.scores[${n}].score`, `${s.indicatorKey} is scored from 0 to ${ind.max_score}; got ${s.score}`);
      });
      const before = await w.one(sql`SELECT * FROM evaluation WHERE cycle_id = ${y.id}::uuid AND target_type = ${input.targetType}
        AND coalesce(group_id, campus_id) = ${t.id}::uuid AND evaluator_kind = ${input.evaluatorKind} FOR UPDATE`);
      if (before?.status === 'CONFIRMED') throw hubError('CONFLICT', 'this evaluation is confirmed and can no longer change', { field: 'input.targetId' });
      // Scores given are recorded; indicators left out keep what a draft already holds.
      const scores = new Map<string, number>(
        before ? (await w.query(sql`SELECT indicator_key, score FROM evaluation_score WHERE evaluation_id = ${before.id}::uuid`)).map((r) => [r.indicator_key, r.score]) : [],
      );
      const previous = new Map(scores);
      for (const x of input.scores) scores.set(x.indicatorKey, x.score);
      const status = input.submit ? 'SUBMITTED' : before?.status ?? 'DRAFT';
      if (status === 'SUBMITTED') {
        const missing = indicators.filter((i) => !scores.has(i.key)).map((i) => i.key);
        if (missing.length) throw badInput('input.scores', `a submitted evaluation scores every ${input.targetType} indicator; missing: ${missing.join(', ')}`);
      }
      const total = [...scores.values()].reduce((n, x) => n + x, 0);
      const unchanged = before && before.status === status && [...scores].every(([k, v]) => previous.get(k) === v) && scores.size === previous.size;
      if (unchanged) return w.row(Evaluation, before); // an identical repeated write writes nothing
      const evaluatorName = ctx.scope.caller.subject;
      const e = before
        ? await w.one(sql`UPDATE evaluation SET total_score = ${total}, status = ${status}, evaluator_name = ${evaluatorName}, updated_at = now()
            WHERE id = ${before.id}::uuid RETURNING *`)
        : await w.one(sql`INSERT INTO evaluation (id, cycle_id, target_type, group_id, campus_id, evaluator_kind, evaluator_name, status, total_score)
            VALUES (${newId()}, ${y.id}, ${input.targetType}, ${input.targetType === 'GROUP' ? t.id : null}, ${input.targetType === 'CAMPUS' ? t.id : null},
              ${input.evaluatorKind}, ${evaluatorName}, ${status}, ${total}) RETURNING *`);
      for (const x of input.scores) {
        await w.query(sql`INSERT INTO evaluation_score (evaluation_id, indicator_key, score) VALUES (${e.id}, ${x.indicatorKey}, ${x.score})
          ON CONFLICT (evaluation_id, indicator_key) DO UPDATE SET score = EXCLUDED.score`);
      }
      const scored = Object.fromEntries(scores);
      await w.record({
        action: 'recordEvaluation', entityType: 'Evaluation', entityId: e.id,
        before: before && { ...before, scores: Object.fromEntries(previous) }, after: { ...e, scores: scored },
        jurisdictionIds: [y.jurisdiction_id, t.jurisdiction_id],
      });
      return w.row(Evaluation, e);
    });
  }

  @Mutation(() => Evaluation)
  confirmEvaluation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const uuid = uuidOf(id, 'Evaluation');
      const e = uuid
        ? await w.one(sql`SELECT e.* FROM evaluation e WHERE e.id = ${uuid}::uuid FOR UPDATE`)
        : undefined;
      if (!e) throw notFound('evaluation');
      const y = await lockCycleRow(w, e.cycle_id);
      await authorize(w.ctx, 'confirmEvaluation', { places: { own: y.jurisdiction_id } });
      refusePublished(y, 'id');
      if (y.status !== 'OPEN') throw hubError('CONFLICT', 'the cycle is closed', { field: 'id' });
      if (e.status !== 'SUBMITTED') throw hubError('CONFLICT', `only a SUBMITTED evaluation can be confirmed; this one is ${e.status}`, { field: 'id' });
      const after = await w.one(sql`UPDATE evaluation SET status = 'CONFIRMED', updated_at = now() WHERE id = ${e.id}::uuid RETURNING *`);
      await w.record({ action: 'confirmEvaluation', entityType: 'Evaluation', entityId: e.id, before: e, after, jurisdictionIds: [y.jurisdiction_id] });
      return w.row(Evaluation, after);
    });
  }

  @Mutation(() => EvaluationCycle)
  closeEvaluationCycle(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const y = await lockCycle(w, id);
      await authorize(w.ctx, 'closeEvaluationCycle', { places: { own: y.jurisdiction_id } });
      if (y.status !== 'OPEN') throw hubError('CONFLICT', 'the cycle is already closed', { field: 'id' });
      const after = await w.one(sql`UPDATE evaluation_cycle SET status = 'CLOSED', closed_at = now(), updated_at = now() WHERE id = ${y.id}::uuid RETURNING *`);
      const before = y;
      await w.record({ action: 'closeEvaluationCycle', entityType: 'EvaluationCycle', entityId: y.id, before, after, jurisdictionIds: [y.jurisdiction_id] });
      return w.row(EvaluationCycle, after);
    });
  }
}
