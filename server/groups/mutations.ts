import { Arg, Ctx, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';
import { authorize, requireWriter } from '../access/authority';
import { today } from '../calendar';
import { newId } from '../db/ids';
import { and, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { GroupMode } from '../graphql/enums';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { LocalDate } from '../graphql/scalars';
import { policyAt } from '../policy/resolve';
import { write, Writer } from '../writes/transaction';
import { endPostings, settleDueExits } from '../memberships/exits';
import { EducationGroup } from './entity';

@InputType()
export class CreateGroupInput {
  @Field() name: string;
  @Field(() => GroupMode) mode: GroupMode;
  @Field(() => String, { nullable: true, description: 'The bureau the lead school answers to, which supervises the group; when given it must be that one.' }) jurisdictionCode?: string | null;
  @Field(() => ID) leadCampusId: string;
  @Field(() => Boolean, { nullable: true, defaultValue: false }) legalEntity?: boolean;
  @Field(() => LocalDate, { nullable: true }) establishedOn?: string | null;
}

@InputType()
export class UpdateGroupInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => GroupMode, { nullable: true }) mode?: GroupMode | null;
  @Field(() => Boolean, { nullable: true }) legalEntity?: boolean | null;
}

@InputType()
export class CharterInput {
  @Field() title: string;
  @Field() uri: string;
  @Field(() => LocalDate) filedOn: string;
}

/** The group named by a global id, locked for this transaction; NOT_FOUND when there is none. Who may act on it is authorize's to say. */
export async function lockGroup(w: Writer, id: string) {
  return lockGroupRow(w, uuidOf(id, 'EducationGroup'));
}

export async function lockGroupRow(w: Writer, uuid: string | null) {
  const g = uuid ? await w.one(sql`SELECT g.* FROM education_group g WHERE g.id = ${uuid}::uuid FOR UPDATE`) : undefined;
  if (!g) throw notFound('group');
  return g;
}

/** Active MEMBER campuses (the lead not counted). */
export async function activeMembers(w: Writer, groupId: string): Promise<number> {
  return (await w.one(sql`SELECT count(*)::int AS n FROM group_membership WHERE group_id = ${groupId}::uuid AND status = 'ACTIVE' AND role = 'MEMBER'`)).n;
}

/** Throws POLICY_VIOLATION when a group of this mode may not have `members` members where it is supervised. */
export async function checkCap(ctx: Context, jurisdictionId: string, mode: GroupMode, members: number, field: string) {
  const cap = (await policyAt(ctx, jurisdictionId)).maxMembers.find((l) => l.mode === mode)?.maxMembers;
  if (cap !== undefined && members > cap) {
    throw hubError('POLICY_VIOLATION', `a ${mode} group may have at most ${cap} member campuses (the lead not counted); it would have ${members}`, { field });
  }
}

/** Where a group's audit entries are read: its supervising bureau and its active members' counties (never an applicant's). */
const groupPlaces = (groupId: string) => sql`SELECT g.jurisdiction_id AS id FROM education_group g WHERE g.id = ${groupId}::uuid
    UNION SELECT c.jurisdiction_id FROM group_membership m JOIN campus c ON c.id = m.campus_id WHERE m.group_id = ${groupId}::uuid AND m.status = 'ACTIVE'`;
/** The same, as ids. */
const groupJurisdictions = async (w: Writer, groupId: string): Promise<string[]> => (await w.query(groupPlaces(groupId))).map((r) => r.id);

@Resolver(() => EducationGroup)
export class GroupMutations {
  @Mutation(() => EducationGroup)
  createGroup(@Arg('input', () => CreateGroupInput) input: CreateGroupInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const name = requireText('input.name', input.name);
    return write(ctx, async (w) => {
      const campusId = uuidOf(input.leadCampusId, 'Campus');
      const lead = campusId
        ? await w.one(sql`SELECT c.*, s.supervising_jurisdiction_id AS school_supervisor, j.code AS j_code, j.name AS j_name
            FROM campus c JOIN school s ON s.id = c.school_id JOIN jurisdiction j ON j.id = s.supervising_jurisdiction_id WHERE c.id = ${campusId}::uuid`)
        : undefined;
      if (!lead) throw badInput('input.leadCampusId', 'no such campus');
      // A group is approved, and then supervised, by the bureau its lead school answers to
      // (根据龙头校隶属关系，按管辖权限批准 [000 §三(四)]): the school's supervising bureau
      // (school.supervising_jurisdiction_id), never one the caller names nor an ancestor of it.
      // education_group.jurisdiction_id keeps it; it cannot change under a live group (upsertSchool).
      const j = { id: lead.school_supervisor as string };
      await authorize(w.ctx, 'createGroup', { places: { supervising: j.id } });
      if (input.jurisdictionCode != null && input.jurisdictionCode !== lead.j_code) {
        throw badInput('input.jurisdictionCode', `the lead school answers to ${lead.j_name} (${lead.j_code}), which supervises the group`);
      }
      await settleDueExits(w, { campus: lead.id });
      const elsewhere = await w.one(sql`SELECT g.name FROM group_membership m JOIN education_group g ON g.id = m.group_id
        WHERE m.campus_id = ${lead.id}::uuid AND m.status = 'ACTIVE' FOR UPDATE OF m`);
      if (elsewhere) throw hubError('POLICY_VIOLATION', `the lead campus is already an active member of ${elsewhere.name}`, { field: 'input.leadCampusId' });
      const joined = input.establishedOn ?? today(ctx.now);
      const g = await w.one(sql`INSERT INTO education_group (id, name, mode, status, jurisdiction_id, lead_campus_id, legal_entity, established_on)
        VALUES (${newId()}, ${name}, ${input.mode}, 'PROPOSED', ${j.id}, ${lead.id}, ${input.legalEntity ?? false}, ${input.establishedOn ?? null}) RETURNING *`);
      const m = await w.one(sql`INSERT INTO group_membership (id, group_id, campus_id, role, status, joined_on)
        VALUES (${newId()}, ${g.id}, ${lead.id}, 'LEAD', 'ACTIVE', ${joined}) RETURNING *`);
      const where = [j.id, lead.jurisdiction_id];
      await w.record({ action: 'createGroup', entityType: 'EducationGroup', entityId: g.id, after: g, jurisdictionIds: where });
      await w.record({ action: 'createGroup', entityType: 'GroupMembership', entityId: m.id, after: m, jurisdictionIds: where });
      await w.reannounceAround({ campuses: [lead.id] });
      return w.row(EducationGroup, g);
    });
  }

  @Mutation(() => EducationGroup)
  updateGroup(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateGroupInput) input: UpdateGroupInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const g = await lockGroup(w, id);
      // The group's office may rename it; mode and legal status are the bureau's to change.
      const renameOnly = input.mode == null && input.legalEntity == null;
      await authorize(w.ctx, renameOnly ? 'renameGroup' : 'updateGroup', { places: { supervising: g.jurisdiction_id }, group: g.id });
      if (g.status === 'DISSOLVED') throw hubError('CONFLICT', 'the group is dissolved');
      const name = input.name == null ? g.name : requireText('input.name', input.name);
      const mode = input.mode ?? g.mode;
      const legalEntity = input.legalEntity ?? g.legal_entity;
      if (name === g.name && mode === g.mode && legalEntity === g.legal_entity) return w.row(EducationGroup, g); // nothing to change
      if (mode !== g.mode) await checkCap(w.ctx, g.jurisdiction_id, mode, await activeMembers(w, g.id), 'input.mode');
      const after = await w.one(sql`UPDATE education_group SET name = ${name}, mode = ${mode}, legal_entity = ${legalEntity},
        updated_at = now() WHERE id = ${g.id} RETURNING *`);
      await w.record({ action: 'updateGroup', entityType: 'EducationGroup', entityId: g.id, before: g, after, jurisdictionIds: groupPlaces(g.id) });
      return w.row(EducationGroup, after);
    });
  }

  @Mutation(() => EducationGroup)
  fileCharter(@Arg('groupId', () => ID) groupId: string, @Arg('input', () => CharterInput) input: CharterInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const g = await lockGroup(w, groupId);
      await authorize(w.ctx, 'fileCharter', { places: { supervising: g.jurisdiction_id }, group: g.id });
      const [title, uri] = [requireText('input.title', input.title), requireText('input.uri', input.uri, 2000)];
      if (title === g.charter_title && uri === g.charter_uri && input.filedOn === g.charter_filed_on) return w.row(EducationGroup, g); // already filed
      const after = await w.one(sql`UPDATE education_group SET charter_title = ${title}, charter_uri = ${uri},
        charter_filed_on = ${input.filedOn}, updated_at = now() WHERE id = ${g.id} RETURNING *`);
      await w.record({ action: 'fileCharter', entityType: 'EducationGroup', entityId: g.id, before: g, after, jurisdictionIds: groupPlaces(g.id) });
      return w.row(EducationGroup, after);
    });
  }

  @Mutation(() => EducationGroup, { description: 'The supervising bureau approves a PROPOSED group (or reinstates a SUSPENDED one): it becomes ACTIVE.' })
  approveGroup(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return this.transition(ctx, id, 'approveGroup', ['PROPOSED', 'SUSPENDED'], 'ACTIVE');
  }

  @Mutation(() => EducationGroup)
  suspendGroup(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: Context) {
    return this.transition(ctx, id, 'suspendGroup', ['ACTIVE'], 'SUSPENDED', requireText('reason', reason, 2000));
  }

  @Mutation(() => EducationGroup, { description: 'Ends every active membership and the group (解散).' })
  dissolveGroup(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: Context) {
    return this.transition(ctx, id, 'dissolveGroup', ['PROPOSED', 'ACTIVE', 'SUSPENDED'], 'DISSOLVED', requireText('reason', reason, 2000));
  }

  /** Status changes, all decided by the supervising bureau. */
  private transition(ctx: Context, id: string, action: 'approveGroup' | 'suspendGroup' | 'dissolveGroup', from: string[], to: string, reason?: string) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const g = await lockGroup(w, id);
      await authorize(w.ctx, action, { places: { supervising: g.jurisdiction_id }, group: g.id });
      if (!from.includes(g.status)) throw hubError('CONFLICT', `a ${g.status} group cannot be moved to ${to}`, { field: 'id' });
      if (to === 'ACTIVE') {
        // Only the bureau the lead school answers to approves (按管辖权限): a group recorded under
        // another bureau (data from before supervision was kept) is not approved by either.
        const lead = await w.one(sql`SELECT s.supervising_jurisdiction_id AS id, j.name, j.code FROM campus c JOIN school s ON s.id = c.school_id
          JOIN jurisdiction j ON j.id = s.supervising_jurisdiction_id WHERE c.id = ${g.lead_campus_id}::uuid`);
        if (lead.id !== g.jurisdiction_id) throw hubError('CONFLICT', `the lead school answers to ${lead.name} (${lead.code}), not to the bureau recorded as the group's supervisor`, { field: 'id' });
      }
      const day = today(ctx.now);
      const jurisdictions = await groupJurisdictions(w, g.id);
      if (to === 'DISSOLVED') await this.endEverything(w, g.id, day, reason!, jurisdictions);
      const after = await w.one(sql`UPDATE education_group SET status = ${to},
          established_on = CASE WHEN ${to} = 'ACTIVE' THEN coalesce(established_on, ${day}::date) ELSE established_on END,
          dissolved_on = CASE WHEN ${to} = 'DISSOLVED' THEN greatest(${day}::date, coalesce(established_on, ${day}::date)) ELSE dissolved_on END,
          updated_at = now()
        WHERE id = ${g.id} RETURNING *`);
      await w.record({ action, entityType: 'EducationGroup', entityId: g.id, before: g, after: { ...after, reason }, jurisdictionIds: jurisdictions });
      // Member counties hold a group while it runs; dissolution ends every membership.
      const campuses = (await w.query(sql`SELECT campus_id FROM group_membership WHERE group_id = ${g.id}::uuid AND (status = 'ACTIVE' OR left_on = ${day}::date)`)).map((r) => r.campus_id);
      await w.reannounceAround({ groups: [g.id], campuses });
      return w.row(EducationGroup, after);
    });
  }

  /**
   * Dissolution: active memberships end today (planned exits included: the group ends first),
   * applications close, and postings end as on an exit that takes effect today (endPostings:
   * the day before at the latest, or cancelled).
   */
  private async endEverything(w: Writer, groupId: string, day: string, reason: string, jurisdictions: string[]) {
    const changes = [
      ...(await w.query(sql`UPDATE group_membership SET status = 'EXITED', left_on = least(coalesce(left_on, 'infinity'), greatest(${day}::date, joined_on)), updated_at = now()
        WHERE group_id = ${groupId}::uuid AND status = 'ACTIVE' RETURNING *, 'GroupMembership' AS kind`)),
      ...(await w.query(sql`UPDATE group_membership SET status = 'REJECTED', updated_at = now()
        WHERE group_id = ${groupId}::uuid AND status = 'APPLIED' RETURNING *, 'GroupMembership' AS kind`)),
      ...(await endPostings(w, groupId, null, day, true, `group dissolved: ${reason}`)).map((p) => ({ ...p, kind: 'Posting' })),
    ];
    for (const row of changes) {
      const { kind, ...after } = row;
      await w.record({ action: 'dissolveGroup', entityType: kind, entityId: row.id, after, jurisdictionIds: jurisdictions });
    }
  }
}
