import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../server/db/datasource';
import { HubServer, startHttpServer } from '../../server/http/app';

/** Tests run on a fixed day, so school-year defaults and "last completed year" never drift. */
export const TEST_NOW = new Date('2026-11-23T10:00:00+08:00');

export interface GqlResult<T = any> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  /** SQL statements the request ran (x-sql-statements). */
  statements: number;
  status: number;
}

export interface TestHub {
  url: string;
  ds: DataSource;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any GraphQL error. */
  data<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the real HTTP server on a free port against the run's test database. */
export async function startHub(): Promise<TestHub> {
  const url = process.env.HUB_TEST_DATABASE_URL;
  if (!url) throw new Error('HUB_TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  const ds = createDataSource(url, { poolSize: 20 });
  await ds.initialize();
  const server: HubServer = await startHttpServer(ds, { port: 0, host: '127.0.0.1', exposeStatementCount: true, fixedNow: TEST_NOW });
  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResult<T>;
    return { ...body, statements: Number(res.headers.get('x-sql-statements') ?? NaN), status: res.status };
  };
  return {
    url: server.url,
    ds,
    gql,
    async data<T>(query: string, variables?: Record<string, unknown>) {
      const r = await gql<T>(query, variables);
      if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data as T;
    },
    async stop() {
      await server.stop();
      await ds.destroy();
    },
  };
}
