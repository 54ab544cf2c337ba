/**
 * `npm run seed`: loads the demo data into the database at DATABASE_URL (or the embedded one),
 * migrating first. Refuses when the demo is already there.
 */
import 'reflect-metadata';
import { readConfig } from '../server/config';
import { openDatabase } from '../server/db/bootstrap';
import { startEmbeddedPostgres } from '../server/db/embedded';
import { demoLoaded, loadDemo } from '../server/demo/seed';

async function main() {
  const config = readConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.embeddedDataDir });
  const ds = await openDatabase(config.databaseUrl ?? embedded!.url, { log: (m) => console.log(m) });
  try {
    if (await demoLoaded(ds)) {
      console.log('the demo data is already loaded in this database');
    } else {
      console.log(`loaded: ${await loadDemo(ds)}`);
    }
  } finally {
    await ds.destroy();
    await embedded?.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
