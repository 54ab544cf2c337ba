import { LRUCache } from 'lru-cache';
import crypto from 'node:crypto';
import path from 'node:path';
import { createRemoteJWKSet, importSPKI, JWTPayload, jwtVerify, KeyLike } from 'jose';
import { DataSource } from 'typeorm';
import { Role } from '../graphql/enums';
import { hubError } from '../graphql/errors';
import { encodeId, uuidOf } from '../graphql/ids';
import { configuredOrLocalSecret, LOCAL_DATA_DIR } from '../secrets';
import { Caller } from './caller';
import { RequestStats } from '../db/datasource';
import { JurisdictionDirectory } from '../jurisdictions/directory';

/**
 * Authentication: `Authorization: Bearer <JWT>` or `X-Api-Key: <key>` on every GraphQL
 * request. Anything missing, expired, malformed, wrongly signed or inconsistent answers
 * UNAUTHENTICATED (HTTP 401); nothing is read before a caller is established.
 */
export interface AuthConfig {
  /** HS256 secret: AUTH_JWT_SECRET, else the local development secret. */
  hsSecret: Buffer | null;
  /** True when hsSecret is the generated development secret (npm start prints tokens then). */
  devSecret: boolean;
  /** PEM public key for RS256/ES256 tokens (AUTH_JWT_PUBLIC_KEY). */
  publicKeyPem: string | null;
  /** JWKS URL of an identity provider (AUTH_JWKS_URL). */
  jwksUrl: string | null;
  /** Expected `iss` / `aud`, when set (AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE). */
  issuer: string | null;
  audience: string | null;
}

export function readAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const asymmetric = Boolean(env.AUTH_JWT_PUBLIC_KEY || env.AUTH_JWKS_URL);
  // The development secret is used only when nothing else is configured.
  const hs = env.AUTH_JWT_SECRET
    ? { value: Buffer.from(env.AUTH_JWT_SECRET, 'utf8'), generated: false }
    : asymmetric
      ? null
      : configuredOrLocalSecret(undefined, env.HUB_JWT_SECRET_FILE || path.join(LOCAL_DATA_DIR, 'jwt.secret'));
  return {
    hsSecret: hs?.value ?? null,
    devSecret: hs?.generated ?? false,
    publicKeyPem: env.AUTH_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n') || null,
    jwksUrl: env.AUTH_JWKS_URL || null,
    issuer: env.AUTH_JWT_ISSUER || null,
    audience: env.AUTH_JWT_AUDIENCE || null,
  };
}

export const hashApiKey = (key: string) => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

/** A new API key: 256 random bits, prefixed so leaked keys are recognisable. */
export const newApiKey = () => `hub_${crypto.randomBytes(32).toString('base64url')}`;

/** How precisely lastUsedAt is kept: it is written at most once per this interval per key. */
const LAST_USE_PRECISION_MS = 60_000;

const unauthenticated = (message: string) => hubError('UNAUTHENTICATED', message, { http: { status: 401 } });

const ROLES = new Set<string>(Object.keys(Role));

export class Authenticator {
  private readonly jwks;
  private readonly publicKeys = new Map<string, Promise<KeyLike>>();

  constructor(private readonly ds: DataSource, private readonly config: AuthConfig) {
    this.jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : null;
  }

  /** A statement of the authentication, counted towards the request. */
  private query(stats: RequestStats, text: string, params: unknown[]): Promise<any[]> {
    stats.statements++;
    return this.ds.query(text, params);
  }

  async authenticate(headers: Record<string, string | string[] | undefined>, stats = new RequestStats()): Promise<Caller> {
    const header = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const auth = header('authorization');
    const apiKey = header('x-api-key');
    if (auth && apiKey) throw unauthenticated('send either Authorization or X-Api-Key, not both');
    if (apiKey) return this.fromApiKey(apiKey, stats);
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) throw unauthenticated('Authorization must be "Bearer <token>"');
      return this.fromToken(m[1], stats);
    }
    throw unauthenticated('credentials required: Authorization: Bearer <token> or X-Api-Key: <key>');
  }

  /**
   * Tokens already verified, until they expire: a signature check is a pure function of the
   * token and the configured keys, so each process may remember its own answers.
   */
  // At most five minutes: a key withdrawn from the identity provider's JWKS stops counting soon.
  private readonly verified = new LRUCache<string, JWTPayload>({ max: 10_000, ttl: 5 * 60_000 });

  private async verify(token: string): Promise<JWTPayload> {
    const known = this.verified.get(token);
    if (known && typeof known.exp === 'number' && known.exp * 1000 > Date.now()) return known;
    const payload = await this.verifySignature(token);
    if (token.length <= 8192) this.verified.set(token, payload);
    return payload;
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const options = {
      issuer: this.config.issuer ?? undefined,
      audience: this.config.audience ?? undefined,
      requiredClaims: ['exp', 'sub'],
    };
    let alg: string;
    try {
      alg = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')).alg;
    } catch {
      throw unauthenticated('malformed token');
    }
    try {
      if (alg === 'HS256' && this.config.hsSecret) {
        return (await jwtVerify(token, this.config.hsSecret, { ...options, algorithms: ['HS256'] })).payload;
      }
      if ((alg === 'RS256' || alg === 'ES256') && this.jwks) {
        return (await jwtVerify(token, this.jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
      }
      if ((alg === 'RS256' || alg === 'ES256') && this.config.publicKeyPem) {
        let key = this.publicKeys.get(alg);
        if (!key) this.publicKeys.set(alg, (key = importSPKI(this.config.publicKeyPem, alg)));
        return (await jwtVerify(token, await key, { ...options, algorithms: [alg] })).payload;
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token');
    }
    throw unauthenticated(`tokens signed with ${alg} are not accepted here`);
  }

  private async fromToken(token: string, stats: RequestStats): Promise<Caller> {
    const claims = await this.verify(token);
    const role = String(claims.role ?? '');
    if (!ROLES.has(role)) throw unauthenticated('token has no valid role claim');
    if (role === 'VENDOR') throw unauthenticated('VENDOR callers authenticate with an API key');
    const scopes = claims.scopes ?? [];
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')) throw unauthenticated('scopes must be an array of strings');
    const caller: Caller = {
      subject: String(claims.sub),
      role: role as Role,
      jurisdictionId: null,
      jurisdictionCode: null,
      groupId: null,
      schoolId: null,
      schoolIds: [],
      cycleIds: [],
      scopes: scopes as string[],
      apiClientId: null,
    };
    // Each role needs its anchor claim, and the anchor must exist.
    if (role === 'BUREAU_ADMIN' || role === 'ANALYST') {
      const code = String(claims.jurisdiction ?? '');
      const id = code ? (await JurisdictionDirectory.of(this.ds)).idOf(code) : undefined;
      if (!id) throw unauthenticated(`${role} tokens need a jurisdiction claim naming a known division code`);
      Object.assign(caller, { jurisdictionId: id, jurisdictionCode: code });
    } else if (role === 'GROUP_ADMIN') {
      const id = uuidOf(String(claims.group ?? ''), 'EducationGroup');
      const [g] = id ? await this.query(stats, `SELECT id FROM education_group WHERE id = $1`, [id]) : [];
      if (!g) throw unauthenticated('GROUP_ADMIN tokens need a group claim naming a known group id');
      caller.groupId = g.id;
    } else if (role === 'SCHOOL_ADMIN') {
      const code = String(claims.school ?? '');
      const [s] = code ? await this.query(stats, `SELECT id FROM school WHERE code = $1`, [code]) : [];
      if (!s) throw unauthenticated('SCHOOL_ADMIN tokens need a school claim naming a known school code');
      caller.schoolId = s.id;
    } else if (role === 'EVALUATOR') {
      const cycles = Array.isArray(claims.cycles) ? claims.cycles.map((c) => uuidOf(String(c), 'EvaluationCycle')) : [];
      if (cycles.length === 0 || cycles.some((c) => !c)) throw unauthenticated('EVALUATOR tokens need a cycles claim listing cycle ids');
      const found = await this.query(stats, `SELECT id FROM evaluation_cycle WHERE id = ANY($1::uuid[])`, [cycles]);
      if (found.length !== new Set(cycles).size) throw unauthenticated('the cycles claim names an unknown cycle');
      caller.cycleIds = found.map((r: { id: string }) => r.id);
    }
    return caller;
  }

  /**
   * Keys whose last use this process recorded within the minute: an optimisation only (it
   * spares concurrent requests of one key the same UPDATE); the database's own condition
   * decides, so replicas share nothing and a restart forgets nothing that matters.
   */
  private readonly recentlyUsed = new LRUCache<string, true>({ max: 10_000, ttl: LAST_USE_PRECISION_MS });

  private async fromApiKey(key: string, stats: RequestStats): Promise<Caller> {
    // One answer for every refusal: it never tells a key that once existed from one that never did.
    if (key.length > 200) throw unauthenticated('invalid, revoked or expired API key');
    const [client] = await this.query(stats,
      `SELECT a.id, a.name, a.role, a.jurisdiction_id, j.code, a.school_ids, a.scopes, a.persisted_only, k.id AS key_id,
              k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' AS stale
       FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id JOIN jurisdiction j ON j.id = a.jurisdiction_id
       WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND a.revoked_at IS NULL
         AND (k.expires_at IS NULL OR k.expires_at > now()) AND (a.expires_at IS NULL OR a.expires_at > now())`,
      [hashApiKey(key)],
    );
    if (!client) throw unauthenticated('invalid, revoked or expired API key');
    if (client.stale) this.recordUse(client.key_id, stats);
    return {
      // Names need not be unique: the id makes the audit trail's actor unambiguous.
      subject: `api-client:${client.name} (${encodeId('ApiClient', client.id)})`,
      role: client.role,
      jurisdictionId: client.jurisdiction_id,
      jurisdictionCode: client.code,
      groupId: null,
      schoolId: null,
      schoolIds: client.school_ids,
      cycleIds: [],
      scopes: client.scopes,
      apiClientId: client.id,
      persistedOnly: client.persisted_only,
    };
  }

  /**
   * lastUsedAt of the key (and of its client) to the minute: at most one write a minute per key,
   * decided by the database (the condition holds for one writer only, even across replicas).
   * Not awaited: the request never waits for it, and a failure is logged, never thrown.
   */
  private recordUse(keyId: string, stats: RequestStats): void {
    if (this.recentlyUsed.has(keyId)) return;
    this.recentlyUsed.set(keyId, true);
    stats.statements++;
    this.ds
      .query(
        `WITH k AS (
           UPDATE api_client_key SET last_used_at = now()
           WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
           RETURNING api_client_id)
         UPDATE api_client a SET last_used_at = now() FROM k
         WHERE a.id = k.api_client_id AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval '1 minute')`,
        [keyId],
      )
      .catch((e: unknown) => {
        this.recentlyUsed.delete(keyId);
        console.error(`[auth] could not record the last use of API key ${encodeId('ApiKey', keyId)}: ${(e as Error)?.message ?? e}`);
      });
  }
}
