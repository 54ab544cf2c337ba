import crypto from 'node:crypto';
import Redis from 'ioredis';
import pg from 'pg';
import { RateLimiterAbstract, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { Caller } from '../access/caller';

/**
 * Per-caller budgets of cost points per window, kept where every replica sees them: the
 * `rate_limit` table (migration RateLimit1733000000000) by default, Redis when REDIS_URL is set.
 * Never process memory: a caller spreading requests over replicas would get a budget per replica.
 */
export interface RateLimitConfig {
  /** Cost points one caller may spend per window. */
  points: number;
  windowSeconds: number;
  redisUrl?: string;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface RateLimiter {
  readonly store: 'postgres' | 'redis';
  /** Resolves once the store is reachable (Redis connects asynchronously), or after `ms` regardless. */
  ready(ms?: number): Promise<void>;
  /** Spends `points` of the caller's budget. Store failures are thrown (the request answers 503). */
  consume(key: string, points: number): Promise<RateDecision>;
  close(): Promise<void>;
  /** The PostgreSQL store's own pool (for /metrics); undefined with Redis. */
  poolStats?(): { total: number; idle: number; waiting: number } | undefined;
}

/** API clients are limited per client (all their keys' callers share it); everyone else per role and subject. */
export function callerKey(caller: Caller): string {
  const id = caller.apiClientId ? `client:${caller.apiClientId}` : `${caller.role}:${caller.subject}`;
  // Hashed: subjects are free text of any length; the store's key is varchar(255).
  return crypto.createHash('sha256').update(id, 'utf8').digest('base64url');
}

export function createRateLimiter(ds: DataSource, config: RateLimitConfig): RateLimiter {
  const common = { points: config.points, duration: config.windowSeconds, keyPrefix: 'hub' };
  let limiter: RateLimiterAbstract;
  let redis: Redis | undefined;
  let pool: pg.Pool | undefined;
  if (config.redisUrl) {
    // No offline queue: while Redis is down a request fails at once instead of waiting.
    redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    redis.on('error', () => undefined); // reconnects by itself; failures surface per request
    limiter = new RateLimiterRedis({ ...common, storeClient: redis });
  } else {
    // A pool of its own: every request writes its caller's counter row, and those commits need
    // not wait for the WAL to reach disk (synchronous_commit off: a crash may forget the last
    // few points of a 60-second window, never corrupt anything). On the requests' pool, each
    // commit waited for a flush while holding the caller's row (bench/: the busiest write).
    const url = (ds.options as { url?: string }).url;
    pool = new pg.Pool({
      connectionString: url,
      max: 4,
      application_name: 'edu-group-hub rate-limit',
      options: '-c synchronous_commit=off -c statement_timeout=5000',
      connectionTimeoutMillis: 10_000,
    });
    pool.on('error', () => undefined); // an idle connection dropped; the next consume reconnects
    limiter = new RateLimiterPostgres({ ...common, storeClient: pool, storeType: 'pool', tableName: 'rate_limit', tableCreated: true });
  }
  const decision = (res: RateLimiterRes, allowed: boolean): RateDecision => ({
    allowed,
    limit: config.points,
    remaining: Math.max(res.remainingPoints, 0),
    resetSeconds: Math.max(Math.ceil(res.msBeforeNext / 1000), 0),
  });
  return {
    store: redis ? 'redis' : 'postgres',
    async ready(ms = 5000) {
      const client = redis;
      if (!client || client.status === 'ready') return;
      // Without an offline queue, requests before the first connection would fail: wait for it.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async consume(key, points) {
      try {
        return decision(await limiter.consume(key, Math.max(1, Math.ceil(points))), true);
      } catch (e) {
        if (e instanceof RateLimiterRes) return decision(e, false);
        throw e;
      }
    },
    async close() {
      if (redis) redis.disconnect();
      await pool?.end();
    },
    poolStats() {
      return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : undefined;
    },
  };
}
