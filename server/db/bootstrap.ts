import { DataSource } from 'typeorm';
import { readConfig } from '../config';
import { startEmbeddedPostgres } from './embedded';
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

/**
 * For command-line scripts: the database at DATABASE_URL, else the embedded one of `npm start`
 * (started for the duration), migrated and with reference data; closed afterwards.
 */
export async function withConfiguredDatabase<T>(fn: (ds: DataSource) => Promise<T>, log?: (m: string) => void): Promise<T> {
  const config = readConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.embeddedDataDir });
  try {
    const ds = await openDatabase(config.databaseUrl ?? embedded!.url, { log });
    try {
      return await fn(ds);
    } finally {
      await ds.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}
