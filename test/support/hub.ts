import 'reflect-metadata';
import crypto from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { readAuthConfig } from '../../server/access/authenticate';
import { signToken, TokenClaims } from '../../server/access/tokens';
import { createDataSource } from '../../server/db/datasource';
import { HttpOptions, HubServer, startHttpServer } from '../../server/http/app';

/** Tests run on a fixed day, so school-year defaults and "last completed year" never drift. */
export const TEST_NOW = new Date('2026-11-23T10:00:00+08:00');

export interface GqlResult<T = any> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
  /** SQL statements the request ran (x-sql-statements). */
  statements: number;
  status: number;
  headers: Headers;
}

/** How a test calls: a token's claims, an API key, raw headers, or nobody. */
export type As = TokenClaims | { apiKey: string } | { headers: Record<string, string> } | null;

export interface Client {
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any GraphQL error. */
  data<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface TestHub extends Client {
  url: string;
  /** The database this hub serves. */
  databaseUrl: string;
  ds: DataSource;
  /** A client calling as someone else (the default caller is the national bureau). */
  as(who: As): Client;
  /** The HTTP headers that authenticate `who`. */
  headers(who: As): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** The default caller of tests that are not about access: a bureau administrator of the nation. */
export const NATIONAL_BUREAU: TokenClaims = { sub: 'test:national-bureau', role: 'BUREAU_ADMIN', jurisdiction: '000000' };

/** A fresh copy of the demo database, for tests that write. */
async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: process.env.HUB_TEST_ADMIN_URL });
  await admin.connect();
  const name = `${process.env.HUB_TEST_TEMPLATE!.replace(/_tpl$/, '')}_w${crypto.randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.HUB_TEST_TEMPLATE}`);
  await admin.end();
  const url = new URL(process.env.HUB_TEST_ADMIN_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Starts the real HTTP server on a free port against the run's demo database (shared,
 * read-only by convention), or with `writes: true` against a fresh copy of its own.
 */
export interface HubOptions {
  /** A fresh copy of the demo database of its own. */
  writes?: boolean;
  /** Another database (e.g. one a second hub already uses: replicas sharing a store). */
  databaseUrl?: string;
  /** Request limits of this server (e.g. a low rate limit), over the environment's. */
  limits?: HttpOptions['limits'];
  statementTimeoutMs?: number;
  /** Further server options (a logger to capture, readiness checks, shutdown timeout...). */
  http?: Partial<Omit<HttpOptions, 'port' | 'host' | 'auth' | 'limits'>>;
}

export async function startHub(opts: HubOptions = {}): Promise<TestHub> {
  const url = opts.databaseUrl ?? (opts.writes ? await freshDatabase() : process.env.HUB_TEST_DATABASE_URL);
  if (!url) throw new Error('HUB_TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  const ds = createDataSource(url, { poolSize: 20, statementTimeoutMs: opts.statementTimeoutMs });
  await ds.initialize();
  const server: HubServer = await startHttpServer(ds, { port: 0, host: '127.0.0.1', auth: readAuthConfig(), exposeStatementCount: true, fixedNow: TEST_NOW, ...opts.http,
    // Test files call as a few shared subjects, thousands of times: a budget of their own keeps one
    // file's spending from refusing another's. Tests of the rate limit set theirs.
    limits: { ...opts.limits, rate: { points: 1_000_000_000, ...opts.limits?.rate } } });
  const secret = readAuthConfig().hsSecret!;
  const headersFor = async (who: As): Promise<Record<string, string>> => {
    if (who === null) return {};
    if ('apiKey' in who) return { 'x-api-key': who.apiKey };
    if ('headers' in who) return who.headers;
    return { authorization: `Bearer ${await signToken(secret, who)}` };
  };
  const client = (who: As): Client => {
    const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await headersFor(who)) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GqlResult<T>;
      return { ...body, statements: Number(res.headers.get('x-sql-statements') ?? NaN), status: res.status, headers: res.headers };
    };
    return {
      gql,
      async data<T>(query: string, variables?: Record<string, unknown>) {
        const r = await gql<T>(query, variables);
        if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
        return r.data as T;
      },
    };
  };
  const national = client(NATIONAL_BUREAU);
  return {
    url: server.url,
    databaseUrl: url,
    ds,
    gql: national.gql,
    data: national.data,
    as: client,
    headers: headersFor,
    async stop() {
      await server.stop();
      await ds.destroy();
    },
  };
}
