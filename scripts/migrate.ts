/** `npm run migrate`: applies pending migrations and reference data to DATABASE_URL (or the embedded database). */
import 'reflect-metadata';
import { withConfiguredDatabase } from '../server/db/bootstrap';
import { ConfigError, EXIT_CONFIG } from '../server/config';

withConfiguredDatabase(async () => console.log('database is up to date'), console.log).catch((e) => {
  // A configuration problem is said in its own lines (config.ts), without a stack trace.
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(e instanceof ConfigError ? EXIT_CONFIG : 1);
});
