import 'reflect-metadata';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../server/db/bootstrap';
import { startEmbeddedPostgres } from '../../server/db/embedded';
import { loadDemo } from '../../server/demo/seed';

/**
 * One real PostgreSQL for the whole run: the server at DATABASE_URL when set, else an
 * embedded one in a temporary folder. Tests get a fresh database on it (migrated, with the
 * demo loaded), so a shared server is never touched beyond that database.
 */
export default async function globalSetup() {
  process.env.HUB_QUIET = '1';
  process.env.PII_ENCRYPTION_KEY ||= crypto.randomBytes(32).toString('base64');
  // Tests sign their own callers' tokens with this secret.
  process.env.AUTH_JWT_SECRET = crypto.randomBytes(32).toString('base64');
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = path.join(os.tmpdir(), `hub-test-pg-${process.pid}`);
    const embedded = await startEmbeddedPostgres({ dataDir, persistent: false });
    (globalThis as any).__HUB_EMBEDDED__ = embedded;
    adminUrl = embedded.url;
  }
  // The demo is loaded once into a template; tests read a copy of it, and tests that write
  // get a copy of their own (CREATE DATABASE ... TEMPLATE is a fast file copy).
  const prefix = `hub_test_${process.pid}_${Date.now()}`;
  const template = `${prefix}_tpl`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const ds = await openDatabase(databaseUrl(adminUrl, template));
  await loadDemo(ds);
  await ds.destroy();
  await admin.query(`CREATE DATABASE ${prefix}_read TEMPLATE ${template}`);
  await admin.end();
  process.env.HUB_TEST_ADMIN_URL = adminUrl;
  process.env.HUB_TEST_TEMPLATE = template;
  process.env.HUB_TEST_DATABASE_URL = databaseUrl(adminUrl, `${prefix}_read`);
  (globalThis as any).__HUB_TEST_DB__ = { adminUrl, prefix };
}

export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
