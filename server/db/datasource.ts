import 'reflect-metadata';
import crypto from 'node:crypto';
import pg from 'pg';
import { DataSource, Logger } from 'typeorm';
import { ErrorLog, markLogged, processLogger } from '../http/logging';
import { entities } from './entities';
import { classifyDbError } from './failures';
import { migrations } from './migrations';
import { Sql } from './sql';
import { parseTimestamptz } from './timestamps';

// DATE stays a 'YYYY-MM-DD' string (no time-zone shifts); NUMERIC and COUNT(*) become numbers.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => (v === null ? null : Number(v)));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => (v === null ? null : Number(v)));
const defaultTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (v: string) => Date;
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => parseTimestamptz(v, defaultTimestamptz));

/**
 * What one request cost the database (statements run). Carried explicitly: by the request's
 * Db for reads, and by its write transaction (`transaction`) for writes. An
 * AsyncLocalStorage did this before and cost every promise of every request a hook.
 */
export class RequestStats {
  statements = 0;
  /** The HTTP request's id (X-Request-Id), for the server's logs. */
  requestId?: string;
  /** Where the request's statement errors are logged (its request id bound); else the process's logger. */
  log?: ErrorLog;
}

/**
 * Integrity violations (23xxx) become CONFLICT / POLICY_VIOLATION answers and serialization
 * failures (40xxx) are retried (writes/transaction.ts): expected, not logged. Anything else
 * is logged here once, under the request's id when the statement ran for a request (`stats`),
 * server-side only: SQL text never reaches a client (graphql/errors.ts). Never the statement's
 * parameters (personal data). Statement timeouts and input PostgreSQL refuses are the client's
 * (warn); the rest is error, and not logged again as an internal error on its way out.
 */
function logStatementError(error: unknown, query: string, stats?: RequestStats): void {
  const code = String((error as { code?: string })?.code ?? '');
  if (code.startsWith('23') || code.startsWith('40')) return;
  const log: ErrorLog = stats?.log ?? processLogger();
  const kind = classifyDbError(error);
  const fields = {
    ...(stats?.requestId && !stats.log ? { requestId: stats.requestId } : {}),
    ...(code ? { sqlState: code } : {}),
    err: (error as Error)?.message ?? String(error),
    sql: query.replace(/\s+/g, ' ').trim().slice(0, 2000),
  };
  if (kind === 'timeout' || kind === 'bad-input') log.warn(fields, 'sql error');
  else log.error(fields, 'sql error');
  markLogged(error);
}

class StatementCountingLogger implements Logger {
  logQuery(_query: string) {
    if (process.env.HUB_LOG_SQL === '1') console.log('[sql]', _query.replace(/\s+/g, ' ').slice(0, 160));
  }
  logQueryError(error: string | Error, query: string) {
    logStatementError(error, query);
  }
  logQuerySlow() {}
  logSchemaBuild() {}
  logMigration(message: string) {
    if (process.env.HUB_QUIET !== '1') console.log(`[migration] ${message}`);
  }
  log() {}
}

/** Default ceiling of one SQL statement (HUB_STATEMENT_TIMEOUT_MS): an abandoned or runaway query stops there. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

export function createDataSource(url: string, opts: { poolSize?: number; statementTimeoutMs?: number } = {}): DataSource {
  const timeout = opts.statementTimeoutMs ?? Number(process.env.HUB_STATEMENT_TIMEOUT_MS || DEFAULT_STATEMENT_TIMEOUT_MS);
  if (!Number.isInteger(timeout) || timeout < 0) throw new Error(`HUB_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds, got ${timeout}`);
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    logging: ['query', 'error', 'migration'],
    logger: new StatementCountingLogger(),
    extra: {
      max: opts.poolSize ?? Number(process.env.HUB_DB_POOL_SIZE || 10),
      application_name: 'edu-group-hub',
      // Every statement of every request runs under the timeout (57014 answers QUERY_TOO_COMPLEX,
      // graphql/errors.ts); JIT compiled the scope subplans on each run (STACK-NOTES): off.
      // random_page_cost 1.1 (SSD, hot data in cache): at 4 the planner read a whole table
      // rather than 500 index lookups for a county's page (bench/). Transactions are READ
      // COMMITTED by this setting, whatever the server's default: a write then begins with
      // one statement, not START TRANSACTION and SET TRANSACTION (writes/transaction.ts).
      // Memoize off: in front of a page's campus and school lookups it built a hash table sized
      // for every campus on each execution, 2.5 of a 3.4 ms statement while its rows took 0.8
      // (EXPLAIN ANALYZE); off, page (a) served 23 % more requests, (c) 7 %, (b) and (d) the same
      // (interleaved A/B, bench/).
      options: `-c statement_timeout=${timeout} -c jit=off -c random_page_cost=1.1 -c default_transaction_isolation=read\\ committed -c enable_memoize=off`,
      // While the database is unreachable a request fails fast (503) instead of queueing forever.
      connectionTimeoutMillis: 10_000,
      // A connection is renewed after this many statements (its prepared statements go with it, see pooled).
      maxUses: Number(process.env.HUB_DB_MAX_USES || 20_000),
    },
  });
}

/**
 * Statements a connection keeps prepared at most. Reads are prepared by name (a hash of their
 * text): PostgreSQL then parses and plans each shape once per connection instead of on every
 * request, which cost more than running them (bench/: 1.2 ms to plan a 0.1 ms lookup). A
 * client's query shapes are few, but a caller could send many; past this many a connection
 * runs new shapes unprepared (HUB_DB_MAX_PREPARED), and connections are renewed after
 * HUB_DB_MAX_USES statements, so prepared statements never pile up on the server.
 */
const DEFAULT_MAX_PREPARED = 300;
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `hub_${crypto.createHash('sha1').update(text).digest('base64url')}`;
    // A bounded memo of names: shapes beyond it are hashed again, never kept.
    if (statementNames.size < 5000) statementNames.set(text, name);
  }
  return name;
}
/** What a connection holds prepared, and the generation of plans it was first used in (Statements.generation). */
const preparedOn = new WeakMap<pg.PoolClient, { names: Set<string>; generation: number }>();

/**
 * A prepared statement whose result columns changed under it: a migration added a column to a
 * table a statement reads with `*` or `RETURNING *` (a rolling upgrade), and PostgreSQL refuses
 * that statement (0A000) on every connection that prepared it, for as long as the connection
 * lives. Once seen, the pool's connections used before are renewed (Statements.connect), and a
 * write is retried (writes/transaction.ts).
 */
export function isStalePlan(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return code === '26000' || (code === '0A000' && /cached plan must not change result type/.test(String(message)));
}

/**
 * Statement failures after which a connection (its transaction rolled back) is as good as
 * before: the statement's data (22), a rule of the schema (23), a serialization failure or a
 * deadlock (40), a raised exception (P0), a lock not available (55P03), the statement timeout
 * (57014). After any other (a stale prepared statement, a protocol or server fault) the
 * connection is not reused: what failed could fail again on it.
 */
function leavesConnectionSound(e: unknown): boolean {
  if (!(e instanceof pg.DatabaseError)) return false;
  const code = e.code ?? '';
  return ['22', '23', '40', 'P0'].includes(code.slice(0, 2)) || code === '55P03' || code === '57014';
}
const STALE_CONNECTION = new Error('prepared statements of an earlier generation (isStalePlan)');

/** How a data source's statements run: its pg pool, and one statement on one of its connections. */
interface Statements {
  pool: pg.Pool;
  /** Raised when a stale plan is seen: connections first used before are renewed at their next checkout. */
  generation: number;
  /** A connection of the pool, never one first used before the current generation. */
  connect(): Promise<pg.PoolClient>;
  /**
   * One statement on `client` (a stale plan raises the generation), prepared by name:
   * 'bounded' while the connection has room for another; 'always' past that bound too (a
   * write's statements: shapes written in the code, few, and planned generically, so unprepared
   * they would be planned again on every run without even the values to plan with); 'never':
   * sent in the simple protocol (text without values, several statements in one message).
   */
  on(client: pg.PoolClient, text: string, values: unknown[], how?: Prepare): Promise<any[]>;
  logSql: boolean;
  logSqlChars: number;
}
const statementsOf = new WeakMap<DataSource, Statements>();

/**
 * Statements straight on the data source's pg pool: TypeORM's `ds.query` made and released a
 * query runner for every statement, and its transactions did as much again per write (bench/).
 */
function statements(ds: DataSource): Statements {
  let st = statementsOf.get(ds);
  if (st) return st;
  const prepare = process.env.HUB_PREPARE !== '0';
  const maxPrepared = Number(process.env.HUB_DB_MAX_PREPARED || DEFAULT_MAX_PREPARED);
  const pool = (ds.driver as unknown as { master: pg.Pool }).master;
  const self: Statements = {
    pool,
    generation: 0,
    async connect() {
      for (;;) {
        const client = await pool.connect();
        const held = preparedOn.get(client);
        if (!held) preparedOn.set(client, { names: new Set(), generation: self.generation });
        else if (held.generation < self.generation) {
          // It may hold the stale statement: replaced (the loop ends: new connections are of this generation).
          client.release(STALE_CONNECTION);
          continue;
        }
        return client;
      }
    },
    async on(client, text, values, how = 'bounded') {
      // Every client comes through connect(), which made its entry.
      const names = preparedOn.get(client)!.names;
      const name = prepare && how !== 'never' ? statementName(text) : undefined;
      try {
        if (name && (how === 'always' || names.has(name) || names.size < maxPrepared)) {
          names.add(name);
          return (await client.query({ name, text, values })).rows;
        }
        return (await client.query(text, values)).rows;
      } catch (e) {
        if (isStalePlan(e)) self.generation++;
        throw e;
      }
    },
    // Read once: process.env is a lookup into the environment on every access, and this runs per statement.
    logSql: process.env.HUB_LOG_SQL === '1',
    logSqlChars: Number(process.env.HUB_LOG_SQL_CHARS || 160),
  };
  statementsOf.set(ds, self);
  return self;
}

/** Reads: each statement on a connection of the pool, for that statement only. Errors are logged as the logger below does. */
function pooled(ds: DataSource): Run {
  const st = statements(ds);
  return async (text, values, stats) => {
    if (st.logSql) console.log('[sql]', text.replace(/\s+/g, ' ').slice(0, st.logSqlChars));
    const client = await st.connect();
    let failed: Error | undefined;
    try {
      return await st.on(client, text, values);
    } catch (e) {
      logStatementError(e, text, stats);
      // As pg's pool.query does: a connection that failed a statement is not reused.
      failed = e as Error;
      throw e;
    } finally {
      client.release(failed);
    }
  };
}

/**
 * One transaction on one pooled connection: BEGIN (with generic plans, `BEGIN_WRITE`), `fn`'s
 * statements (prepared, so PostgreSQL plans each once per connection, not on every write),
 * COMMIT; on any error ROLLBACK, and the error goes on. The BEGIN message and COMMIT count as
 * the request's statements (round trips). READ COMMITTED is every hub connection's default
 * (createDataSource), so no SET TRANSACTION.
 */
export async function transaction<T>(ds: DataSource, stats: RequestStats, fn: (db: Db) => Promise<T>): Promise<T> {
  const st = statements(ds);
  const client = await st.connect();
  let ended = false;
  let statementFailure: unknown;
  const send = async (text: string, values: unknown[], how: Prepare) => {
    // Past its end the connection is back in the pool (perhaps in another request's transaction):
    // a statement sent then (a branch still running after its sibling failed) must not run there.
    if (ended) throw new Error('a statement sent after its transaction ended');
    if (st.logSql) console.log('[sql]', text.replace(/\s+/g, ' ').slice(0, st.logSqlChars));
    stats.statements++;
    try {
      return await st.on(client, text, values, how);
    } catch (e) {
      statementFailure = e;
      logStatementError(e, text, stats);
      throw e;
    }
  };
  const run: Run = (text, values) => send(text, values, 'always');
  let broken: Error | undefined;
  // Out of the pool, a connection that dies between two statements (the server went away while
  // the write ran its own code) emits 'error' with no statement to fail: without this listener
  // that would end the process. The next statement then fails (unavailable, db/failures.ts).
  const died = (e: Error) => (broken = e);
  client.on('error', died);
  try {
    await send(BEGIN_WRITE, [], 'never');
    const result = await fn(new Db(ds, run, undefined, stats));
    await run('COMMIT', []);
    return result;
  } catch (e) {
    // A connection that cannot roll back (it died, or the server went away) is not reused;
    // nor one whose statement failed other than by its own data or rules (leavesConnectionSound).
    await client.query('ROLLBACK').catch((r: Error) => (broken = r));
    if (!broken && statementFailure !== undefined && !leavesConnectionSound(statementFailure)) broken = statementFailure as Error;
    throw e;
  } finally {
    ended = true;
    client.removeListener('error', died);
    client.release(broken);
  }
}

/**
 * How a write's transaction begins: with its statements planned once per connection. A prepared
 * statement is re-planned on every execution while PostgreSQL judges its custom plans cheaper
 * than the generic one, and for a write's statements it always did (the feed entry's audience
 * keys: 1-6 ms of planning for 0.3 ms of work, every write). The reads a write makes in its
 * transaction (its checks, a cycle's results, the rows a membership change re-announces) ran as
 * fast or faster with generic plans (bench/results/2026-12-03-ab/). Reads outside writes keep
 * the default: their scope arrays and cursors need the values' plans (forced generic, the feed
 * page ran 8x slower). Interleaved A/B (bench/ab.ts): the write mix served 1.39x the requests
 * per second at 0.69x the CPU per write. One message in the simple protocol: one round trip, as
 * BEGIN alone.
 */
const BEGIN_WRITE = 'BEGIN; SET LOCAL plan_cache_mode = force_generic_plan';

/** How `Statements.on` sends a statement. */
type Prepare = 'bounded' | 'always' | 'never';

/** Runs one statement; `stats` (the request's) names the request in the log should it fail. */
type Run = (text: string, values: unknown[], stats?: RequestStats) => Promise<any[]>;

export class Db {
  constructor(
    readonly ds: DataSource,
    private readonly run: Run = pooled(ds),
    private readonly wrap: <T>(run: () => Promise<T>) => Promise<T> = (run) => run(),
    private readonly stats?: RequestStats,
  ) {}

  /** The same database, each statement run through `wrap` (a request's bookkeeping), errors logged under `stats`' request. */
  tracked(wrap: <T>(run: () => Promise<T>) => Promise<T>, stats?: RequestStats): Db {
    return new Db(this.ds, this.run, wrap, stats ?? this.stats);
  }

  async query<T = any>(q: Sql): Promise<T[]> {
    const { text, values } = q.render();
    return this.wrap(() => this.run(text, values, this.stats));
  }

  async one<T = any>(q: Sql): Promise<T | undefined> {
    return (await this.query<T>(q))[0];
  }
}
