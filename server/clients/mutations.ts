import { Arg, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { hashApiKey, newApiKey } from '../access/authenticate';
import { authorize, grantableScopes, requireWriter } from '../access/authority';
import { newId } from '../db/ids';
import { raw, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { Role } from '../graphql/enums';
import { DateTime } from '../graphql/scalars';
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

/** What a mutation returns of a client: never its key hash. */
const CLIENT_COLUMNS = raw('id, name, role, jurisdiction_id, school_ids, scopes, created_by, created_at, revoked_at, last_used_at, expires_at, persisted_only');

@InputType()
export class CreateApiClientInput {
  @Field() name: string;
  @Field(() => Role) role: Role;
  @Field() jurisdictionCode: string;
  @Field(() => [String], { nullable: true, defaultValue: [] }) schoolCodes?: string[];
  @Field(() => [String]) scopes: string[];
  @Field(() => DateTime, { nullable: true, description: 'When the key stops working; null: it works until revoked.' }) expiresAt?: Date | null;
  @Field({ nullable: true, defaultValue: false, description: "true: the key may run only the hub's persisted documents (the SDK's operations, by hash)." })
  persistedOnly?: boolean;
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
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badInput('input.expiresAt', 'expiresAt must lie in the future');
    return write(ctx, async (w) => {
      const j = await w.one(sql`SELECT id, code, name FROM jurisdiction WHERE code = ${input.jurisdictionCode}`);
      if (!j) throw badInput('input.jurisdictionCode', `unknown jurisdiction ${input.jurisdictionCode}`);
      await authorize(w.ctx, 'createApiClient', { places: { own: j.id } });
      // A key never carries more than its creator holds (pii:read only from a creator holding it).
      const c = ctx.scope.caller;
      const grantable = grantableScopes(c.role, c.scopes);
      const beyond = input.scopes.filter((s) => !grantable.has(s));
      if (beyond.length) {
        throw hubError('FORBIDDEN', `an API client's scopes never exceed its creator's: you do not hold ${beyond.join(', ')}`, { field: 'input.scopes' });
      }
      const codes = [...new Set(input.schoolCodes ?? [])];
      const schools = await w.query(sql`SELECT s.id, s.code FROM school s JOIN jurisdiction_ancestor x ON x.jurisdiction_id = s.jurisdiction_id
        WHERE x.ancestor_id = ${j.id}::uuid AND s.code = ANY(${codes}::text[])`);
      const missing = codes.filter((c) => !schools.some((s) => s.code === c));
      if (missing.length) throw badInput('input.schoolCodes', `no school ${missing.join(', ')} within ${j.name} (${j.code})`);
      const apiKey = newApiKey();
      const row = await w.one(sql`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, created_by, expires_at, persisted_only)
        VALUES (${newId()}, ${name}, ${input.role}, ${j.id}, ${schools.map((s) => s.id)}::uuid[], ${[...new Set(input.scopes)]}::text[], ${hashApiKey(apiKey)},
          ${ctx.scope.caller.subject}, ${input.expiresAt ?? null}, ${input.persistedOnly ?? false})
        RETURNING ${CLIENT_COLUMNS}`);
      await w.record({ action: 'createApiClient', entityType: 'ApiClient', entityId: row.id, after: row, jurisdictionIds: [j.id] });
      return { client: w.row(ApiClient, row), apiKey };
    });
  }

  @Mutation(() => ApiClient)
  revokeApiClient(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const uuid = uuidOf(id, 'ApiClient');
      const before = uuid ? await w.one(sql`SELECT a.id, a.jurisdiction_id, a.revoked_at FROM api_client a WHERE a.id = ${uuid}::uuid FOR UPDATE`) : undefined;
      if (!before) throw notFound('API client');
      await authorize(w.ctx, 'revokeApiClient', { places: { own: before.jurisdiction_id } });
      if (before.revoked_at) throw hubError('CONFLICT', 'the API client is already revoked', { field: 'id' });
      const after = await w.one(sql`UPDATE api_client SET revoked_at = now() WHERE id = ${before.id}::uuid RETURNING ${CLIENT_COLUMNS}`);
      await w.record({ action: 'revokeApiClient', entityType: 'ApiClient', entityId: after.id, before: { revoked_at: null }, after: { revoked_at: after.revoked_at }, jurisdictionIds: [after.jurisdiction_id] });
      return w.row(ApiClient, after);
    });
  }
}
