import { Arg, Ctx, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';
import { authorize, requireWriter } from '../access/authority';
import { related } from '../access/rules';
import { newId } from '../db/ids';
import { and, raw, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { ResourceKind, ResourceUseKind, ResourceVisibility, SchoolStage } from '../graphql/enums';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { encodeId, uuidOf } from '../graphql/ids';
import { lockGroup } from '../groups/mutations';
import { write, Writer } from '../writes/transaction';
import { Resource, ResourceLibrary } from './entity';

@InputType()
export class CreateLibraryInput {
  @Field(() => ID) groupId: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ResourceVisibility, { nullable: true, defaultValue: 'GROUP' }) visibility?: ResourceVisibility;
}

@InputType()
export class CreateResourceInput {
  @Field(() => ID) libraryId: string;
  @Field() title: string;
  @Field(() => ResourceKind) kind: ResourceKind;
  @Field() subject: string;
  @Field(() => [SchoolStage]) stages: SchoolStage[];
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field() uri: string;
  @Field(() => [String], { nullable: true, defaultValue: [] }) tags?: string[];
  @Field(() => ID, { nullable: true }) contributorId?: string | null;
  @Field(() => ID) contributingCampusId: string;
}

/** A campus that is an active member (or the lead) of the group. */
async function activeCampus(w: Writer, groupId: string, campusGlobalId: string, field: string) {
  const id = uuidOf(campusGlobalId, 'Campus');
  const campus = id
    ? await w.one(sql`SELECT c.* FROM campus c JOIN group_membership m ON m.campus_id = c.id AND m.group_id = ${groupId}::uuid AND m.status = 'ACTIVE'
        WHERE c.id = ${id}::uuid`)
    : undefined;
  if (!campus) throw badInput(field, "the campus must be an active member (or the lead) of the library's group");
  return campus;
}

async function resourceWithGroup(w: Writer, id: string, lock: boolean) {
  const uuid = uuidOf(id, 'Resource');
  const r = uuid
    ? await w.one(sql`SELECT r.*, l.group_id, g.jurisdiction_id AS g_jurisdiction FROM resource r JOIN resource_library l ON l.id = r.library_id
        JOIN education_group g ON g.id = l.group_id
        WHERE r.id = ${uuid}::uuid AND r.deleted_at IS NULL ${raw(lock ? 'FOR UPDATE OF r' : '')}`)
    : undefined;
  if (!r) throw notFound('resource');
  return r;
}

@Resolver(() => Resource)
export class ResourceMutations {
  @Mutation(() => ResourceLibrary)
  createLibrary(@Arg('input', () => CreateLibraryInput) input: CreateLibraryInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const name = requireText('input.name', input.name);
    return write(ctx, async (w) => {
      const g = await lockGroup(w, input.groupId);
      await authorize(w.ctx, 'createLibrary', { places: { supervising: g.jurisdiction_id }, group: g.id });
      if (g.status === 'DISSOLVED') throw hubError('CONFLICT', 'the group is dissolved', { field: 'input.groupId' });
      const l = await w.one(sql`INSERT INTO resource_library (id, group_id, name, description, visibility)
        VALUES (${newId()}, ${g.id}, ${name}, ${input.description ?? null}, ${input.visibility ?? 'GROUP'}) RETURNING *`);
      await w.record({ action: 'createLibrary', entityType: 'ResourceLibrary', entityId: l.id, after: l, jurisdictionIds: [g.jurisdiction_id] });
      return w.row(ResourceLibrary, l);
    });
  }

  @Mutation(() => Resource)
  createResource(@Arg('input', () => CreateResourceInput) input: CreateResourceInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const title = requireText('input.title', input.title);
    const subject = requireText('input.subject', input.subject);
    const uri = requireText('input.uri', input.uri, 2000);
    return write(ctx, async (w) => {
      const lid = uuidOf(input.libraryId, 'ResourceLibrary');
      const lib = lid
        ? await w.one(sql`SELECT l.*, g.jurisdiction_id AS g_jurisdiction, g.status AS g_status FROM resource_library l JOIN education_group g ON g.id = l.group_id
            WHERE l.id = ${lid}::uuid`)
        : undefined;
      if (!lib) throw badInput('input.libraryId', 'no such library');
      if (lib.g_status === 'DISSOLVED') throw hubError('CONFLICT', 'the group is dissolved', { field: 'input.libraryId' });
      const campus = await activeCampus(w, lib.group_id, input.contributingCampusId, 'input.contributingCampusId');
      await authorize(w.ctx, 'createResource', { group: lib.group_id, school: campus.school_id });
      let contributor: string | null = null;
      if (input.contributorId != null) {
        const sid = uuidOf(input.contributorId, 'Staff');
        const s = sid ? await w.one(sql`SELECT id FROM staff WHERE id = ${sid}::uuid AND home_campus_id = ${campus.id}::uuid`) : undefined;
        if (!s) throw badInput('input.contributorId', 'the contributor must be staff of the contributing campus');
        contributor = s.id;
      }
      const r = await w.one(sql`INSERT INTO resource (id, library_id, title, kind, subject, stages, description, uri, tags, contributor_id, contributing_campus_id)
        VALUES (${newId()}, ${lib.id}, ${title}, ${input.kind}, ${subject}, ${input.stages}::text[], ${input.description ?? null}, ${uri},
          ${[...new Set((input.tags ?? []).map((t) => t.trim()).filter(Boolean))]}::text[], ${contributor}, ${campus.id}) RETURNING *`);
      await w.record({ action: 'createResource', entityType: 'Resource', entityId: r.id, after: r, jurisdictionIds: [lib.g_jurisdiction, campus.jurisdiction_id] });
      return w.row(Resource, r);
    });
  }

  @Mutation(() => ID, { description: 'Withdraws a resource; the change feed announces the deletion.' })
  deleteResource(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const r = await resourceWithGroup(w, id, true);
      const [campus] = await w.query(sql`SELECT school_id FROM campus WHERE id = ${r.contributing_campus_id}::uuid`);
      await authorize(w.ctx, 'deleteResource', { places: { supervising: r.g_jurisdiction }, group: r.group_id, school: campus.school_id });
      await w.query(sql`UPDATE resource SET deleted_at = now(), updated_at = now() WHERE id = ${r.id}::uuid`);
      await w.record({ action: 'deleteResource', entityType: 'Resource', entityId: r.id, before: { title: r.title }, after: null, jurisdictionIds: [r.g_jurisdiction], operation: 'DELETE' });
      return encodeId('Resource', r.id);
    });
  }

  @Mutation(() => Resource)
  recordResourceUse(
    @Arg('resourceId', () => ID) resourceId: string,
    @Arg('campusId', () => ID) campusId: string,
    @Arg('kind', () => ResourceUseKind) kind: ResourceUseKind,
    @Ctx() ctx: Context,
  ) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const r = await resourceWithGroup(w, resourceId, false);
      // A use is recorded of a resource the caller can read: the answer returns it.
      if (!(await w.ctx.inScope(Resource, { uuid: r.id }))) throw notFound('resource');
      const cid = uuidOf(campusId, 'Campus');
      const campus = cid
        ? await w.one(sql`SELECT c.*, (SELECT m.group_id FROM group_membership m WHERE m.campus_id = c.id AND m.status = 'ACTIVE') AS group_id
            FROM campus c WHERE c.id = ${cid}::uuid`)
        : undefined;
      if (!campus) throw badInput('campusId', 'no such campus');
      // Who acts for the using campus: its school, its group, or a vendor for its school.
      await authorize(w.ctx, 'recordResourceUse', { group: campus.group_id ?? undefined, school: campus.school_id });
      // The library must reach the using campus (DOMAIN.md "Resources"): GROUP, the group's active
      // campuses; JURISDICTION, campuses on the supervising bureau's line of the tree; PUBLIC, any.
      const reaches = await w.one(sql`SELECT 1 FROM resource_library l JOIN education_group g ON g.id = l.group_id
        WHERE l.id = ${r.library_id}::uuid AND (l.visibility = 'PUBLIC'
          OR EXISTS (SELECT 1 FROM group_membership m WHERE m.group_id = l.group_id AND m.campus_id = ${campus.id}::uuid AND m.status = 'ACTIVE')
          OR (l.visibility = 'JURISDICTION' AND ${related(sql`g.jurisdiction_id`, sql`${campus.jurisdiction_id}::uuid`)}))`);
      if (!reaches) throw badInput('campusId', 'the resource is not shared with this campus (see its library\'s visibility)');
      await w.query(sql`INSERT INTO resource_use (id, resource_id, campus_id, kind) VALUES (${newId()}, ${r.id}, ${campus.id}, ${kind})`);
      // Uses are figures of the resource, audited but not a change to it (no feed entry).
      await w.record({ action: `recordResourceUse:${kind}`, entityType: 'Resource', entityId: r.id, after: { campus_id: campus.id, kind }, jurisdictionIds: [campus.jurisdiction_id], feed: false });
      const { group_id: _g, g_jurisdiction: _j, ...row } = r;
      return w.row(Resource, row);
    });
  }
}
