import { hashApiKey, newApiKey } from '../access/authenticate';
import { newId } from '../db/ids';
import { raw, sql } from '../db/sql';
import { Role } from '../graphql/enums';
import { hubError } from '../graphql/errors';
import { encodeId } from '../graphql/ids';
import type { Writer } from '../writes/transaction';
import { ApiKey, apiKeyOf } from './entity';

/**
 * API clients and their keys, written in one transaction (writes/transaction.ts) and audited:
 * the steps the GraphQL mutations (clients/mutations.ts, after `authorize`) and the
 * `api-client` command (scripts/api-client.ts, an operator with database access) share.
 */

/** Roles an API key may carry: integrations read (and later write) like a bureau-scoped vendor or analyst. */
export const KEY_ROLES: Role[] = ['VENDOR', 'ANALYST'];

/** Keys a client may hold at once that still authenticate: enough to rotate, not to lose track. */
export const MAX_ACTIVE_KEYS = 5;

/** What is read of a client: never its key hash. */
export const CLIENT_COLUMNS = raw('id, name, role, jurisdiction_id, school_ids, scopes, created_by, created_at, revoked_at, last_used_at, expires_at, persisted_only');

/** What is read of a key (alias k, its client a): never its hash. `active`: it authenticates now. */
export const KEY_COLUMNS = raw(`k.id, k.api_client_id, k.last_four, k.created_at, k.created_by, k.expires_at, k.revoked_at, k.last_used_at,
  (k.revoked_at IS NULL AND a.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND (a.expires_at IS NULL OR a.expires_at > now())) AS active`);

/** A key's last four characters: enough to tell keys apart, never to use one. */
export const lastFour = (key: string) => key.slice(-4);

export interface ClientRow {
  id: string;
  name: string;
  jurisdiction_id: string;
  scopes: string[];
  revoked_at: Date | null;
  expires_at: Date | null;
  /** Past its own expiry. */
  expired: boolean;
  [column: string]: unknown;
}

/** The client, locked until the transaction ends (key issues of one client take turns), or undefined. */
export async function lockClient(w: Writer, uuid: string | null): Promise<ClientRow | undefined> {
  if (!uuid) return undefined;
  return w.one(sql`SELECT ${CLIENT_COLUMNS}, coalesce(expires_at <= now(), false) AS expired FROM api_client WHERE id = ${uuid}::uuid FOR UPDATE`);
}

async function readKey(w: Writer, uuid: string): Promise<ApiKey> {
  return apiKeyOf((await w.one(sql`SELECT ${KEY_COLUMNS} FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id WHERE k.id = ${uuid}::uuid`))!);
}

/** Registers a client with its first key (returned once); audited. */
export async function insertClient(
  w: Writer,
  c: { name: string; role: Role; jurisdictionId: string; schoolIds: string[]; scopes: string[]; expiresAt: Date | null; persistedOnly: boolean; createdBy: string },
): Promise<{ row: Record<string, any>; apiKey: string; key: ApiKey }> {
  const apiKey = newApiKey();
  // api_client.key_hash: the client's first key; the trigger of migration ApiClientKeys registers it in api_client_key.
  const row = (await w.one(sql`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, created_by, expires_at, persisted_only)
    VALUES (${newId()}, ${c.name}, ${c.role}, ${c.jurisdictionId}, ${c.schoolIds}::uuid[], ${[...new Set(c.scopes)]}::text[], ${hashApiKey(apiKey)},
      ${c.createdBy}, ${c.expiresAt}, ${c.persistedOnly})
    RETURNING ${CLIENT_COLUMNS}`))!;
  const [{ id }] = await w.query(sql`UPDATE api_client_key SET last_four = ${lastFour(apiKey)} WHERE key_hash = ${hashApiKey(apiKey)} AND api_client_id = ${row.id}::uuid RETURNING id`);
  const key = await readKey(w, id);
  await w.record({
    action: 'createApiClient', entityType: 'ApiClient', entityId: row.id,
    after: { ...row, key: { id: key.id, last_four: key.lastFour } }, jurisdictionIds: [row.jurisdiction_id],
  });
  return { row, apiKey, key };
}

/** Revokes a client (every key of it stops working); audited. */
export async function revokeClient(w: Writer, before: ClientRow, field = 'id'): Promise<Record<string, any>> {
  if (before.revoked_at) throw hubError('CONFLICT', 'the API client is already revoked', { field });
  const after = (await w.one(sql`UPDATE api_client SET revoked_at = now() WHERE id = ${before.id}::uuid RETURNING ${CLIENT_COLUMNS}`))!;
  await w.record({ action: 'revokeApiClient', entityType: 'ApiClient', entityId: after.id, before: { revoked_at: null }, after: { revoked_at: after.revoked_at }, jurisdictionIds: [after.jurisdiction_id] });
  return after;
}

/**
 * Issues another key to a client (rotation), returned once; audited on the client. Refused
 * (CONFLICT, naming `field`) for a revoked or expired client, or one already holding
 * MAX_ACTIVE_KEYS keys that authenticate.
 */
export async function issueKey(w: Writer, client: ClientRow, opts: { expiresAt: Date | null; createdBy: string; field: string }): Promise<{ key: ApiKey; apiKey: string }> {
  if (client.revoked_at) throw hubError('CONFLICT', 'the API client is revoked: none of its keys authenticates again (register a new client)', { field: opts.field });
  if (client.expired) {
    throw hubError('CONFLICT', `the API client expired at ${client.expires_at!.toISOString()}: none of its keys authenticates (register a new client)`, { field: opts.field });
  }
  const [{ n }] = await w.query(sql`SELECT count(*)::int AS n FROM api_client_key k
    WHERE k.api_client_id = ${client.id}::uuid AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`);
  if (n >= MAX_ACTIVE_KEYS) {
    throw hubError('CONFLICT', `the API client already holds ${n} active keys (at most ${MAX_ACTIVE_KEYS}): revoke one first (revokeApiKey)`, { field: opts.field });
  }
  const apiKey = newApiKey();
  const id = newId();
  await w.query(sql`INSERT INTO api_client_key (id, api_client_id, key_hash, last_four, created_by, expires_at)
    VALUES (${id}::uuid, ${client.id}::uuid, ${hashApiKey(apiKey)}, ${lastFour(apiKey)}, ${opts.createdBy}, ${opts.expiresAt})`);
  const key = await readKey(w, id);
  await w.record({
    action: 'issueApiKey', entityType: 'ApiClient', entityId: client.id,
    before: { key: null }, after: { key: { id: key.id, last_four: key.lastFour, expires_at: key.expiresAt } },
    jurisdictionIds: [client.jurisdiction_id],
  });
  return { key, apiKey };
}

export interface KeyRow {
  id: string;
  api_client_id: string;
  revoked_at: Date | null;
  jurisdiction_id: string;
}

/** The key with its client's jurisdiction, locked until the transaction ends, or undefined. */
export async function lockKey(w: Writer, uuid: string | null): Promise<KeyRow | undefined> {
  if (!uuid) return undefined;
  return w.one(sql`SELECT k.id, k.api_client_id, k.revoked_at, a.jurisdiction_id FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id
    WHERE k.id = ${uuid}::uuid FOR UPDATE OF k`);
}

/** Revokes one key (its client's other keys keep working); audited on the client. */
export async function revokeKey(w: Writer, before: KeyRow, field = 'id'): Promise<ApiKey> {
  if (before.revoked_at) throw hubError('CONFLICT', 'the API key is already revoked', { field });
  const [{ revoked_at }] = await w.query(sql`UPDATE api_client_key SET revoked_at = now() WHERE id = ${before.id}::uuid RETURNING revoked_at`);
  const gid = encodeId('ApiKey', before.id);
  await w.record({
    action: 'revokeApiKey', entityType: 'ApiClient', entityId: before.api_client_id,
    before: { key: { id: gid, revoked_at: null } }, after: { key: { id: gid, revoked_at } }, jurisdictionIds: [before.jurisdiction_id],
  });
  return readKey(w, before.id);
}
