import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { authorize, grantableScopes, requireWriter } from '../access/authority';
import { sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { Role } from '../graphql/enums';
import { DateTime } from '../graphql/scalars';
import { badInput, hubError, notFound, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { RequestLoader } from '../graphql/loader';
import { write } from '../writes/transaction';
import { ApiClient, ApiKey, apiKeyOf } from './entity';
import { insertClient, issueKey, KEY_COLUMNS, KEY_ROLES, lockClient, lockKey, revokeClient, revokeKey } from './keys';

export { KEY_ROLES } from './keys';

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
  @Field(() => DateTime, { nullable: true, description: 'When the key stops working; null: it works until revoked.' }) expiresAt?: Date | null;
  @Field({ nullable: true, defaultValue: false, description: "true: the key may run only the hub's persisted documents (the SDK's operations, by hash)." })
  persistedOnly?: boolean;
}

@ObjectType()
export class ApiClientCreated {
  @Field(() => ApiClient) client: ApiClient;
  @Field({ description: 'The API key, shown once; only its hash is stored.' }) apiKey: string;
}

@ObjectType({ description: 'A key issued to an API client: the key itself is shown here once; only its hash is stored.' })
export class ApiKeyIssued {
  @Field(() => ApiClient) client: ApiClient;
  @Field(() => ApiKey, { description: 'The new key as lists show it (never the key).' }) key: ApiKey;
  @Field({ description: 'The API key (X-Api-Key), shown once; only its hash is stored.' }) apiKey: string;
}

/** The scopes of a key never exceed those of whoever issues it (a key carries its client's scopes). */
function assertGrantable(ctx: Context, scopes: string[], field: string, what: string) {
  const c = ctx.scope.caller;
  const grantable = grantableScopes(c.role, c.scopes);
  const beyond = scopes.filter((s) => !grantable.has(s));
  if (beyond.length) throw hubError('FORBIDDEN', `${what} never exceed its creator's: you do not hold ${beyond.join(', ')}`, { field });
}

@Resolver(() => ApiClient)
export class ApiClientMutations {
  @FieldResolver(() => [ApiKey], { description: 'Its keys, oldest first, revoked and expired ones included (never a key or its hash).' })
  keys(@Root() a: ApiClient, @Ctx() ctx: Context): Promise<ApiKey[]> {
    ctx.scope.assertReadable('ApiClient');
    return ctx.loader('ApiClient.keys', () => new RequestLoader<string, ApiKey[]>(async (ids) => {
      const rows = await ctx.db.query(sql`SELECT ${KEY_COLUMNS} FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id
        WHERE k.api_client_id = ANY(${[...ids]}::uuid[]) ORDER BY k.created_at, k.id`);
      const byClient = new Map<string, ApiKey[]>(ids.map((id) => [id, []]));
      for (const r of rows) byClient.get(r.api_client_id)?.push(apiKeyOf(r));
      return ids.map((id) => byClient.get(id)!);
    })).load(a.uuid);
  }

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
      assertGrantable(ctx, input.scopes, 'input.scopes', "an API client's scopes");
      const codes = [...new Set(input.schoolCodes ?? [])];
      const schools = await w.query(sql`SELECT s.id, s.code FROM school s JOIN jurisdiction_ancestor x ON x.jurisdiction_id = s.jurisdiction_id
        WHERE x.ancestor_id = ${j.id}::uuid AND s.code = ANY(${codes}::text[])`);
      const missing = codes.filter((c) => !schools.some((s) => s.code === c));
      if (missing.length) throw badInput('input.schoolCodes', `no school ${missing.join(', ')} within ${j.name} (${j.code})`);
      const made = await insertClient(w, {
        name, role: input.role, jurisdictionId: j.id, schoolIds: schools.map((s) => s.id), scopes: input.scopes,
        expiresAt: input.expiresAt ?? null, persistedOnly: input.persistedOnly ?? false, createdBy: ctx.scope.caller.subject,
      });
      return { client: w.row(ApiClient, made.row), apiKey: made.apiKey };
    });
  }

  @Mutation(() => ApiClient)
  revokeApiClient(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const before = await lockClient(w, uuidOf(id, 'ApiClient'));
      if (!before) throw notFound('API client');
      await authorize(w.ctx, 'revokeApiClient', { places: { own: before.jurisdiction_id } });
      return w.row(ApiClient, await revokeClient(w, before));
    });
  }

  @Mutation(() => ApiKeyIssued, {
    description: "Issues another key to an API client, shown once: rotate by issuing a second key, moving the integration over, then revoking the first (revokeApiKey). The key carries the client's role, scopes and schools.",
  })
  issueApiKey(
    @Arg('clientId', () => ID) clientId: string,
    @Arg('expiresAt', () => DateTime, { nullable: true, description: "When this key stops working; null: not before the client's own expiry." }) expiresAt: Date | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<ApiKeyIssued> {
    requireWriter(ctx);
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw badInput('expiresAt', 'expiresAt must lie in the future');
    return write(ctx, async (w) => {
      const client = await lockClient(w, uuidOf(clientId, 'ApiClient'));
      if (!client) throw hubError('NOT_FOUND', 'API client not found', { field: 'clientId' });
      await authorize(w.ctx, 'issueApiKey', { places: { own: client.jurisdiction_id } });
      // Whoever receives the key acts with the client's scopes: the issuer must hold them, as a creator must.
      assertGrantable(ctx, client.scopes, 'clientId', "the scopes of a key (its client's)");
      const { key, apiKey } = await issueKey(w, client, { expiresAt: expiresAt ?? null, createdBy: ctx.scope.caller.subject, field: 'clientId' });
      return Object.assign(new ApiKeyIssued(), { client: w.row(ApiClient, client), key, apiKey });
    });
  }

  @Mutation(() => ApiKey, { description: "Revokes one key of an API client at once; its other keys keep working (revokeApiClient stops them all)." })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ApiKey> {
    requireWriter(ctx);
    return write(ctx, async (w) => {
      const before = await lockKey(w, uuidOf(id, 'ApiKey'));
      if (!before) throw hubError('NOT_FOUND', 'API key not found', { field: 'id' });
      await authorize(w.ctx, 'revokeApiKey', { places: { own: before.jurisdiction_id } });
      return revokeKey(w, before);
    });
  }
}
