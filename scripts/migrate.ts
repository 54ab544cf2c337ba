/** `npm run migrate`: applies pending migrations and reference data to DATABASE_URL (or the embedded database). */
import 'reflect-metadata';
import { readConfig } from '../server/config';
import { openDatabase } from '../server/db/bootstrap';
import { startEmbeddedPostgres } from '../server/db/embedded';

async function main() {
  const config = readConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.embeddedDataDir });
  const ds = await openDatabase(config.databaseUrl ?? embedded!.url, { log: (m) => console.log(m) });
  await ds.destroy();
  await embedded?.stop();
  console.log('database is up to date');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
