import express from 'express';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { classifyDbError, RETRY_AFTER_SECONDS } from '../db/failures';
import { migrations as codeMigrations } from '../db/migrations';
import type { Logger } from './logging';
import { withTimeout } from './metrics';

/**
 * GET /ready (README "Operations: logs, metrics, readiness"): whether this replica should be
 * sent traffic. 200 `{ status: 'ready', checks }` when the database answers, every migration
 * of the code is applied and every extra check passes; else 503 with Retry-After and each
 * failing check named with its reason. From the moment stop() begins: 503 "shutting down".
 * /health stays the cheap liveness answer.
 */

/** An extra readiness check (HttpOptions.readiness): null when ready, else why not (shown to the prober). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<string | null>;
}

export interface ReadinessOptions {
  ds: DataSource;
  checks?: ReadinessCheck[];
  /** True once the server is shutting down. */
  stopping(): boolean;
  /** Ceiling of each check, the database's included (ms). */
  timeoutMs?: number;
  logger?: Logger;
}

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, string>;
}

const BUILT_IN = new Set(['database', 'migrations', 'shutdown']);
export const DEFAULT_READINESS_TIMEOUT_MS = 2000;

export function validateChecks(checks: ReadinessCheck[]): void {
  const seen = new Set<string>();
  for (const c of checks) {
    if (!c.name || typeof c.check !== 'function') throw new Error('readiness: a check needs a name and a check() function');
    if (BUILT_IN.has(c.name) || seen.has(c.name)) throw new Error(`readiness: duplicate or reserved check name "${c.name}"`);
    seen.add(c.name);
  }
}

export function readiness(opts: ReadinessOptions): { evaluate(): Promise<ReadinessResult>; handler(): express.RequestHandler } {
  const checks = opts.checks ?? [];
  validateChecks(checks);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  const pool = (opts.ds.driver as unknown as { master: pg.Pool }).master;
  const table = (opts.ds.options as { migrationsTableName?: string }).migrationsTableName ?? 'migrations';
  const expected = codeMigrations.map((m) => (new m() as { name?: string }).name ?? m.name);
  // Migrations are never undone: once all were found applied, the database answering is enough.
  let migrated = false;

  const describeDbFailure = (e: unknown): string => {
    if ((e as { code?: string })?.code === 'HUB_TIMEOUT') return `the database did not answer within ${timeoutMs} ms`;
    if (classifyDbError(e) === 'unavailable') return 'the database cannot be reached';
    const state = (e as { code?: unknown })?.code;
    return `the database answered with an error${typeof state === 'string' ? ` (SQLSTATE ${state})` : ''}`;
  };

  /** database and migrations: one statement (SELECT 1 once migrations are known to be applied). */
  const databaseChecks = async (): Promise<{ database: string | null; migrations: string | null }> => {
    try {
      if (migrated) {
        await withTimeout(timeoutMs, pool.query('SELECT 1'));
        return { database: null, migrations: null };
      }
      const { rows } = await withTimeout(timeoutMs, pool.query(`SELECT name FROM "${table.replace(/"/g, '""')}"`));
      const applied = new Set(rows.map((r: { name: string }) => r.name));
      const pending = expected.filter((n) => !applied.has(n));
      if (pending.length === 0) migrated = true;
      return {
        database: null,
        migrations: pending.length ? `${pending.length} migration${pending.length === 1 ? '' : 's'} not applied: ${pending.join(', ')}` : null,
      };
    } catch (e) {
      // 42P01: no migrations table at all, so none is applied.
      if ((e as { code?: string })?.code === '42P01') return { database: null, migrations: `no migration applied (${expected.length} expected)` };
      opts.logger?.debug({ err: (e as Error)?.message }, 'readiness: database check failed');
      return { database: describeDbFailure(e), migrations: 'not checked: the database did not answer' };
    }
  };

  const extra = async (c: ReadinessCheck): Promise<string | null> => {
    try {
      const why = await withTimeout(timeoutMs, Promise.resolve().then(() => c.check()));
      return why === null || why === undefined ? null : String(why) || 'not ready';
    } catch (e) {
      if ((e as { code?: string })?.code === 'HUB_TIMEOUT') return `did not answer within ${timeoutMs} ms`;
      return `check failed: ${(e as Error)?.message ?? String(e)}`;
    }
  };

  let running: Promise<ReadinessResult> | undefined;
  let lastReady: boolean | undefined;
  const evaluate = (): Promise<ReadinessResult> => {
    if (opts.stopping()) return Promise.resolve({ ready: false, checks: { shutdown: 'the server is shutting down' } });
    // Concurrent probes share one evaluation: /ready needs no credentials and must stay cheap.
    running ??= (async () => {
      try {
        const [db, ...results] = await Promise.all([databaseChecks(), ...checks.map(extra)]);
        const outcome: Record<string, string | null> = { database: db.database, migrations: db.migrations };
        checks.forEach((c, i) => (outcome[c.name] = results[i]));
        if (opts.stopping()) outcome.shutdown = 'the server is shutting down';
        const ready = Object.values(outcome).every((v) => v === null);
        const shown = Object.fromEntries(Object.entries(outcome).map(([k, v]) => [k, v ?? 'ok']));
        if (lastReady !== ready) {
          if (ready) opts.logger?.info({ checks: shown }, 'ready');
          else opts.logger?.warn({ checks: shown }, 'not ready');
          lastReady = ready;
        }
        return { ready, checks: shown };
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  return {
    evaluate,
    handler() {
      return async (_req, res) => {
        const { ready, checks: shown } = await evaluate();
        res.set('cache-control', 'no-store');
        if (ready) return void res.json({ status: 'ready', checks: shown });
        res.set('retry-after', String(RETRY_AFTER_SECONDS));
        res.status(503).json({ status: shown.shutdown ? 'shutting down' : 'not ready', checks: shown });
      };
    },
  };
}
