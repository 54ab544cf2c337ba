import express from 'express';
import { Kind, parse } from 'graphql';
import pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { FinishedRequest, Logger, logLinesDropped } from './logging';
import type { PersistedDocuments } from './persisted-documents';
import type { RateLimiter } from './rate-limit';

/**
 * GET /metrics in Prometheus' text format (README "Operations: logs, metrics, readiness").
 * Each server instance has a registry of its own (tests start many in one process); process
 * metrics (CPU, memory, event loop, GC) are the process's, collected once per process.
 *
 * Labels are bounded: an operation label is a persisted document's operation name (the SDK's
 * operations); any other named operation is "adhoc", one without a name "anonymous", and a
 * request refused before its operation was known "other". Error codes are bounded likewise.
 * The version metric of the default set is left out: /metrics needs no credentials.
 */
const MAX_CODES = 50;

/** HUB_METRICS: on unless 0/off/false/no. */
export function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.HUB_METRICS?.trim().toLowerCase();
  return !(v === '0' || v === 'off' || v === 'false' || v === 'no');
}

let processRegistry: Registry | undefined;
/** CPU, memory, handles, event-loop lag, GC: one set per process however many servers run in it. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    processRegistry.removeSingleMetric('nodejs_version_info');
  }
  return processRegistry;
}

/** The operation names of the persisted documents: labels known before any request. */
function persistedOperationNames(persisted: PersistedDocuments | undefined): Set<string> {
  const names = new Set<string>();
  for (const text of persisted?.byHash.values() ?? []) {
    try {
      for (const def of parse(text).definitions) if (def.kind === Kind.OPERATION_DEFINITION && def.name) names.add(def.name.value);
    } catch {
      // The manifest was checked at load; a document that does not parse names nothing.
    }
  }
  return names;
}

/** The promise, or a rejection after `ms` (waiting for a pool connection is not bounded by statement_timeout). */
export function withTimeout<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'HUB_TIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface HubMetrics {
  readonly registry: Registry;
  /** Records a finished request (only /graphql requests count as GraphQL requests). */
  observe(done: FinishedRequest): void;
  /** GET /metrics. */
  handler(): express.RequestHandler;
}

export interface MetricsOptions {
  ds: DataSource;
  limiter?: RateLimiter;
  persisted?: PersistedDocuments;
  logger?: Logger;
  /** Ceiling of the change-feed statement run on each scrape (ms). */
  feedStatementTimeoutMs?: number;
}

export function createMetrics(opts: MetricsOptions): HubMetrics {
  const registry = new Registry();
  const known = persistedOperationNames(opts.persisted);
  const codeLabels = new Set<string>();

  const operationLabel = (done: FinishedRequest): string => {
    const { operation, operationType } = done.record;
    if (!operationType) return 'other'; // refused before the operation was known (401, 400 precheck, bad body)
    if (!operation) return 'anonymous';
    // Only the hub's own documents name a series: any caller can send endless names, and the
    // first ones seen would otherwise take every slot for the life of the process.
    if (known.has(operation)) return operation;
    return 'adhoc';
  };
  const codeLabel = (code: string): string => {
    if (codeLabels.has(code)) return code;
    if (codeLabels.size < MAX_CODES && /^[A-Z][A-Z0-9_]{0,39}$/.test(code)) {
      codeLabels.add(code);
      return code;
    }
    return 'OTHER';
  };

  const requests = new Counter({
    name: 'hub_graphql_requests_total',
    help: 'GraphQL HTTP requests (/graphql), by operation name and HTTP status',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'hub_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL HTTP request, by operation name and HTTP status',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'hub_errors_total',
    help: 'Responses carrying an error of this extensions.code (counted once per response and code)',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'hub_rate_limit_refusals_total',
    help: 'Requests refused because the caller had spent its rate-limit budget (HTTP 429)',
    registers: [registry],
  });

  new Counter({
    name: 'hub_log_lines_dropped_total',
    help: 'Log lines dropped because standard output did not keep up (its reader stopped reading)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(logLinesDropped());
    },
  });

  const requestsPool = (opts.ds.driver as unknown as { master?: pg.Pool }).master;
  new Gauge({
    name: 'hub_db_pool_connections',
    help: 'Database pool connections: total open, idle, and clients waiting for one (pool: requests, rate-limit)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      const set = (pool: string, s: { total: number; idle: number; waiting: number } | undefined) => {
        if (!s) return;
        this.set({ pool, state: 'total' }, s.total);
        this.set({ pool, state: 'idle' }, s.idle);
        this.set({ pool, state: 'waiting' }, s.waiting);
      };
      if (requestsPool) set('requests', { total: requestsPool.totalCount, idle: requestsPool.idleCount, waiting: requestsPool.waitingCount });
      set('rate-limit', opts.limiter?.poolStats?.());
    },
  });

  // Both feed gauges come from one statement per scrape: statistics for the size (pg_class.reltuples,
  // kept by VACUUM/ANALYZE, or the live-row count of pg_stat_user_tables, whichever is larger;
  // never count(*) over the feed), the newest entry's age through change_event_at_idx.
  const feedTimeout = Math.max(1, Math.floor(opts.feedStatementTimeoutMs ?? 2000));
  let sample: { at: number; result: Promise<{ entries: number; lagSeconds: number } | undefined> } | undefined;
  const feedSample = () => {
    if (sample && Date.now() - sample.at < 1000) return sample.result;
    const result = (async () => {
      if (!requestsPool) return undefined;
      try {
        const results = (await withTimeout(feedTimeout + 1000, requestsPool.query(
          `SET LOCAL statement_timeout = ${feedTimeout};
           SELECT (SELECT GREATEST(c.reltuples, COALESCE(s.n_live_tup, 0), 0) FROM pg_class c
                     LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'change_event'::regclass)::float8 AS entries,
                  COALESCE(EXTRACT(EPOCH FROM now() - (SELECT max(at) FROM change_event)), 0)::float8 AS lag`,
        ))) as unknown as pg.QueryResult[];
        const row = results[results.length - 1].rows[0];
        return { entries: Number(row.entries), lagSeconds: Math.max(0, Number(row.lag)) };
      } catch (e) {
        opts.logger?.warn({ err: (e as Error)?.message }, 'metrics: the change feed could not be measured');
        return undefined;
      }
    })();
    sample = { at: Date.now(), result };
    return result;
  };
  new Gauge({
    name: 'hub_change_feed_entries',
    help: 'Entries in the change feed (planner statistics estimate, not an exact count)',
    registers: [registry],
    async collect() {
      const s = await feedSample();
      this.set(s ? s.entries : NaN);
    },
  });
  new Gauge({
    name: 'hub_change_feed_lag_seconds',
    help: 'Seconds since the newest change-feed entry was written (0 while the feed is empty)',
    registers: [registry],
    async collect() {
      const s = await feedSample();
      this.set(s ? s.lagSeconds : NaN);
    },
  });

  return {
    registry,
    observe(done) {
      for (const code of done.record.codes ?? []) errors.inc({ code: codeLabel(code) });
      if (done.path !== '/graphql' && done.path !== '/graphql/') return;
      const labels = { operation: operationLabel(done), status: String(done.status) };
      requests.inc(labels);
      duration.observe(labels, done.ms / 1000);
      if (done.status === 429 || done.record.codes?.includes('RATE_LIMITED')) rateLimited.inc();
    },
    handler() {
      return async (_req, res) => {
        const text = (await Promise.all([processMetrics().metrics(), registry.metrics()])).join('\n');
        res.set('content-type', registry.contentType).set('cache-control', 'no-store').send(text);
      };
    },
  };
}
