import pg from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../server/db/embedded';
import { projectPath } from '../server/paths';

/**
 * Where the bench's data lives, the same for `npm run bench:data` and `npm run bench`:
 * DATABASE_URL when set; else database hub_bench_<scale> on a PostgreSQL answering at
 * 127.0.0.1:5432 (created if missing); else an embedded PostgreSQL of its own in
 * .data/bench-<scale> (never the demo's .data/postgres), so nothing needs to be installed.
 */
export async function benchDatabase(scale: string, log: (m: string) => void): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const local = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 1500 });
  try {
    await local.connect();
    const name = `hub_bench_${scale}`;
    const { rows } = await local.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rows.length) await local.query(`CREATE DATABASE ${name}`);
    return { url: `postgres://postgres@127.0.0.1:5432/${name}`, stop: async () => undefined };
  } catch {
    const dataDir = projectPath('.data', `bench-${scale}`);
    log(`no DATABASE_URL and no PostgreSQL at 127.0.0.1:5432: an embedded PostgreSQL in ${dataDir}`);
    const db: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir, log });
    return { url: db.url, stop: () => db.stop() };
  } finally {
    await local.end().catch(() => undefined);
  }
}
