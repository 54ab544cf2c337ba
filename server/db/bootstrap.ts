import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { readConfig } from '../config';
import { embeddedInitialised, embeddedPostmaster, embeddedUrl, startEmbeddedPostgres } from './embedded';
import { createDataSource } from './datasource';
import { loadReferenceData } from './reference';
import { keyUnkeyedEntries } from '../feed/audience';

/** A fixed key for the bootstrap advisory lock, so concurrent replicas migrate one at a time. */
const BOOTSTRAP_LOCK = 4_242_001;

/**
 * Connects, runs pending migrations and loads reference data, holding a session advisory
 * lock so several replicas starting together do not race each other.
 */
export async function openDatabase(url: string, opts: { poolSize?: number; log?: (m: string) => void } = {}): Promise<DataSource> {
  // Bootstrap on a connection of its own without the requests' statement timeout: waiting for
  // another replica's lock, or a migration over a large table, may rightly take longer.
  const boot = createDataSource(url, { poolSize: 2, statementTimeoutMs: 0 });
  await boot.initialize();
  try {
    const runner = boot.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
      const ran = await boot.runMigrations({ transaction: 'each' });
      if (ran.length) opts.log?.(`applied ${ran.length} migration(s): ${ran.map((m) => m.name).join(', ')}`);
      const ref = await loadReferenceData(boot);
      if (ref.changed) opts.log?.(`loaded ${ref.count} jurisdictions (reference data)`);
      await keyUnkeyedEntries(boot);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]).catch(() => undefined);
      await runner.release();
    }
  } finally {
    await boot.destroy();
  }
  const ds = createDataSource(url, opts);
  await ds.initialize();
  return ds;
}

/** Runs `fn` while holding the bootstrap lock (e.g. loading the demo exactly once). */
export async function withBootstrapLock<T>(ds: DataSource, fn: () => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    // Waiting for another replica's lock may take longer than a request's statement timeout.
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
    return await fn();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]).catch(() => undefined);
    await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
  }
}

/** A database a command works on, and what to tell its operator about it. */
export interface ConfiguredDatabase {
  url: string;
  /** host:port/database (user, never the password) and where it comes from: DATABASE_URL or the embedded PostgreSQL. */
  description: string;
  /** 'running': the embedded PostgreSQL of a running `npm start`; 'started': started for this command; null: DATABASE_URL. */
  embedded: 'running' | 'started' | null;
  /** Stops what was started for this command, nothing else. */
  release(): Promise<void>;
}

/** A PostgreSQL URL as host:port/database with its user, never a password or query parameters. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname ? `${u.hostname}:${u.port || 5432}` : `${u.searchParams.get('host') ?? 'localhost'} (socket)`;
    const user = u.username ? `${decodeURIComponent(u.username)}${u.password ? ':****' : ''}@` : '';
    return `postgres://${user}${host}${u.pathname}`;
  } catch {
    return 'a DATABASE_URL that is not a URL';
  }
}

/**
 * The database of the configuration, for command-line scripts: DATABASE_URL when set; else
 * the embedded PostgreSQL of `npm start` (HUB_DATA_DIR): when it runs, the scripts connect to
 * it (the port is read from PostgreSQL's own lock file, postmaster.pid, and the server is
 * asked for its data folder before it is used); when it does not, it is started for the
 * command (`initialise`: also created when it does not exist yet). A running one is never
 * started twice, nor its lock file touched.
 */
export async function configuredDatabase(opts: { initialise?: boolean } = {}): Promise<ConfiguredDatabase> {
  const config = readConfig();
  if (config.databaseUrl) {
    return { url: config.databaseUrl, description: `${describeDatabaseUrl(config.databaseUrl)} (DATABASE_URL)`, embedded: null, release: async () => undefined };
  }
  const dir = config.embeddedDataDir;
  if (embeddedPostmaster(dir)) {
    const { url, pid } = await attachEmbedded(dir);
    return {
      url,
      description: `${describeDatabaseUrl(url)} (embedded PostgreSQL of the running hub: pid ${pid}, data in ${dir}; no DATABASE_URL set)`,
      embedded: 'running',
      release: async () => undefined,
    };
  }
  if (!opts.initialise && !embeddedInitialised(dir)) {
    throw new Error(`no DATABASE_URL set, and no embedded PostgreSQL in ${dir} yet: start the hub once (npm start creates it), or set DATABASE_URL`);
  }
  const started = await startEmbeddedPostgres({ dataDir: dir, port: config.embeddedPort });
  return {
    url: started.url,
    description: `${describeDatabaseUrl(started.url)} (embedded PostgreSQL, data in ${dir}: it was not running, so it runs for this command only; no DATABASE_URL set)`,
    embedded: 'started',
    release: () => started.stop(),
  };
}

/**
 * The running embedded PostgreSQL of a data folder: waits while it starts, and makes sure the
 * server on the port its lock file names is the one serving that folder.
 */
async function attachEmbedded(dir: string, waitMs = 30_000): Promise<{ url: string; pid: number }> {
  const until = Date.now() + waitMs;
  for (;;) {
    const lock = embeddedPostmaster(dir);
    if (!lock) throw new Error(`the embedded PostgreSQL in ${dir} stopped while connecting: try again`);
    if (lock.status === 'stopping') throw new Error(`the embedded PostgreSQL in ${dir} (pid ${lock.pid}) is shutting down: try again once it has stopped`);
    if (lock.status === 'ready' && lock.port && lock.pid) {
      const url = embeddedUrl(lock.port, lock.host ?? undefined);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      try {
        await client.connect();
        const [{ dir: served }] = (await client.query(`SELECT current_setting('data_directory') AS dir`)).rows;
        if (realpath(served) !== realpath(dir)) {
          throw new Error(`port ${lock.port}, named by ${dir}/postmaster.pid, is served by another PostgreSQL (data in ${served}): is the hub running?`);
        }
      } catch (e) {
        if ((e as Error).message?.startsWith('port ')) throw e;
        throw new Error(`the embedded PostgreSQL in ${dir} (pid ${lock.pid}, port ${lock.port}) does not answer: ${(e as Error).message ?? e}`);
      } finally {
        await client.end().catch(() => undefined);
      }
      return { url, pid: lock.pid };
    }
    if (Date.now() > until) throw new Error(`the embedded PostgreSQL in ${dir} (pid ${lock.pid || '?'}) is not ready after ${waitMs / 1000} s (status ${lock.status ?? 'unknown'})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const realpath = (p: string) => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/**
 * For command-line scripts: the database at DATABASE_URL, else the embedded one of `npm start`
 * (the running one, or started for the duration), migrated and with reference data; closed afterwards.
 */
export async function withConfiguredDatabase<T>(fn: (ds: DataSource) => Promise<T>, log?: (m: string) => void): Promise<T> {
  const db = await configuredDatabase({ initialise: true });
  try {
    const ds = await openDatabase(db.url, { log });
    try {
      return await fn(ds);
    } finally {
      await ds.destroy();
    }
  } finally {
    await db.release();
  }
}
