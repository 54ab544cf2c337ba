/** `npm run migrate`: applies pending migrations and reference data to DATABASE_URL (or the embedded database). */
import 'reflect-metadata';
import { withConfiguredDatabase } from '../server/db/bootstrap';

withConfiguredDatabase(async () => console.log('database is up to date'), console.log).catch((e) => {
  console.error(e);
  process.exit(1);
});
