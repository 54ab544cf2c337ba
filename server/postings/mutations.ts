import { Arg, Ctx, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';
import { authorize, requireWriter } from '../access/authority';
import { inClosedSchoolYear, schoolYearAt, today } from '../calendar';
import { newId } from '../db/ids';
import { and, raw, sql, Sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { PostingType, StaffRole } from '../graphql/enums';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { LocalDate } from '../graphql/scalars';
import { write, Writer } from '../writes/transaction';
import { Posting } from './entity';

@InputType()
export class CreatePostingInput {
  @Field(() => ID) staffId: string;
  @Field(() => ID) toCampusId: string;
  @Field(() => PostingType) type: PostingType;
  @Field(() => StaffRole) hostRole: StaffRole;
  @Field(() => LocalDate) startDate: string;
  @Field(() => LocalDate, { nullable: true }) endDate?: string | null;
}

/**
 * The group both campuses are active in (lead or member) for the whole period, locked against
 * changes meanwhile: a planned exit (left_on, the first day outside) bounds the period, so an
 * open-ended posting cannot start while an exit is planned.
 */
async function commonGroup(w: Writer, from: string, to: string, start: string, end: string | null, overlap: Sql = sql`false`) {
  const stays = (m: string) => sql`(${raw(m)}.left_on IS NULL OR coalesce(${end}::date, 'infinity') < ${raw(m)}.left_on)`;
  return w.one(sql`
    SELECT g.*, (g.lead_campus_id = ${from}::uuid AND g.lead_campus_id <> ${to}::uuid) AS from_lead, ${overlap} AS overlap
    FROM education_group g
    JOIN group_membership a ON a.group_id = g.id AND a.campus_id = ${from}::uuid AND a.status = 'ACTIVE' AND a.joined_on <= ${start}::date AND ${stays('a')}
    JOIN group_membership b ON b.group_id = g.id AND b.campus_id = ${to}::uuid AND b.status = 'ACTIVE' AND b.joined_on <= ${start}::date AND ${stays('b')}
    WHERE g.status = 'ACTIVE' FOR SHARE OF g`);
}

async function lockPosting(w: Writer, id: string) {
  const uuid = uuidOf(id, 'Posting');
  const p = uuid
    ? await w.one(sql`SELECT p.*, g.jurisdiction_id AS g_jurisdiction FROM posting p JOIN education_group g ON g.id = p.group_id
        WHERE p.id = ${uuid}::uuid FOR UPDATE OF p`)
    : undefined;
  if (!p) throw notFound('posting');
  await authorize(w.ctx, 'changePosting', { places: { supervising: p.g_jurisdiction }, group: p.group_id });
  return p;
}

/** Where a posting happens (its audit entry's jurisdictions): both campuses' and the group's, read in the audit's statement. */
const whereOf = (p: { from_campus_id: string; to_campus_id: string; group_id: string }) =>
  sql`SELECT jurisdiction_id FROM campus WHERE id IN (${p.from_campus_id}::uuid, ${p.to_campus_id}::uuid)
    UNION SELECT jurisdiction_id FROM education_group WHERE id = ${p.group_id}::uuid`;

@Resolver(() => Posting)
export class PostingMutations {
  @Mutation(() => Posting)
  createPosting(@Arg('input', () => CreatePostingInput) input: CreatePostingInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    if (input.endDate && input.endDate < input.startDate) throw badInput('input.endDate', 'endDate must not be before startDate');
    // A closed school year's figures are final (calendar.ts): no posting may start in one.
    if (inClosedSchoolYear(input.startDate, ctx.now)) {
      throw hubError('POLICY_VIOLATION', `startDate lies in a closed school year: postings start on or after ${schoolYearAt(ctx.now).start}`, { field: 'input.startDate' });
    }
    return write(ctx, async (w) => {
      const staffId = uuidOf(input.staffId, 'Staff');
      // The person, locked (the row lock serialises their postings; the unique index is the
      // backstop), and the group their home campus is active in: one statement.
      const staff = staffId
        ? await w.one(sql`SELECT s.*, home.id AS home_group_id, home.jurisdiction_id AS home_group_jurisdiction FROM staff s
            LEFT JOIN LATERAL (SELECT g.id, g.jurisdiction_id FROM group_membership m JOIN education_group g ON g.id = m.group_id
              WHERE m.campus_id = s.home_campus_id AND m.status = 'ACTIVE' LIMIT 1) home ON true
            WHERE s.id = ${staffId}::uuid FOR UPDATE OF s`)
        : undefined;
      if (!staff) throw badInput('input.staffId', 'no such staff member');
      // Who may arrange it is decided first, by the group the person's home campus is active in,
      // so a caller without that authority learns nothing about the campuses it names.
      const home = staff.home_group_id ? { id: staff.home_group_id as string, jurisdiction_id: staff.home_group_jurisdiction as string } : undefined;
      if (!home) throw hubError('POLICY_VIOLATION', "the person's home campus is not an active member of any group", { field: 'input.staffId' });
      await authorize(w.ctx, 'createPosting', { places: { supervising: home.jurisdiction_id }, group: home.id });
      const to = uuidOf(input.toCampusId, 'Campus');
      if (!to) throw badInput('input.toCampusId', 'no such campus');
      if (to === staff.home_campus_id) throw badInput('input.toCampusId', 'a posting goes to another campus than the home campus');
      // The common group and, in the same statement, whether the person is already posted then.
      const g = await commonGroup(w, staff.home_campus_id, to, input.startDate, input.endDate ?? null, sql`EXISTS (SELECT 1 FROM posting WHERE staff_id = ${staff.id}::uuid AND status <> 'CANCELLED'
        AND start_date <= coalesce(${input.endDate ?? null}::date, 'infinity') AND coalesce(end_date, 'infinity') >= ${input.startDate}::date)`);
      if (!g) throw hubError('POLICY_VIOLATION', 'both campuses must be active members (or the lead) of the same active group for the whole period (from the start date, and ending before a planned exit)', { field: 'input.toCampusId' });
      if (g.overlap) throw hubError('CONFLICT', 'this person already has a posting overlapping that period', { field: 'input.staffId' });
      const p = await w.one(sql`INSERT INTO posting (id, staff_id, group_id, from_campus_id, to_campus_id, type, status, host_role, start_date, end_date, counts_as_rural_service)
        VALUES (${newId()}, ${staff.id}, ${g.id}, ${staff.home_campus_id}, ${to}, ${input.type}, 'PLANNED', ${input.hostRole}, ${input.startDate}, ${input.endDate ?? null}, ${g.from_lead})
        RETURNING *`);
      await w.record({ action: 'createPosting', entityType: 'Posting', entityId: p.id, after: p, jurisdictionIds: whereOf(p) });
      // Staff posted in a group are its admin's to read from now on.
      await w.reannounce('Staff', [staff.id]);
      return w.row(Posting, p);
    });
  }

  @Mutation(() => Posting)
  startPosting(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const p = await lockPosting(w, id);
      if (p.status !== 'PLANNED') throw hubError('CONFLICT', `only a PLANNED posting can start; this one is ${p.status}`, { field: 'id' });
      // ACTIVE counts as taking place (postings/counted.ts): a posting starts on its start date, not before.
      const now = today(ctx.now);
      if (p.start_date > now) throw hubError('CONFLICT', `this posting starts on ${p.start_date}: it can be started from that day (today is ${now})`, { field: 'id' });
      // Starting it would make it count in a closed school year: cancel it and plan it anew.
      if (inClosedSchoolYear(p.start_date, ctx.now)) {
        throw hubError('POLICY_VIOLATION', `this posting was to start on ${p.start_date}, in a closed school year: cancel it and plan it anew`, { field: 'id' });
      }
      if (!(await commonGroup(w, p.from_campus_id, p.to_campus_id, p.start_date, p.end_date))) {
        throw hubError('POLICY_VIOLATION', 'the campuses are no longer active members of the same active group', { field: 'id' });
      }
      return this.save(w, p, 'startPosting', sql`status = 'ACTIVE'`);
    });
  }

  @Mutation(() => Posting)
  completePosting(@Arg('id', () => ID) id: string, @Arg('endDate', () => LocalDate) endDate: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const p = await lockPosting(w, id);
      if (p.status !== 'ACTIVE') throw hubError('CONFLICT', `only an ACTIVE posting can complete; this one is ${p.status}`, { field: 'id' });
      if (endDate < p.start_date) throw badInput('endDate', `endDate must not be before the start date (${p.start_date})`);
      // COMPLETED counts as having taken place (postings/counted.ts): only up to today, never ahead.
      const now = today(ctx.now);
      if (endDate > now) throw badInput('endDate', `a posting completes on the day it ended or later: endDate must not be after today (${now})`);
      // Its period stays inside both campuses' membership: not on or past a planned exit (exits.ts).
      const exit = await w.one(sql`SELECT min(left_on)::text AS on FROM group_membership
        WHERE group_id = ${p.group_id}::uuid AND campus_id IN (${p.from_campus_id}::uuid, ${p.to_campus_id}::uuid) AND status = 'ACTIVE' AND left_on <= ${endDate}::date`);
      if (exit?.on) throw hubError('POLICY_VIOLATION', `a campus of this posting leaves the group on ${exit.on}: endDate must be before that day`, { field: 'endDate' });
      return this.save(w, p, 'completePosting', sql`status = 'COMPLETED', end_date = ${endDate}::date`);
    });
  }

  @Mutation(() => Posting)
  cancelPosting(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    requireText('reason', reason, 2000);
    return write(ctx, async (w) => {
      const p = await lockPosting(w, id);
      if (!['PLANNED', 'ACTIVE'].includes(p.status)) throw hubError('CONFLICT', `a ${p.status} posting cannot be cancelled`, { field: 'id' });
      return this.save(w, p, 'cancelPosting', sql`status = 'CANCELLED', cancel_reason = ${reason.trim()}`);
    });
  }

  private async save(w: Writer, p: Record<string, any>, action: string, set: ReturnType<typeof sql>) {
    const { g_jurisdiction: _g, ...before } = p;
    const after = await w.one(sql`UPDATE posting SET ${set}, updated_at = now() WHERE id = ${p.id}::uuid RETURNING *`);
    await w.record({ action, entityType: 'Posting', entityId: p.id, before, after, jurisdictionIds: whereOf(after) });
    return w.row(Posting, after);
  }
}
