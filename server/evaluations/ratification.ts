import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize, requireWriter } from '../access/authority';
import { schoolYearOf, today } from '../calendar';
import { newId } from '../db/ids';
import { and, sql, Sql } from '../db/sql';
import { connectionTypes, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { EvaluationGrade, ReviewCaseStatus } from '../graphql/enums';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { encodeId, uuidOf } from '../graphql/ids';
import { LocalDate } from '../graphql/scalars';
import { EducationGroup } from '../groups/entity';
import { GroupMutations } from '../groups/mutations';
import { MembershipMutations } from '../memberships/mutations';
import { Campus } from '../schools/entity';
import { settleDueExits } from '../memberships/exits';
import { write, Writer } from '../writes/transaction';
import { bundledResultsInWrite, GroupEvaluationResult } from './bundled';
import { EvaluationCycle, GroupGrade, ReviewCase } from './entity';

/**
 * Ratifying grades (核定考核等次 [002 §六(五), §八(二)]; DOMAIN.md "Evaluations"): the cycle's
 * bureau may override a group's computed grade with a reason, then publishes the cycle's group
 * results; published results are official and immutable. Consequences are records: two
 * consecutive published FAILs open a review case (整改 by a deadline), decided by the group's
 * supervising bureau: RECTIFIED, EXITED (member campuses leave) or DISSOLVED [000 §四(二),
 * 001 §三(六)]. Every step is one audited, fed write.
 */

export const { Connection: ReviewCaseConnection } = connectionTypes(ReviewCase);

@InputType()
export class RatifyGroupGradeInput {
  @Field(() => ID) cycleId: string;
  @Field(() => ID) groupId: string;
  @Field(() => EvaluationGrade, { description: 'The grade the bureau ratifies; the computed grade itself withdraws an override.' })
  grade: EvaluationGrade;
  @Field(() => String, { nullable: true, description: 'Why the computed grade is overridden: required unless grade is the computed one.' })
  reason?: string | null;
}

@InputType()
export class DecideReviewCaseInput {
  @Field(() => ID) id: string;
  @Field(() => ReviewCaseStatus, { description: 'RECTIFIED, EXITED or DISSOLVED.' }) decision: ReviewCaseStatus;
  @Field() reason: string;
  @Field(() => [ID], { nullable: true, description: 'EXITED: the member campuses that leave the group (not the lead: that is DISSOLVED).' })
  campusIds?: string[] | null;
}

/** The cycle row, locked: overrides, publication and score writes of one cycle take turns. */
async function lockCycle(w: Writer, id: string, field: string) {
  const uuid = uuidOf(id, 'EvaluationCycle');
  const y = uuid ? await w.one(sql`SELECT * FROM evaluation_cycle WHERE id = ${uuid}::uuid FOR UPDATE`) : undefined;
  if (!y) throw notFound('evaluation cycle');
  if (y.published_at) throw hubError('CONFLICT', "the cycle's results are published: they are official and can no longer change", { field });
  return y;
}

/** Grades are ratified on final scores: after the cycle is closed. */
function requireClosed(y: { status: string }, field: string) {
  if (y.status !== 'CLOSED') throw hubError('CONFLICT', 'close the cycle first: grades are ratified on final scores', { field });
}

/** The figures of a result as stored in group_grade. */
const figures = (r: GroupEvaluationResult) => ({
  member_average: r.memberAverage, party_building: r.partyBuilding, comprehensive: r.comprehensive, composite: r.composite, computed_grade: r.grade,
});

/**
 * Rectification (整改) is due by the end of the school year after the cycle's: the next cycle
 * of the bureau, one school year on, judges it ("经督促仍未整改的" [000 §四(二)]).
 */
function defaultDeadline(schoolYear: string): string {
  const y = schoolYearOf(schoolYear);
  return `${Number(y.end.slice(0, 4)) + 1}${y.end.slice(4)}`;
}

@Resolver(() => GroupGrade)
export class RatificationMutations {
  @Mutation(() => GroupGrade, {
    description: "The cycle's bureau overrides a group's computed grade with a reason (核定考核等次), before publishing; the computed grade withdraws the override.",
  })
  ratifyGroupGrade(@Arg('input', () => RatifyGroupGradeInput) input: RatifyGroupGradeInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const y = await lockCycle(w, input.cycleId, 'input.cycleId');
      await authorize(w.ctx, 'ratifyGroupGrade', { places: { own: y.jurisdiction_id } });
      requireClosed(y, 'input.cycleId');
      const groupUuid = uuidOf(input.groupId, 'EducationGroup');
      const result = groupUuid ? (await bundledResultsInWrite(w.ctx, w.row(EvaluationCycle, y))).find((r) => r.groupId === groupUuid) : undefined;
      if (!result) throw badInput('input.groupId', 'the group has no result in this cycle');
      const g = await w.one(sql`SELECT id, jurisdiction_id FROM education_group WHERE id = ${groupUuid}::uuid`);
      // An override differs from the computed grade and says why; the computed grade withdraws it.
      const overrides = input.grade !== result.grade;
      const reason = overrides ? requireText('input.reason', input.reason ?? '', 2000) : null;
      const before = await w.one(sql`SELECT * FROM group_grade WHERE cycle_id = ${y.id}::uuid AND group_id = ${g.id}::uuid FOR UPDATE`);
      const f = figures(result);
      const by = overrides ? ctx.scope.caller.subject : null;
      const after = await w.one(sql`
        INSERT INTO group_grade (id, cycle_id, group_id, member_average, party_building, comprehensive, composite, computed_grade,
          grade, override_reason, overridden_by, overridden_at)
        VALUES (${newId()}, ${y.id}, ${g.id}, ${f.member_average}, ${f.party_building}, ${f.comprehensive}, ${f.composite}, ${f.computed_grade},
          ${input.grade}, ${reason}, ${by}, CASE WHEN ${overrides} THEN now() END)
        ON CONFLICT (cycle_id, group_id) DO UPDATE SET member_average = EXCLUDED.member_average, party_building = EXCLUDED.party_building,
          comprehensive = EXCLUDED.comprehensive, composite = EXCLUDED.composite, computed_grade = EXCLUDED.computed_grade,
          grade = EXCLUDED.grade, override_reason = EXCLUDED.override_reason, overridden_by = EXCLUDED.overridden_by,
          overridden_at = EXCLUDED.overridden_at, updated_at = now()
        RETURNING *`);
      await w.record({ action: 'ratifyGroupGrade', entityType: 'GroupGrade', entityId: after.id, before, after, jurisdictionIds: [y.jurisdiction_id, g.jurisdiction_id] });
      return w.row(GroupGrade, after);
    });
  }

  @Mutation(() => EvaluationCycle, {
    description: "The cycle's bureau publishes the cycle's group results (核定考核等次): each group's grade becomes official (its override, else the computed grade) and immutable. " +
      'A group FAIL in this and the previous published cycle of the bureau opens a review case (整改), due by rectificationDeadline (default: the end of the next school year).',
  })
  publishCycleResults(
    @Arg('cycleId', () => ID) cycleId: string,
    @Arg('rectificationDeadline', () => LocalDate, { nullable: true }) rectificationDeadline: string | null,
    @Ctx() ctx: Context,
  ) {
    requireWriter(ctx);
    if (rectificationDeadline && rectificationDeadline <= today(ctx.now)) throw badInput('rectificationDeadline', `the rectification deadline must lie after today (${today(ctx.now)})`);
    return write(ctx, async (w) => {
      // Publications of one bureau take turns (its cycles locked in one order): two consecutive
      // cycles published at once must still see each other's grades (review cases).
      const uuid = uuidOf(cycleId, 'EvaluationCycle');
      await w.query(sql`SELECT 1 FROM evaluation_cycle WHERE jurisdiction_id = (SELECT jurisdiction_id FROM evaluation_cycle WHERE id = ${uuid}::uuid)
        ORDER BY id FOR UPDATE`);
      const y = await lockCycle(w, cycleId, 'cycleId');
      await authorize(w.ctx, 'publishCycleResults', { places: { own: y.jurisdiction_id } });
      requireClosed(y, 'cycleId');
      const results = await bundledResultsInWrite(w.ctx, w.row(EvaluationCycle, y));
      const drafts = new Map((await w.query(sql`SELECT * FROM group_grade WHERE cycle_id = ${y.id}::uuid ORDER BY group_id FOR UPDATE`)).map((d) => [d.group_id, d]));
      const places = new Map((await w.query(sql`SELECT id, jurisdiction_id FROM education_group WHERE id = ANY(${results.map((r) => r.groupId)}::uuid[])`)).map((g) => [g.id, g.jurisdiction_id]));
      // The official grade: the bureau's override, else the computed one; a group without a
      // computed grade (a line unscored) needs the bureau's grade first.
      for (const r of results) {
        if (!drafts.get(r.groupId)?.override_reason && r.grade === null) {
          throw hubError('CONFLICT', `a group has no computed grade (a line of its result is unscored): ratify its grade with a reason first`, { field: 'cycleId', groupId: encodeId('EducationGroup', r.groupId) });
        }
      }
      for (const r of results) {
        const d = drafts.get(r.groupId);
        const f = figures(r);
        const grade = d?.override_reason ? d.grade : r.grade;
        const after = await w.one(sql`
          INSERT INTO group_grade (id, cycle_id, group_id, member_average, party_building, comprehensive, composite, computed_grade, grade, published_at)
          VALUES (${newId()}, ${y.id}, ${r.groupId}, ${f.member_average}, ${f.party_building}, ${f.comprehensive}, ${f.composite}, ${f.computed_grade}, ${grade}, now())
          ON CONFLICT (cycle_id, group_id) DO UPDATE SET member_average = EXCLUDED.member_average, party_building = EXCLUDED.party_building,
            comprehensive = EXCLUDED.comprehensive, composite = EXCLUDED.composite, computed_grade = EXCLUDED.computed_grade,
            grade = EXCLUDED.grade, published_at = EXCLUDED.published_at, updated_at = now()
          RETURNING *`);
        await w.record({ action: 'publishCycleResults', entityType: 'GroupGrade', entityId: after.id, before: d ?? null, after, jurisdictionIds: [y.jurisdiction_id, places.get(r.groupId)] });
      }
      const published = await w.one(sql`UPDATE evaluation_cycle SET published_at = now(), published_by = ${ctx.scope.caller.subject}, updated_at = now()
        WHERE id = ${y.id}::uuid RETURNING *`);
      await w.record({ action: 'publishCycleResults', entityType: 'EvaluationCycle', entityId: y.id, before: y, after: published, jurisdictionIds: [y.jurisdiction_id] });
      await openReviewCases(w, y, rectificationDeadline);
      return w.row(EvaluationCycle, published);
    });
  }

  @Mutation(() => ReviewCase, {
    description: 'The supervising bureau decides a review case: RECTIFIED (any time), or, once the rectification deadline has passed, ' +
      'EXITED (the named member campuses leave the group today) or DISSOLVED (the group is dissolved today) [000 §四(二), 001 §三(六)].',
  })
  decideReviewCase(@Arg('input', () => DecideReviewCaseInput) input: DecideReviewCaseInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const reason = requireText('input.reason', input.reason, 1800);
    return write(ctx, async (w) => {
      const uuid = uuidOf(input.id, 'ReviewCase');
      const c = uuid ? await w.one(sql`SELECT * FROM review_case WHERE id = ${uuid}::uuid FOR UPDATE`) : undefined;
      if (!c) throw notFound('review case');
      const g = await w.one(sql`SELECT id, jurisdiction_id, status FROM education_group WHERE id = ${c.group_id}::uuid`);
      await authorize(w.ctx, 'decideReviewCase', { places: { supervising: g.jurisdiction_id }, group: g.id });
      if (c.status !== 'OPEN') throw hubError('CONFLICT', `the case is already decided (${c.status})`, { field: 'input.id' });
      if (input.decision === 'OPEN') throw badInput('input.decision', 'decide RECTIFIED, EXITED or DISSOLVED');
      const day = today(ctx.now);
      // Exit or dissolution only for a group that has not rectified by the deadline ("经督促仍未整改的，退出或解散" [000 §四(二)]).
      if (input.decision !== 'RECTIFIED' && day <= c.rectification_deadline) {
        throw hubError('POLICY_VIOLATION', `exit or dissolution is decided only after the rectification deadline (${c.rectification_deadline}); until then the group rectifies`, { field: 'input.decision' });
      }
      if (input.decision !== 'EXITED' && input.campusIds?.length) throw badInput('input.campusIds', 'campusIds name the campuses that leave: only with EXITED');
      let exited: string[] = [];
      if (input.decision === 'EXITED') {
        if (g.status === 'DISSOLVED') throw hubError('CONFLICT', 'the group is dissolved: no member is left to exit', { field: 'input.decision' });
        if (!input.campusIds?.length) throw badInput('input.campusIds', 'EXITED names the member campuses that leave the group');
        const ids = input.campusIds.map((id, n) => uuidOf(id, 'Campus') ?? (() => { throw badInput(`input.campusIds[${n}]`, 'not a campus id'); })());
        // Exits whose day has come take effect first (memberships/exits.ts): a campus already gone is not named again.
        await settleDueExits(w, { group: g.id });
        const ms = await w.query(sql`SELECT id, campus_id, role FROM group_membership WHERE group_id = ${g.id}::uuid AND status = 'ACTIVE' AND campus_id = ANY(${ids}::uuid[])`);
        ids.forEach((id, n) => {
          const m = ms.find((x) => x.campus_id === id);
          if (!m) throw badInput(`input.campusIds[${n}]`, 'not an active member campus of the group');
          if (m.role === 'LEAD') throw badInput(`input.campusIds[${n}]`, 'the lead campus leaves only when the group is dissolved: decide DISSOLVED');
        });
        exited = [...new Set(ids)];
        // The members' exits, in this transaction, by the membership rules themselves (退出 today).
        const memberships = new MembershipMutations();
        for (const m of ms) await memberships.exitMembership(encodeId('GroupMembership', m.id), day, `review case: ${reason}`, w.ctx);
      }
      if (input.decision === 'DISSOLVED' && g.status !== 'DISSOLVED') {
        // Dissolution by the group's own rules (解散: every membership ends today), in this transaction.
        await new GroupMutations().dissolveGroup(encodeId('EducationGroup', g.id), `review case: ${reason}`, w.ctx);
      }
      const after = await w.one(sql`UPDATE review_case SET status = ${input.decision}, decision_reason = ${reason}, decided_by = ${ctx.scope.caller.subject},
          decided_at = now(), exited_campus_ids = ${exited}::uuid[], updated_at = now()
        WHERE id = ${c.id}::uuid RETURNING *`);
      await w.record({ action: 'decideReviewCase', entityType: 'ReviewCase', entityId: c.id, before: c, after, jurisdictionIds: [g.jurisdiction_id] });
      return w.row(ReviewCase, after);
    });
  }
}

/**
 * Two consecutive FAILs open a review case [000 §四(二), 001 §三(六)]: a group whose published
 * grade is FAIL in a cycle and in the same bureau's previous cycle (the latest earlier school
 * year, both published). Publishing cycle y completes the pairs (previous(y), y) and
 * (y, next(y)), so cycles published in any order open the same cases; one case per (group,
 * later cycle) (ON CONFLICT: publishing twice cannot open two).
 */
async function openReviewCases(w: Writer, y: any, deadline: string | null): Promise<void> {
  const previousOf = (c: Sql) => sql`(SELECT p.id FROM evaluation_cycle p, evaluation_cycle c WHERE c.id = ${c}
    AND p.jurisdiction_id = c.jurisdiction_id AND p.school_year < c.school_year ORDER BY p.school_year DESC, p.id DESC LIMIT 1)`;
  const pairs = await w.query(sql`
    SELECT ${previousOf(sql`${y.id}::uuid`)} AS prev_id, ${y.id}::uuid AS cycle_id, ${y.school_year}::text AS school_year
    UNION ALL
    SELECT ${y.id}::uuid, n.id, n.school_year FROM evaluation_cycle n
    WHERE n.jurisdiction_id = ${y.jurisdiction_id}::uuid AND n.school_year > ${y.school_year} AND n.published_at IS NOT NULL
      AND ${previousOf(sql`n.id`)} = ${y.id}::uuid`);
  for (const p of pairs) {
    if (!p.prev_id) continue;
    const opened = await w.query(sql`
      INSERT INTO review_case (id, group_id, cycle_id, previous_cycle_id, rectification_deadline)
      SELECT hub_uuid_v7(clock_timestamp()), n.group_id, n.cycle_id, o.cycle_id, ${deadline ?? defaultDeadline(p.school_year)}::date
      FROM group_grade n JOIN group_grade o ON o.group_id = n.group_id AND o.cycle_id = ${p.prev_id}::uuid
      WHERE n.cycle_id = ${p.cycle_id}::uuid AND n.published_at IS NOT NULL AND o.published_at IS NOT NULL
        AND n.grade = 'FAIL' AND o.grade = 'FAIL'
      ORDER BY n.group_id
      ON CONFLICT (group_id, cycle_id) DO NOTHING
      RETURNING *`);
    for (const c of opened) {
      const g = await w.one(sql`SELECT jurisdiction_id FROM education_group WHERE id = ${c.group_id}::uuid`);
      await w.record({ action: 'openReviewCase', entityType: 'ReviewCase', entityId: c.id, after: c, jurisdictionIds: [g.jurisdiction_id, y.jurisdiction_id] });
    }
  }
}

@Resolver(() => GroupGrade)
export class GroupGradeResolver {
  @FieldResolver(() => EvaluationCycle)
  cycle(@Root() r: GroupGrade, @Ctx() ctx: Context) {
    return ctx.required(EvaluationCycle, r.cycleId);
  }

  @FieldResolver(() => EducationGroup)
  group(@Root() r: GroupGrade, @Ctx() ctx: Context) {
    return ctx.required(EducationGroup, r.groupId);
  }
}

@Resolver(() => ReviewCase)
export class ReviewCaseResolver {
  @Query(() => ReviewCaseConnection, { description: 'Review cases (整改) of the groups whose supervising bureau lies in your area (bureaus), or of your group (group admins).' })
  reviewCases(
    @Ctx() ctx: Context,
    @Arg('status', () => ReviewCaseStatus, { nullable: true }) status?: ReviewCaseStatus,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const where = and([ctx.scope.visible('ReviewCase', 'r'), status && sql`r.status = ${status}`]);
    return paginate(ctx, tableSpec(ReviewCase, 'review_case', 'r', where), { first, after });
  }

  @FieldResolver(() => EducationGroup)
  group(@Root() r: ReviewCase, @Ctx() ctx: Context) {
    return ctx.required(EducationGroup, r.groupId);
  }

  @FieldResolver(() => EvaluationCycle, { description: 'The cycle whose published FAIL opened the case.' })
  cycle(@Root() r: ReviewCase, @Ctx() ctx: Context) {
    return ctx.required(EvaluationCycle, r.cycleId);
  }

  @FieldResolver(() => EvaluationCycle, { description: "The same bureau's previous cycle, also FAIL." })
  previousCycle(@Root() r: ReviewCase, @Ctx() ctx: Context) {
    return ctx.required(EvaluationCycle, r.previousCycleId);
  }

  @FieldResolver(() => [Campus], { description: 'EXITED: the campuses that left the group by this decision.' })
  async exitedCampuses(@Root() r: ReviewCase, @Ctx() ctx: Context) {
    return (await Promise.all(r.exitedCampusIds.map((id) => ctx.reach(Campus, id)))).filter((c): c is Campus => !!c);
  }
}
