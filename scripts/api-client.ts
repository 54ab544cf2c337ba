/**
 * API clients and their keys from the command line, for operators with database access:
 *   npm run api-client -- create --name "某MIS厂商" --jurisdiction 640502 --scopes campus:read,staff:read [--schools 2164050201,...] [--role VENDOR|ANALYST] [--expires 2027-08-31] [--persisted-only]
 *   npm run api-client -- list [--json]
 *   npm run api-client -- issue-key --client <ApiClient id> [--expires 2027-08-31]
 *   npm run api-client -- revoke-key --id <ApiKey id>
 *   npm run api-client -- revoke --id <ApiClient id>
 * It works on the configured database while the hub runs: DATABASE_URL, else the embedded
 * PostgreSQL of `npm start` (the running one; started for the command when it is not running).
 * The first line of output names that database. A key is printed once; only its SHA-256 is
 * stored. Every write is one transaction, audited (actor cli:<user>@<host>) like the
 * mutations. Exit codes: 0 done, 1 refused or failed, 2 wrong usage, 78 invalid configuration.
 */
import 'reflect-metadata';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import type { Caller } from '../server/access/caller';
import { Scope } from '../server/access/scope';
import { ApiKey, apiKeyOf } from '../server/clients/entity';
import { insertClient, issueKey, KEY_COLUMNS, KEY_ROLES, lockClient, lockKey, revokeClient, revokeKey } from '../server/clients/keys';
import { KNOWN_SCOPES } from '../server/clients/mutations';
import { ConfigError, EXIT_CONFIG } from '../server/config';
import { configuredDatabase, ConfiguredDatabase } from '../server/db/bootstrap';
import { createDataSource, Db } from '../server/db/datasource';
import { sql } from '../server/db/sql';
import { Context } from '../server/graphql/context';
import { Role } from '../server/graphql/enums';
import { decodeId, encodeId, uuidOf } from '../server/graphql/ids';
import { JurisdictionDirectory } from '../server/jurisdictions/directory';
import { write } from '../server/writes/transaction';

const USAGE = `usage:
  npm run api-client -- create --name <name> --jurisdiction <division code> --scopes <s1,s2> [--schools <codes>] [--role ${KEY_ROLES.join('|')}] [--expires <date>] [--persisted-only]
  npm run api-client -- list [--json]
  npm run api-client -- issue-key --client <ApiClient id> [--expires <date>]
  npm run api-client -- revoke-key --id <ApiKey id>
  npm run api-client -- revoke --id <ApiClient id>
(<date>: 2027-08-31 or an ISO instant such as 2027-08-31T23:59:59+08:00)`;

/** Wrong usage: said with the usage, exit 2, before any database is touched. */
class UsageError extends Error {}

const OPTIONS = {
  name: { type: 'string' },
  role: { type: 'string', default: 'VENDOR' },
  jurisdiction: { type: 'string' },
  schools: { type: 'string' },
  scopes: { type: 'string' },
  id: { type: 'string' },
  client: { type: 'string' },
  expires: { type: 'string' },
  json: { type: 'boolean', default: false },
  // Only the hub's persisted documents (the SDK's operations, by hash) may run with the key.
  'persisted-only': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const COMMANDS = ['create', 'list', 'issue-key', 'revoke-key', 'revoke'] as const;
type Command = (typeof COMMANDS)[number];

/** An expiry given on the command line: a future date or instant within the years the API accepts. */
function expiry(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const at = /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1900 || at.getUTCFullYear() > 2100) {
    throw new UsageError(`--expires must be a date (2027-08-31) or an ISO instant (2027-08-31T23:59:59+08:00), got "${value}"`);
  }
  if (at.getTime() <= Date.now()) throw new UsageError(`--expires must lie in the future, got ${at.toISOString()}`);
  return at;
}

/** An id of the expected type, else a usage error that says what was given instead. */
function idOf(value: string | undefined, type: 'ApiClient' | 'ApiKey', flag: string): string {
  if (!value) throw new UsageError(`${flag} <${type} id> is required (\`list\` shows the ids)`);
  const uuid = uuidOf(value, type);
  if (uuid) return uuid;
  const other = decodeId(value)?.type;
  const hint = other === 'ApiKey' ? ': that is the id of a key (revoke-key --id)' : other === 'ApiClient' ? ': that is the id of a client (issue-key --client, revoke --id)' : '';
  throw new UsageError(`${flag} must be an ${type} id as \`list\` shows it, got "${value}"${hint}`);
}

function checkUsage(command: string | undefined, v: Values): asserts command is Command {
  if (!command || !(COMMANDS as readonly string[]).includes(command)) throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
  if (command === 'create') {
    if (!v.name?.trim() || !v.jurisdiction || !v.scopes) throw new UsageError('create needs --name, --jurisdiction and --scopes');
    if (!KEY_ROLES.includes(v.role as Role)) throw new UsageError(`--role must be one of ${KEY_ROLES.join(', ')}`);
    const unknown = v.scopes.split(',').map((s) => s.trim()).filter((s) => s && !KNOWN_SCOPES.includes(s));
    if (unknown.length) throw new UsageError(`unknown scope(s) ${unknown.join(', ')}; known: ${KNOWN_SCOPES.join(', ')}`);
    expiry(v.expires);
  } else if (command === 'issue-key') {
    idOf(v.client, 'ApiClient', '--client');
    expiry(v.expires);
  } else if (command === 'revoke-key') {
    idOf(v.id, 'ApiKey', '--id');
  } else if (command === 'revoke') {
    idOf(v.id, 'ApiClient', '--id');
  }
}

/** The operator as the audit trail names it. */
function operator(): string {
  let user = process.env.USER || process.env.USERNAME || 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment's name stands.
  }
  return `cli:${user}@${os.hostname()}`;
}

/**
 * The command acts as an operator with database access: writes go through the same steps,
 * transaction and audit as the mutations (clients/keys.ts), under a caller for the audit trail.
 */
async function operatorContext(ds: DataSource): Promise<Context> {
  const tree = await JurisdictionDirectory.of(ds);
  const caller: Caller = {
    subject: operator(), role: 'BUREAU_ADMIN', jurisdictionId: tree.idOf('000000') ?? null, jurisdictionCode: '000000',
    groupId: null, schoolId: null, schoolIds: [], cycleIds: [], scopes: [], apiClientId: null,
  };
  return new Context(new Db(ds), Scope.forCaller(caller, tree));
}

/** Refuses a database lacking migrations of this code: a key command never changes the schema. */
async function assertMigrated(ds: DataSource, db: ConfiguredDatabase) {
  let applied: Set<string>;
  try {
    applied = new Set((await ds.query(`SELECT name FROM migrations`)).map((r: { name: string }) => r.name));
  } catch {
    applied = new Set();
  }
  const pending = ds.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !applied.has(n));
  if (pending.length) {
    const how = db.embedded ? 'start the hub (npm start migrates) or run `npm run migrate`' : 'run `npm run migrate` with this DATABASE_URL (or start the hub, which migrates)';
    throw new Error(`the database lacks ${pending.length} migration(s) of this version (${pending.join(', ')}): ${how}, then try again`);
  }
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function clientState(c: { revoked_at: Date | null; expires_at: Date | null; expired: boolean }): string {
  if (c.revoked_at) return `revoked ${iso(c.revoked_at)}`;
  if (c.expired) return `expired ${iso(c.expires_at)}`;
  return c.expires_at ? `active until ${iso(c.expires_at)}` : 'active';
}

function keyState(k: ApiKey, expired: boolean): string {
  if (k.revokedAt) return `revoked ${iso(k.revokedAt)}`;
  if (expired) return `expired ${iso(k.expiresAt)}`;
  if (!k.active) return 'inactive (its client is revoked or expired)';
  return k.expiresAt ? `active until ${iso(k.expiresAt)}` : 'active';
}

const shownKey = (k: ApiKey) => (k.lastFour ? `…${k.lastFour}` : '(registered by hash)');
const lastUse = (d: Date | null) => (d ? `last used ${iso(d)}` : 'never used');

async function list(ds: DataSource, db: ConfiguredDatabase, json: boolean) {
  const clients = await ds.query(`SELECT a.id, a.name, a.role, j.code, a.scopes, a.revoked_at, a.expires_at, coalesce(a.expires_at <= now(), false) AS expired,
      a.last_used_at, a.persisted_only, a.created_at FROM api_client a JOIN jurisdiction j ON j.id = a.jurisdiction_id ORDER BY a.created_at, a.id`);
  const { text, values } = sql`SELECT ${KEY_COLUMNS}, coalesce(k.expires_at <= now(), false) AS expired
    FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id ORDER BY k.created_at, k.id`.render();
  const keys = new Map<string, Array<{ key: ApiKey; expired: boolean }>>();
  for (const r of await ds.query(text, values)) {
    if (!keys.has(r.api_client_id)) keys.set(r.api_client_id, []);
    keys.get(r.api_client_id)!.push({ key: apiKeyOf(r), expired: r.expired });
  }
  if (json) {
    console.log(JSON.stringify({
      database: db.description,
      clients: clients.map((c: any) => ({
        id: encodeId('ApiClient', c.id), name: c.name, role: c.role, jurisdiction: c.code, scopes: c.scopes, persistedOnly: c.persisted_only,
        state: clientState(c), createdAt: iso(c.created_at), expiresAt: iso(c.expires_at), revokedAt: iso(c.revoked_at), lastUsedAt: iso(c.last_used_at),
        keys: (keys.get(c.id) ?? []).map(({ key: k, expired }) => ({
          id: k.id, lastFour: k.lastFour, state: keyState(k, expired), active: k.active, createdAt: iso(k.createdAt), createdBy: k.createdBy,
          expiresAt: iso(k.expiresAt), revokedAt: iso(k.revokedAt), lastUsedAt: iso(k.lastUsedAt),
        })),
      })),
    }));
    return;
  }
  if (!clients.length) console.log('no API clients');
  for (const c of clients) {
    console.log([encodeId('ApiClient', c.id), c.name, c.role, c.code, c.scopes.join(','), clientState(c), lastUse(c.last_used_at), ...(c.persisted_only ? ['persisted-only'] : [])].join('\t'));
    for (const { key: k, expired } of keys.get(c.id) ?? []) {
      console.log(['  key', k.id, shownKey(k), keyState(k, expired), `created ${iso(k.createdAt)}${k.createdBy ? ` by ${k.createdBy}` : ''}`, lastUse(k.lastUsedAt)].join('\t'));
    }
  }
}

async function run(command: Command, v: Values, ds: DataSource, db: ConfiguredDatabase) {
  if (command === 'list') return list(ds, db, v.json!);
  const ctx = await operatorContext(ds);
  const by = ctx.scope.caller.subject;
  if (command === 'create') {
    const scopes = [...new Set(v.scopes!.split(',').map((s) => s.trim()).filter(Boolean))];
    const codes = [...new Set(v.schools ? v.schools.split(',').map((s) => s.trim()).filter(Boolean) : [])];
    const made = await write(ctx, async (w) => {
      const j = await w.one(sql`SELECT id, code, name FROM jurisdiction WHERE code = ${v.jurisdiction!}`);
      if (!j) throw new Error(`unknown jurisdiction ${v.jurisdiction}`);
      // Listed schools must lie within the key's jurisdiction: a list narrows, it never widens.
      const schools = await w.query(sql`SELECT s.id, s.code FROM school s JOIN jurisdiction_ancestor x ON x.jurisdiction_id = s.jurisdiction_id
        WHERE x.ancestor_id = ${j.id}::uuid AND s.code = ANY(${codes}::text[])`);
      const missing = codes.filter((c) => !schools.some((s) => s.code === c));
      if (missing.length) throw new Error(`--schools: no school ${missing.join(', ')} registered within ${j.name} (${j.code})`);
      return insertClient(w, {
        name: v.name!.trim(), role: v.role as Role, jurisdictionId: j.id, schoolIds: schools.map((s) => s.id), scopes,
        expiresAt: expiry(v.expires), persistedOnly: v['persisted-only']!, createdBy: by,
      });
    });
    const only = v['persisted-only'] ? '\n(persisted documents only: the SDK\'s operations, by hash)' : '';
    const until = made.row.expires_at ? `, until ${iso(made.row.expires_at)}` : '';
    console.log(`created ${encodeId('ApiClient', made.row.id)} (${made.row.name}, ${made.row.role}, ${v.jurisdiction}, ${made.row.scopes.join(',')}${until})`);
    console.log(`key ${made.key.id} (${shownKey(made.key)})\nX-Api-Key: ${made.apiKey}\n(shown once: only its hash is stored)${only}`);
  } else if (command === 'issue-key') {
    const clientId = idOf(v.client, 'ApiClient', '--client');
    const issued = await write(ctx, async (w) => {
      const client = await lockClient(w, clientId);
      if (!client) throw new Error(`no API client ${v.client} in this database (\`list\` shows the ids)`);
      return { client, ...(await issueKey(w, client, { expiresAt: expiry(v.expires), createdBy: by, field: '--client' })) };
    });
    const until = issued.key.expiresAt ? `, until ${iso(issued.key.expiresAt)}` : '';
    console.log(`issued key ${issued.key.id} (${shownKey(issued.key)}${until}) to ${encodeId('ApiClient', issued.client.id)} (${issued.client.name})`);
    console.log(`X-Api-Key: ${issued.apiKey}\n(shown once: only its hash is stored; revoke the old key with revoke-key once the integration uses this one)`);
  } else if (command === 'revoke-key') {
    const keyId = idOf(v.id, 'ApiKey', '--id');
    const { key, others } = await write(ctx, async (w) => {
      const before = await lockKey(w, keyId);
      if (!before) throw new Error(`no API key ${v.id} in this database (\`list\` shows the ids)`);
      const key = await revokeKey(w, before, '--id');
      const [{ n }] = await w.query(sql`SELECT count(*)::int AS n FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id
        WHERE k.api_client_id = ${before.api_client_id}::uuid AND k.revoked_at IS NULL AND a.revoked_at IS NULL
          AND (k.expires_at IS NULL OR k.expires_at > now()) AND (a.expires_at IS NULL OR a.expires_at > now())`);
      return { key, others: n as number, client: before.api_client_id };
    });
    console.log(`revoked key ${key.id} (${shownKey(key)}) at ${iso(key.revokedAt)}; its client has ${others} active key(s) left`);
  } else if (command === 'revoke') {
    const clientId = idOf(v.id, 'ApiClient', '--id');
    const after = await write(ctx, async (w) => {
      const before = await lockClient(w, clientId);
      if (!before) throw new Error(`no API client ${v.id} in this database (\`list\` shows the ids)`);
      return revokeClient(w, before, '--id');
    });
    console.log(`revoked ${encodeId('ApiClient', after.id)} (${after.name}) at ${iso(after.revoked_at)}: none of its keys authenticates any more`);
  }
}

async function main(): Promise<number> {
  let positionals: string[];
  let values: Values;
  try {
    ({ positionals, values } = parseArgs({ allowPositionals: true, options: OPTIONS }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    checkUsage(positionals[0], values);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const command = positionals[0] as Command;
  const db = await configuredDatabase();
  // The first line says which database this is (with --json, stdout is the JSON alone, which names it too).
  if (values.json) console.error(`database: ${db.description}`);
  else console.log(`database: ${db.description}`);
  try {
    const ds = createDataSource(db.url, { poolSize: 2 });
    try {
      await ds.initialize();
    } catch (e) {
      throw new Error(`cannot connect to ${db.description}: ${(e as Error).message || (e as { code?: string }).code || e}`);
    }
    try {
      await assertMigrated(ds, db);
      await run(command, values, ds, db);
    } finally {
      await ds.destroy();
    }
  } finally {
    await db.release();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // One line, no stack trace: what went wrong and, where it can be said, what to do.
    const message = e instanceof Error ? e.message : String(e ?? 'unknown error');
    console.error(`error: ${message}`);
    process.exit(e instanceof ConfigError ? EXIT_CONFIG : 1);
  },
);
