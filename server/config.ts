import path from 'node:path';
import { projectPath } from './paths';

/** Process configuration, read once from the environment. */
export interface Config {
  /** A PostgreSQL URL; when absent an embedded PostgreSQL is started. */
  databaseUrl?: string;
  /** Where the embedded PostgreSQL keeps its data (git-ignored, kept across restarts). */
  embeddedDataDir: string;
  /** Port for the embedded PostgreSQL; 0 picks a free one. */
  embeddedPort: number;
  port: number;
  /** Adds an `x-sql-statements` response header (statement count per request); for tests and benchmarks. */
  exposeStatementCount: boolean;
  /** Load the demo data when the database has never held it. */
  loadDemo: boolean;
  /** A fixed "now" (ISO instant) for reproducible figures in tests and demos; unset: the clock. */
  fixedNow?: Date;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedDataDir: path.resolve(env.HUB_DATA_DIR || projectPath('.data', 'postgres')),
    embeddedPort: Number(env.EMBEDDED_PG_PORT || 0),
    port: Number(env.PORT || 4000),
    exposeStatementCount: env.HUB_EXPOSE_STATEMENT_COUNT === '1',
    loadDemo: env.HUB_LOAD_DEMO !== '0',
    fixedNow: env.HUB_NOW ? new Date(env.HUB_NOW) : undefined,
  };
}
