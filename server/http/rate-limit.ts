import crypto from 'node:crypto';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
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
    consume: leased(config.points, {
      async take(key, points) {
        try {
          return decision(await limiter.consume(key, points), true);
        } catch (e) {
          if (e instanceof RateLimiterRes) return decision(e, false);
          throw e;
        }
      },
      async giveBack(key, points) {
        await limiter.reward(key, points);
      },
    }),
    async close() {
      if (redis) redis.disconnect();
      await pool?.end();
    },
    poolStats() {
      return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : undefined;
    },
  };
}

/** Points of a budget a replica takes from the shared store at once: at most 1/64 of it, 32 requests' worth. */
const SLICE_OF_BUDGET = 64;
const REQUESTS_PER_SLICE = 32;

interface Lease {
  /** Points taken from the store and not yet spent here. */
  points: number;
  /** When the store's window ends (the lease ends with it). */
  expiresAt: number;
  /** What the store had left after the last slice was taken. */
  storeRemaining: number;
}

/**
 * Budget leases (the way distributed rate limiters spare their store): a replica takes a
 * caller's points from the shared store a slice at a time and spends the slice itself, so the
 * store sees one write per slice instead of one per request. On a single caller's busy
 * connection that write was a row every request had to lock in turn (bench/).
 *
 * The store stays the only budget: a replica spends only points it has taken, so all replicas
 * together never exceed the limit. What a lease costs is a caller refused slightly early while
 * another replica holds unspent points (at most a slice per replica, 1/64 of the budget), and
 * those points are lost when the window ends. Budgets too small to slice (a slice would not
 * exceed the request's cost) and callers near their limit are charged exactly, per request,
 * as before; a slice the store refuses is given back and the request charged alone.
 */
function leased(
  limit: number,
  store: { take(key: string, points: number): Promise<RateDecision>; giveBack(key: string, points: number): Promise<void> },
): (key: string, points: number) => Promise<RateDecision> {
  // Bounded: a forgotten lease only means the next request of that caller takes a new slice.
  const leases = new LRUCache<string, Lease>({ max: 10_000 });
  return async (key, cost) => {
    const points = Math.max(1, Math.ceil(cost));
    const now = Date.now();
    let lease = leases.get(key);
    if (lease && lease.expiresAt <= now) {
      leases.delete(key);
      lease = undefined;
    }
    if (lease && lease.points >= points) {
      lease.points -= points;
      return { allowed: true, limit, remaining: lease.storeRemaining + lease.points, resetSeconds: Math.max(Math.ceil((lease.expiresAt - now) / 1000), 0) };
    }
    const slice = Math.min(points * REQUESTS_PER_SLICE, Math.floor(limit / SLICE_OF_BUDGET));
    const nearLimit = lease !== undefined && lease.storeRemaining < slice * 4;
    if (slice > points && !nearLimit) {
      const taken = await store.take(key, slice);
      if (taken.allowed) {
        const left = (lease?.points ?? 0) + slice - points;
        leases.set(key, { points: left, expiresAt: now + taken.resetSeconds * 1000, storeRemaining: taken.remaining });
        return { ...taken, remaining: taken.remaining + left };
      }
      // The store had less than a slice left: give it back and charge this request alone.
      await store.giveBack(key, slice);
    }
    const exact = await store.take(key, points);
    if (exact.allowed) leases.set(key, { points: lease?.points ?? 0, expiresAt: now + exact.resetSeconds * 1000, storeRemaining: exact.remaining });
    return exact;
  };
}
