import crypto from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_HEAP_GROWING_PERCENT } from './heap-growth';
import { projectPath } from './paths';

/**
 * Every environment variable the hub reads, in one schema (zod), checked before anything
 * starts: a wrong value stops the start with one line per problem naming the variable, before
 * PostgreSQL, migrations or a port are touched. Modules read their own variables where they
 * use them (limits, the data source, logging); this schema is what decides that a value is
 * acceptable, and what production mode requires.
 */

/** Raised for a configuration that cannot run: `problems` has one line per variable at fault. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Exit code of a start refused for its configuration (sysexits' EX_CONFIG), so supervisors do not restart in a loop. */
export const EXIT_CONFIG = 78;

const flag = (meaning: string) => z.enum(['0', '1'], { error: `must be 0 or 1 (${meaning})` }).optional();

const whole = (min: number, max: number, what = 'a whole number') =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be ${what} between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `must be ${what} between ${min} and ${max}` })
    .optional();

const postgresUrl = z
  .string()
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && (u.hostname !== '' || u.searchParams.has('host')) && u.pathname.length > 1;
      } catch {
        return false;
      }
    },
    { error: 'is not a PostgreSQL URL (postgres://user:password@host:5432/database)' },
  )
  .optional();

const httpUrl = (what: string) =>
  z
    .string()
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
        } catch {
          return false;
        }
      },
      { error: `is not an https URL (${what}; plain http only on localhost)` },
    )
    .optional();

/** 64 hex digits, or the canonical base64 of exactly 32 bytes: never text taken as bytes (a passphrase is not a key). */
const key32 = z
  .string()
  .refine(
    (v) => /^[0-9a-fA-F]{64}$/.test(v) || (/^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, 'base64').length === 32 && Buffer.from(v, 'base64').toString('base64') === v),
    { error: 'must be a 32-byte key: 64 hex digits or base64 of 32 bytes (e.g. `openssl rand -base64 32`)' },
  )
  .optional();

/** A PEM public key that the crypto module can load (a PEM header around nothing is not one). */
function loadsAsPublicKey(v: string): boolean {
  try {
    crypto.createPublicKey(v.replace(/\\n/g, '\n'));
    return true;
  } catch {
    return false;
  }
}

const text = (max = 1000) => z.string().max(max, { error: `must be at most ${max} characters` }).optional();

/** The schema: every variable, its accepted values. Defaults live in `readConfig` and the modules. */
export const ENV = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).optional(),
  DATABASE_URL: postgresUrl,
  PORT: whole(0, 65535, 'a TCP port'),
  HUB_DATA_DIR: text(),
  EMBEDDED_PG_PORT: whole(0, 65535, 'a TCP port'),
  PII_ENCRYPTION_KEY: key32,
  HUB_PII_KEY_FILE: text(),
  AUTH_JWT_SECRET: z
    .string()
    .min(32, { error: 'must be at least 32 characters (an HS256 secret; e.g. `openssl rand -base64 48`)' })
    .refine((v) => v.trim() === v && new Set(v).size >= 8, { error: 'must be a random secret: no surrounding spaces, at least 8 distinct characters (e.g. `openssl rand -base64 48`)' })
    .optional(),
  HUB_JWT_SECRET_FILE: text(),
  AUTH_JWT_PUBLIC_KEY: z
    .string()
    .refine(loadsAsPublicKey, { error: 'must be a PEM public key that loads (-----BEGIN PUBLIC KEY----- ... RSA or EC)' })
    .optional(),
  AUTH_JWKS_URL: httpUrl('the identity provider\'s JWKS'),
  AUTH_JWT_ISSUER: text(),
  AUTH_JWT_AUDIENCE: text(),
  // The workbench's sign-in with the bureau's identity provider (OpenID Connect, code + PKCE): both or neither.
  AUTH_OIDC_ISSUER: httpUrl("the identity provider's OpenID Connect issuer"),
  AUTH_OIDC_CLIENT_ID: text(200),
  AUTH_OIDC_SCOPE: z.string().max(500).refine((v) => v.split(/\s+/).includes('openid'), { error: 'must be space-separated scopes including openid (default "openid profile")' }).optional(),
  HUB_LOAD_DEMO: flag('load the demo data into an empty database'),
  HUB_DB_POOL_SIZE: whole(1, 500),
  HUB_HEAP_GROWING_PERCENT: whole(0, 1000, 'a percentage'),
  HUB_NOW: z
    .string()
    .refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)), { error: 'must be an ISO instant (e.g. 2026-11-23T10:00:00+08:00)' })
    .optional(),
  HUB_EXPOSE_STATEMENT_COUNT: flag('x-sql-statements header'),
  HUB_FEED_RETENTION_DAYS: whole(1, 36500),
  HUB_LOG_SQL: flag('log every SQL statement'),
  HUB_LOG_SQL_CHARS: whole(1, 1e9),
  HUB_QUIET: flag('no start-up chatter'),
  HUB_MAX_COST: whole(1, 1e12),
  HUB_MAX_DEPTH: whole(1, 1000),
  HUB_MAX_ALIASES: whole(0, 100000),
  HUB_MAX_DIRECTIVES: whole(0, 100000),
  HUB_MAX_TOKENS: whole(1, 10000000),
  HUB_MAX_FIELDS: whole(1, 10000000),
  HUB_RATE_LIMIT_POINTS: whole(1, 1e15),
  HUB_RATE_LIMIT_WINDOW_SECONDS: whole(1, 86400 * 366),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\/[^/]/.test(v), { error: 'is not a Redis URL (redis://host:6379 or rediss://...)' })
    .optional(),
  HUB_STATEMENT_TIMEOUT_MS: whole(0, 86400000),
  HUB_JIT: flag('compiled execution'),
  HUB_LEAN_POST: flag('POST /graphql served without Express'),
  HUB_PREFETCH: flag('join selected relations into list statements'),
  HUB_DIRECT_RESOLVERS: flag('direct resolver calls'),
  HUB_PREPARE: flag('prepared statements'),
  HUB_DB_MAX_PREPARED: whole(0, 100000),
  HUB_DB_MAX_USES: whole(1, 1e12),
  HUB_INTROSPECTION: flag('introspection'),
  HUB_PERSISTED_DOCUMENTS: text(),
  HUB_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).optional(),
  HUB_LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).optional(),
  HUB_METRICS: z.enum(['0', '1', 'on', 'off', 'true', 'false', 'yes', 'no'], { error: 'must be 1 or 0 (serve /metrics)' }).optional(),
  HUB_SHUTDOWN_TIMEOUT_MS: whole(0, 3600000),
});

export type Env = z.infer<typeof ENV>;

/** Variables of the hub's prefixes that are not settings (the test harness's). */
const NOT_SETTINGS = /^HUB_TEST_/;
/** Prefixes whose unknown names are said at start (a typo such as AUTH_JWT_ISUER would silently drop a check). */
const OURS = /^(HUB|AUTH|PII)_/;

/** What the process is: the server (`npm start`) is held to production's requirements; scripts only to valid values. */
export type Purpose = 'server' | 'script';

/** Process configuration, read once from the environment. */
export interface Config {
  production: boolean;
  /** A PostgreSQL URL; when absent an embedded PostgreSQL is started. */
  databaseUrl?: string;
  /** Where the embedded PostgreSQL keeps its data (git-ignored, kept across restarts). */
  embeddedDataDir: string;
  /** Port for the embedded PostgreSQL; 0 picks a free one. */
  embeddedPort: number;
  port: number;
  /** Adds an `x-sql-statements` response header (statement count per request); for tests and benchmarks. */
  exposeStatementCount: boolean;
  /**
   * Load the demo data when the database has never held it: by default only into the embedded
   * PostgreSQL of a newcomer's `npm start`; into a DATABASE_URL database only with
   * HUB_LOAD_DEMO=1; never in production.
   */
  loadDemo: boolean;
  /** A fixed "now" (ISO instant) for reproducible figures in tests and demos; unset: the clock. */
  fixedNow?: Date;
  /** V8's old-generation growth past what survived a full collection, in percent; 0: V8's own (server/heap-growth.ts). */
  heapGrowingPercent: number;
  /** Settings-like variables nobody reads (a typo, usually): said at start, not refused. */
  unknown: string[];
}

/**
 * The configuration, or a ConfigError listing every problem at once. In production
 * (NODE_ENV=production) the server needs its secrets given, never generated: a JWT secret or
 * public key / JWKS URL, PII_ENCRYPTION_KEY and DATABASE_URL; it never loads the demo.
 */
export function readConfig(rawEnv: NodeJS.ProcessEnv = process.env, purpose: Purpose = 'script'): Config {
  // An empty value is unset (environment files write `X=` for that).
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== '')) as NodeJS.ProcessEnv;
  const parsed = ENV.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      problems.push(`${name}: ${issue.message}${shown(name, env[name])}`);
    }
  }
  const e: Env = parsed.success ? parsed.data : ({} as Env);
  const production = env.NODE_ENV === 'production';
  if (production && purpose === 'server') {
    if (!env.AUTH_JWT_SECRET && !env.AUTH_JWT_PUBLIC_KEY && !env.AUTH_JWKS_URL) {
      problems.push('AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL: production needs one to verify tokens (no development secret is generated in production)');
    }
    if (!env.PII_ENCRYPTION_KEY) problems.push('PII_ENCRYPTION_KEY: production needs the key that encrypts staff ID numbers (no key is generated in production)');
    if (!env.DATABASE_URL) problems.push('DATABASE_URL: production needs a PostgreSQL server (the embedded one is for trying the hub out)');
    if (env.HUB_LOAD_DEMO === '1') problems.push('HUB_LOAD_DEMO: the demo is never loaded in production');
    if (env.HUB_NOW) problems.push('HUB_NOW: a fixed clock is for tests and demos, not production');
    if (env.PORT === '0') problems.push('PORT: production needs a fixed port (0 picks a random one)');
  }
  if (!env.AUTH_OIDC_ISSUER !== !env.AUTH_OIDC_CLIENT_ID) {
    problems.push('AUTH_OIDC_ISSUER and AUTH_OIDC_CLIENT_ID: set both for the workbench\'s sign-in with the identity provider, or neither');
  }
  // Scripts (migrate, api-client, ...) in production act on the production database only.
  if (production && purpose === 'script' && !env.DATABASE_URL) {
    problems.push('DATABASE_URL: in production a command needs the production database (it never falls back to the embedded one)');
  }
  if (problems.length) throw new ConfigError(problems);
  const databaseUrl = e.DATABASE_URL || undefined;
  return {
    production,
    databaseUrl,
    embeddedDataDir: path.resolve(e.HUB_DATA_DIR || projectPath('.data', 'postgres')),
    embeddedPort: e.EMBEDDED_PG_PORT ?? 0,
    port: e.PORT ?? 4000,
    exposeStatementCount: e.HUB_EXPOSE_STATEMENT_COUNT === '1',
    loadDemo: !production && (e.HUB_LOAD_DEMO === '1' || (e.HUB_LOAD_DEMO === undefined && !databaseUrl)),
    fixedNow: e.HUB_NOW ? new Date(e.HUB_NOW) : undefined,
    heapGrowingPercent: e.HUB_HEAP_GROWING_PERCENT ?? DEFAULT_HEAP_GROWING_PERCENT,
    unknown: Object.keys(env).filter((k) => OURS.test(k) && !NOT_SETTINGS.test(k) && !(k in ENV.shape)).sort(),
  };
}

/** The offending value, shown unless it is a secret (or too long to help). */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (/SECRET|KEY|PASSWORD|URL/.test(name)) return name.endsWith('URL') ? ` (got ${redactUrl(value)})` : '';
  return value.length <= 60 ? ` (got "${value}")` : '';
}

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return value.length <= 60 ? `"${value}"` : 'a value that is not a URL';
  }
}
