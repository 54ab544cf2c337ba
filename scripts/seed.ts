/**
 * `npm run seed`: loads the demo data into the database at DATABASE_URL (or the embedded one),
 * migrating first. Does nothing when the demo is already there.
 */
import 'reflect-metadata';
import { withConfiguredDatabase } from '../server/db/bootstrap';
import { ConfigError, EXIT_CONFIG, readConfig } from '../server/config';

// The demo is synthetic data: production databases never get it (README "Deploy").
function production(): boolean {
  try {
    return readConfig().production;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(EXIT_CONFIG);
  }
}
if (production()) {
  console.error('npm run seed loads the synthetic demo data: refused with NODE_ENV=production');
  process.exit(EXIT_CONFIG);
}
import { demoLoaded, loadDemo } from '../server/demo/seed';

withConfiguredDatabase(async (ds) => {
  if (await demoLoaded(ds)) console.log('the demo data is already loaded in this database');
  else console.log(`loaded: ${await loadDemo(ds)}`);
}, console.log).catch((e) => {
  // A configuration problem is said in its own lines (config.ts), without a stack trace.
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(e instanceof ConfigError ? EXIT_CONFIG : 1);
});
