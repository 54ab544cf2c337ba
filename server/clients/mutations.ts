import { Arg, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { hashApiKey, newApiKey } from '../access/authenticate';
import { bureau, forbidden, isBureauOf, requireWriter } from '../access/authority';
import { newId } from '../db/ids';
import { and, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { Role } from '../graphql/enums';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { write } from '../writes/transaction';
import { ApiClient } from './entity';

/** Roles an API key may carry: integrations read (and later write) like a bureau-scoped vendor or analyst. */
const KEY_ROLES: Role[] = ['VENDOR', 'ANALYST'];
/** Scopes the hub knows; anything else is a typo that would silently grant nothing. */
export const KNOWN_SCOPES = [
  'campus:read', 'campus:write', 'group:read', 'staff:read', 'staff:write', 'posting:read', 'resource:read', 'resource:write',
  'evaluation:read', 'pii:read',
];

@InputType()
export class CreateApiClientInput {
  @Field() name: string;
  @Field(() => Role) role: Role;
  @Field() jurisdictionCode: string;
  @Field(() => [String], { nullable: true, defaultValue: [] }) schoolCodes?: string[];
  @Field(() => [String]) scopes: string[];
}

@ObjectType()
export class ApiClientCreated {
  @Field(() => ApiClient) client: ApiClient;
  @Field({ description: 'The API key, shown once; only its hash is stored.' }) apiKey: string;
}

@Resolver(() => ApiClient)
export class ApiClientMutations {
  @Mutation(() => ApiClientCreated)
  createApiClient(@Arg('input', () => CreateApiClientInput) input: CreateApiClientInput, @Ctx() ctx: Context): Promise<ApiClientCreated> {
    requireWriter(ctx);
    const name = requireText('input.name', input.name);
    if (!KEY_ROLES.includes(input.role)) throw badInput('input.role', `an API client's role is one of ${KEY_ROLES.join(', ')}`);
    const unknown = input.scopes.filter((s) => !KNOWN_SCOPES.includes(s));
    if (unknown.length) throw badInput('input.scopes', `unknown scope(s) ${unknown.join(', ')}; known: ${KNOWN_SCOPES.join(', ')}`);
    return write(ctx, async (w) => {
      const j = await w.one(sql`SELECT id, code, name FROM jurisdiction WHERE code = ${input.jurisdictionCode}`);
      if (!j) throw badInput('input.jurisdictionCode', `unknown jurisdiction ${input.jurisdictionCode}`);
      if (!isBureauOf(ctx, j.id)) throw forbidden(bureau(j));
      const codes = [...new Set(input.schoolCodes ?? [])];
      const schools = await w.query(sql`SELECT s.id, s.code FROM school s JOIN jurisdiction_ancestor x ON x.jurisdiction_id = s.jurisdiction_id
        WHERE x.ancestor_id = ${j.id}::uuid AND s.code = ANY(${codes}::text[])`);
      const missing = codes.filter((c) => !schools.some((s) => s.code === c));
      if (missing.length) throw badInput('input.schoolCodes', `no school ${missing.join(', ')} within ${j.name} (${j.code})`);
      const apiKey = newApiKey();
      const row = await w.one(sql`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, created_by)
        VALUES (${newId()}, ${name}, ${input.role}, ${j.id}, ${schools.map((s) => s.id)}::uuid[], ${input.scopes}::text[], ${hashApiKey(apiKey)}, ${ctx.scope.caller.subject})
        RETURNING id, name, role, jurisdiction_id, school_ids, scopes, created_by, created_at, revoked_at, last_used_at`);
      await w.record({ action: 'createApiClient', entityType: 'ApiClient', entityId: row.id, after: row, jurisdictionIds: [j.id] });
      return { client: w.row(ApiClient, row), apiKey };
    });
  }

  @Mutation(() => ApiClient)
  revokeApiClient(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const uuid = uuidOf(id, 'ApiClient');
      const before = uuid
        ? await w.one(sql`SELECT a.id, a.name, a.jurisdiction_id, a.revoked_at, j.code, j.name AS j_name FROM api_client a JOIN jurisdiction j ON j.id = a.jurisdiction_id
            WHERE ${and([sql`a.id = ${uuid}::uuid`, w.ctx.scope.visible('ApiClient', 'a')])} FOR UPDATE OF a`)
        : undefined;
      if (!before) throw notFound('API client');
      if (!isBureauOf(ctx, before.jurisdiction_id)) throw forbidden(bureau({ code: before.code, name: before.j_name }));
      if (before.revoked_at) throw hubError('CONFLICT', 'the API client is already revoked', { field: 'id' });
      const after = await w.one(sql`UPDATE api_client SET revoked_at = now() WHERE id = ${before.id}::uuid
        RETURNING id, name, role, jurisdiction_id, school_ids, scopes, created_by, created_at, revoked_at, last_used_at`);
      await w.record({ action: 'revokeApiClient', entityType: 'ApiClient', entityId: after.id, before: { revoked_at: null }, after: { revoked_at: after.revoked_at }, jurisdictionIds: [after.jurisdiction_id] });
      return w.row(ApiClient, after);
    });
  }
}
