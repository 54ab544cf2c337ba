import { Client } from 'pg';

/** Drops the run's databases (on a shared server) and stops the embedded PostgreSQL, whatever happened. */
export default async function globalTeardown() {
  const db = (globalThis as any).__HUB_TEST_DB__ as { adminUrl: string; prefix: string } | undefined;
  const embedded = (globalThis as any).__HUB_EMBEDDED__ as { stop(): Promise<void> } | undefined;
  try {
    if (db && !embedded && process.env.HUB_KEEP_TEST_DB !== '1') {
      const admin = new Client({ connectionString: db.adminUrl });
      await admin.connect();
      try {
        const names = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${db.prefix}%`]);
        for (const { datname } of names.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
  } finally {
    // persistent: false, so stopping also removes its data folder.
    if (embedded) await embedded.stop();
  }
}
