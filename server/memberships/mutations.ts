import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { authorize, requireWriter, WriteAction } from '../access/authority';
import { today } from '../calendar';
import { newId } from '../db/ids';
import { sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { ApprovalAuthority, ApprovalDecision } from '../graphql/enums';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { LocalDate } from '../graphql/scalars';
import { activeMembers, checkCap, lockGroupRow } from '../groups/mutations';
import { write, Writer } from '../writes/transaction';
import { GroupMembership } from './entity';
import { endPostings, settleDueExits } from './exits';

interface Place { id: string; code: string; name: string; level: string }

/**
 * The bureaus that may have to decide on a campus joining a group: the group's supervising
 * bureau (its lead school's supervisor, education_group.jurisdiction_id), the county where the
 * campus lies, and the nearest bureau above both.
 */
async function authorities(w: Writer, groupId: string, campusId: string) {
  const r = await w.one(sql`
    SELECT g.jurisdiction_id AS supervising, c.jurisdiction_id AS home,
      (SELECT a.ancestor_id FROM jurisdiction_ancestor a JOIN jurisdiction_ancestor b ON b.ancestor_id = a.ancestor_id
        WHERE a.jurisdiction_id = c.jurisdiction_id AND b.jurisdiction_id = g.jurisdiction_id ORDER BY a.depth LIMIT 1) AS common
    FROM education_group g, campus c
    WHERE g.id = ${groupId}::uuid AND c.id = ${campusId}::uuid`);
  const places: Place[] = await w.query(sql`SELECT id, code, name, level FROM jurisdiction WHERE id = ANY(${[r.supervising, r.home, r.common]}::uuid[])`);
  const place = (id: string) => places.find((p) => p.id === id)!;
  return { supervising: place(r.supervising), home: place(r.home), common: place(r.common) };
}

/**
 * The approval chain [000 §三(四)], worked out against the group's supervising bureau (its
 * lead school's supervisor, 主管/隶属): the group council, the supervising bureau, and for a
 * campus lying outside the supervising jurisdiction (跨县域) its own county bureau (HOME_BUREAU)
 * and the nearest bureau above both (COMMON_PARENT_BUREAU: 经市级批准; across cities the
 * province), each skipped when it is the supervising bureau itself (or the home bureau).
 * Across provinces only the Ministry would be above both: there is no admission
 * (POLICY_VIOLATION), so no step is ever routed to the nation.
 */
export function approvalChain(a: Awaited<ReturnType<typeof authorities>>, field: string): ApprovalAuthority[] {
  const chain: ApprovalAuthority[] = ['GROUP_COUNCIL', 'SUPERVISING_BUREAU'];
  if (a.home.id === a.supervising.id) return chain;
  if (a.common.level === 'NATION') {
    throw hubError('POLICY_VIOLATION', `${a.home.name} (${a.home.code}) and the supervising bureau ${a.supervising.name} (${a.supervising.code}) are in different provinces: admission across provinces is not provided for`, { field });
  }
  chain.push('HOME_BUREAU');
  if (a.common.id !== a.supervising.id && a.common.id !== a.home.id) chain.push('COMMON_PARENT_BUREAU');
  return chain;
}

async function lockMembership(w: Writer, id: string) {
  const uuid = uuidOf(id, 'GroupMembership');
  const m = uuid
    ? await w.one(sql`SELECT m.*, c.school_id, c.jurisdiction_id AS campus_jurisdiction FROM group_membership m JOIN campus c ON c.id = m.campus_id
        WHERE m.id = ${uuid}::uuid FOR UPDATE OF m`)
    : undefined;
  if (!m) throw notFound('membership');
  return m;
}

/** The membership's own columns (without the joined campus facts) for the audit diff. */
/** The write action of deciding as each authority of the chain. */
const DECIDES_AS: Record<ApprovalAuthority, WriteAction> = {
  GROUP_COUNCIL: 'decideAsGroupCouncil',
  SUPERVISING_BUREAU: 'decideAsSupervisingBureau',
  HOME_BUREAU: 'decideAsHomeBureau',
  COMMON_PARENT_BUREAU: 'decideAsCommonParentBureau',
};

const strip = ({ school_id: _school, campus_jurisdiction: _county, ...own }: Record<string, unknown>) => own;

@Resolver(() => GroupMembership)
export class MembershipMutations {
  @Mutation(() => GroupMembership, { description: 'A campus applies to join a group; the approvals it needs are worked out from where it lies.' })
  applyForMembership(@Arg('groupId', () => ID) groupId: string, @Arg('campusId', () => ID) campusId: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      // Applicants need not see the group's insides to apply to it: any group id will do.
      const g = await lockGroupRow(w, uuidOf(groupId, 'EducationGroup'));
      const cid = uuidOf(campusId, 'Campus');
      const campus = cid ? await w.one(sql`SELECT c.* FROM campus c WHERE c.id = ${cid}::uuid`) : undefined;
      if (!campus) throw badInput('campusId', 'no such campus');
      await authorize(w.ctx, 'applyForMembership', { places: { campus: campus.jurisdiction_id }, school: campus.school_id });
      if (g.status !== 'ACTIVE') throw hubError('CONFLICT', `the group is ${g.status}: only an ACTIVE group admits members`, { field: 'groupId' });
      const chain = approvalChain(await authorities(w, g.id, campus.id), 'campusId');
      const m = await w.one(sql`INSERT INTO group_membership (id, group_id, campus_id, role, status, applied_at, required_approvals)
        VALUES (${newId()}, ${g.id}, ${campus.id}, 'MEMBER', 'APPLIED', now(), ${chain}::text[]) RETURNING *`);
      await w.record({ action: 'applyForMembership', entityType: 'GroupMembership', entityId: m.id, after: m, jurisdictionIds: [g.jurisdiction_id, campus.jurisdiction_id] });
      return w.row(GroupMembership, m);
    });
  }

  @Mutation(() => GroupMembership, { description: 'Records the caller\'s decision for the authority it acts as; the last approval activates the membership.' })
  decideMembership(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ApprovalDecision) decision: ApprovalDecision,
    @Arg('comment', () => String, { nullable: true }) comment: string | null,
    @Ctx() ctx: Context,
  ) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const m = await lockMembership(w, id);
      if (m.status !== 'APPLIED') throw hubError('CONFLICT', `the membership is ${m.status}: nothing left to decide`, { field: 'id' });
      const decided = new Set((await w.query(sql`SELECT authority FROM membership_approval WHERE membership_id = ${m.id}::uuid`)).map((r) => r.authority));
      // The chain is worked out again from today's places (a stored one may predate the rule, or
      // the supervisor): an application across provinces is refused here too, never routed on.
      const places = await authorities(w, m.group_id, m.campus_id);
      const chain = approvalChain(places, 'id');
      const next = chain.find((a) => !decided.has(a))!;
      const place = next === 'SUPERVISING_BUREAU' ? places.supervising : next === 'HOME_BUREAU' ? places.home : next === 'COMMON_PARENT_BUREAU' ? places.common : null;
      // Only the authority next in line decides; each acts only as itself.
      await authorize(w.ctx, DECIDES_AS[next], {
        places: { supervising: places.supervising.id, campus: places.home.id, commonParent: places.common.id },
        group: m.group_id,
      });
      await w.query(sql`INSERT INTO membership_approval (id, membership_id, authority, jurisdiction_id, decision, decided_by, comment)
        VALUES (${newId()}, ${m.id}, ${next}, ${place?.id ?? null}, ${decision}, ${ctx.scope.caller.subject}, ${comment})`);
      if (chain.join() !== (m.required_approvals as string[]).join()) {
        await w.query(sql`UPDATE group_membership SET required_approvals = ${chain}::text[] WHERE id = ${m.id}`);
      }
      const last = chain.every((a) => a === next || decided.has(a));
      let after: any;
      if (decision === 'REJECTED') {
        after = await w.one(sql`UPDATE group_membership SET status = 'REJECTED', updated_at = now() WHERE id = ${m.id} RETURNING *`);
      } else if (last) {
        // The last approval activates, and only now are the rules that span groups checked,
        // under the group's row lock: concurrent activations for one group take turns. Exits
        // whose day has come free their seats first; a planned exit still holds its seat.
        const g = await lockGroupRow(w, m.group_id);
        if (g.status !== 'ACTIVE') throw hubError('CONFLICT', `the group is ${g.status}`, { field: 'id' });
        await settleDueExits(w, { group: g.id });
        await settleDueExits(w, { campus: m.campus_id });
        await checkCap(w.ctx, g.jurisdiction_id, g.mode, (await activeMembers(w, g.id)) + 1, 'id');
        const elsewhere = await w.one(sql`SELECT g.name FROM group_membership o JOIN education_group g ON g.id = o.group_id
          WHERE o.campus_id = ${m.campus_id}::uuid AND o.status = 'ACTIVE'`);
        if (elsewhere) throw hubError('POLICY_VIOLATION', `the campus is already an active member of ${elsewhere.name}`, { field: 'id' });
        after = await w.one(sql`UPDATE group_membership SET status = 'ACTIVE', joined_on = ${today(ctx.now)}, updated_at = now() WHERE id = ${m.id} RETURNING *`);
      } else {
        after = await w.one(sql`UPDATE group_membership SET updated_at = now() WHERE id = ${m.id} RETURNING *`);
      }
      await w.record({
        action: `decideMembership:${next}:${decision}`, entityType: 'GroupMembership', entityId: m.id, before: strip(m), after,
        jurisdictionIds: [places.supervising.id, places.home.id],
      });
      // Admitted: the campus's county gains the group, the group's side the campus and its staff.
      if (after.status === 'ACTIVE') await w.reannounceAround({ groups: [m.group_id], campuses: [m.campus_id] });
      return w.row(GroupMembership, after);
    });
  }

  @Mutation(() => GroupMembership)
  withdrawMembership(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const m = await lockMembership(w, id);
      await authorize(w.ctx, 'withdrawMembership', { places: { campus: m.campus_jurisdiction }, school: m.school_id });
      if (m.status !== 'APPLIED') throw hubError('CONFLICT', `only an application can be withdrawn; this membership is ${m.status}`, { field: 'id' });
      const after = await w.one(sql`UPDATE group_membership SET status = 'WITHDRAWN', updated_at = now() WHERE id = ${m.id} RETURNING *`);
      await w.record({ action: 'withdrawMembership', entityType: 'GroupMembership', entityId: m.id, before: strip(m), after, jurisdictionIds: [m.campus_jurisdiction] });
      return w.row(GroupMembership, after);
    });
  }

  @Mutation(() => GroupMembership, { description: 'The member leaves, or is removed, as of the given date (退出): the first day it is no longer a member, today or later. A future exit is planned: the membership stays ACTIVE (and holds its seat) until that day. Postings touching the campus end the day before, or are cancelled.' })
  exitMembership(
    @Arg('id', () => ID) id: string,
    @Arg('on', () => LocalDate) on: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: Context,
  ) {
    requireWriter(ctx);
    requireText('reason', reason, 2000);
    return write(ctx, async (w) => {
      const m = await lockMembership(w, id);
      const g = await lockGroupRow(w, m.group_id);
      await authorize(w.ctx, 'exitMembership', { places: { supervising: g.jurisdiction_id }, group: g.id, school: m.school_id });
      if (m.status !== 'ACTIVE') throw hubError('CONFLICT', `only an active membership can end; this one is ${m.status}`, { field: 'id' });
      if (m.role === 'LEAD') throw hubError('CONFLICT', 'the lead campus leaves only when the group is dissolved', { field: 'id' });
      // A planned exit may be brought forward (e.g. by a review case's decision), never put off:
      // the postings it ended or cancelled are not restored.
      if (m.left_on && on >= m.left_on) throw hubError('CONFLICT', `the exit is already planned for ${m.left_on}: it may only be brought forward`, { field: 'id' });
      // Exits take effect on their date (退出), never before the day they are recorded: a
      // back-dated exit would rewrite a membership (its postings, figures and funding) that
      // happened. `on` is the first day the campus is no longer a member (memberOn: left_on > day).
      const day = today(ctx.now);
      if (on < day) throw badInput('on', `on must not be before today (${day}): an exit takes effect on its date and cannot be back-dated`);
      if (on < m.joined_on) throw badInput('on', `on must not be before the campus joined (${m.joined_on})`);
      // A future exit is planned: the campus stays an ACTIVE member, holding its seat, until then
      // (settleDueExits makes it EXITED when the day comes). Today's takes effect at once.
      const effective = on <= day;
      const after = await w.one(sql`UPDATE group_membership SET status = ${effective ? 'EXITED' : 'ACTIVE'}, left_on = ${on}, updated_at = now()
        WHERE id = ${m.id} RETURNING *`);
      const postings = await endPostings(w, g.id, m.campus_id, on, effective, `campus left the group: ${reason}`);
      const where = [g.jurisdiction_id, m.campus_jurisdiction];
      await w.record({ action: 'exitMembership', entityType: 'GroupMembership', entityId: m.id, before: strip(m), after: { ...after, reason }, jurisdictionIds: where });
      if (effective) await w.reannounceAround({ groups: [g.id], campuses: [m.campus_id] });
      for (const p of postings) await w.record({ action: 'exitMembership', entityType: 'Posting', entityId: p.id, after: p, jurisdictionIds: where });
      return w.row(GroupMembership, after);
    });
  }
}
