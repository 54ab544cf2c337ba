import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import { IDLE_GRACE_MS } from '../server/http/drain';
import { StoppablePostgres, stoppablePostgres, until } from './support/stoppable-postgres';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { migrations } from '../server/db/migrations';
import { readLimits } from '../server/http/limits';
import { createLogger } from '../server/http/logging';
import { NATIONAL_BUREAU, startHub, TestHub } from './support/hub';

/**
 * "Run it in production": one log line per request under a request id, internal errors logged
 * once with their SQL (never in the answer), /metrics, /ready with extra checks, and a
 * graceful stop that answers every request it received.
 */

/** A logger writing JSON lines into an array (the server's logs, as a test sees them). */
function captureLogs() {
  const lines: Array<Record<string, any>> = [];
  const logger = createLogger({
    level: 'info',
    format: 'json',
    destination: { write: (s: string) => void s.split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l))) },
  });
  return { lines, logger };
}

async function eventually<T>(what: string, probe: () => T | undefined, ms = 2000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
}

/** The value of one sample of a Prometheus text exposition (0 when the series does not exist yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}
const hasSeries = (text: string, name: string) => text.split('\n').some((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('logs, metrics and readiness', () => {
  let hub: TestHub;
  let origin: string;
  const logs = captureLogs();
  let piiKeyProblem: string | null = null;
  const requestLines = (id: string) => logs.lines.filter((l) => l.requestId === id && l.msg === 'request');
  const requestLine = (id: string) => eventually(`the log line of ${id}`, () => (requestLines(id).length ? requestLines(id) : undefined)).then((ls) => {
    expect(ls).toHaveLength(1);
    return ls[0];
  });

  beforeAll(async () => {
    hub = await startHub({
      writes: true,
      http: {
        logger: logs.logger,
        metrics: true,
        readiness: [{ name: 'piiKey', check: async () => piiKeyProblem }],
      },
    });
    origin = new URL(hub.url).origin;
  });
  afterAll(() => hub?.stop());

  describe('one line per request', () => {
    test('a query: the request id given is echoed and logged with caller, operation, cost, status and statements', async () => {
      const id = 'obs-test_1.query:a';
      const r = await post(hub.url, { query: 'query ObsGroups { groups(first: 3) { totalCount edges { node { name } } } }' }, { ...(await hub.headers(NATIONAL_BUREAU)), 'x-request-id': id });
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      expect(r.headers.get('x-request-id')).toBe(id);
      const line = await requestLine(id);
      expect(line).toMatchObject({
        level: 'info',
        method: 'POST',
        path: '/graphql',
        status: 200,
        caller: { role: NATIONAL_BUREAU.role, subject: NATIONAL_BUREAU.sub, apiClientId: null },
        operation: 'ObsGroups',
        operationType: 'query',
        cost: r.body.extensions.cost,
        statements: Number(r.headers.get('x-sql-statements')),
      });
      expect(line.errors).toBeUndefined();
      expect(line.ms).toBeGreaterThanOrEqual(0);
      expect(typeof r.body.extensions.cost).toBe('number');
      // Nothing of the caller's credentials in the log.
      expect(JSON.stringify(logs.lines)).not.toContain((await hub.headers(NATIONAL_BUREAU)).authorization.slice(7, 40));
    });

    test('without X-Request-Id, or with one that is not a sane token, a fresh id is generated, echoed and logged', async () => {
      const headers = await hub.headers(NATIONAL_BUREAU);
      const query = { query: '{ viewer { role } }' };
      const none = await post(hub.url, query, headers);
      expect(none.headers.get('x-request-id')).toMatch(UUID);
      await requestLine(none.headers.get('x-request-id')!);
      for (const bad of ['has spaces in it', 'x'.repeat(129), '<script>', 'a\u00e9b', '-leading-dash']) {
        const r = await post(hub.url, query, { ...headers, 'x-request-id': bad });
        const id = r.headers.get('x-request-id')!;
        expect(id).toMatch(UUID);
        expect(id).not.toBe(bad);
        expect((await requestLine(id)).status).toBe(200);
        expect(JSON.stringify(logs.lines)).not.toContain(bad.slice(0, 20));
      }
      // The longest accepted: 128 characters of the token alphabet.
      const longest = `a${'b'.repeat(127)}`;
      expect((await post(hub.url, query, { ...headers, 'x-request-id': longest })).headers.get('x-request-id')).toBe(longest);
    });

    test('a 401: status and code logged, no caller', async () => {
      const r = await post(hub.url, { query: 'query ObsNobody { viewer { role } }' }, { 'x-request-id': 'obs-401' });
      expect(r.status).toBe(401);
      const line = await requestLine('obs-401');
      expect(line).toMatchObject({ status: 401, errors: r.body.errors.map((e: any) => e.extensions.code), statements: 0 });
      expect(line.errors).toEqual(['UNAUTHENTICATED']);
      expect(line.caller).toBeUndefined();
    });

    test('a 400 refused before Apollo (precheck): status and the rule\'s code logged', async () => {
      const aliases = readLimits().maxAliases + 1;
      const query = `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
      const r = await post(hub.url, { query }, { ...(await hub.headers(NATIONAL_BUREAU)), 'x-request-id': 'obs-precheck' });
      expect(r.status).toBe(400);
      expect(r.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', rule: 'aliases' });
      const line = await requestLine('obs-precheck');
      expect(line).toMatchObject({ status: 400, errors: ['QUERY_TOO_COMPLEX'] });
      // Refused before authentication: no caller, no statement.
      expect(line.caller).toBeUndefined();
      expect(line.statements).toBeUndefined();
    });

    test('a mutation: operation type, cost and statements logged', async () => {
      const who = { sub: 'test:obs-writer', role: 'BUREAU_ADMIN' as const, jurisdiction: '640502' };
      const r = await post(
        hub.url,
        {
          query: 'mutation ObsUpsert($input: UpsertSchoolInput!) { upsertSchool(input: $input) { code } }',
          variables: { input: { code: '2164059901', name: '观测测试学校', jurisdictionCode: '640502', type: 'PRIMARY' } },
        },
        { ...(await hub.headers(who)), 'x-request-id': 'obs-mutation' },
      );
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.upsertSchool.code).toBe('2164059901');
      const line = await requestLine('obs-mutation');
      expect(line).toMatchObject({
        status: 200,
        operation: 'ObsUpsert',
        operationType: 'mutation',
        caller: { role: 'BUREAU_ADMIN', subject: who.sub },
        cost: r.body.extensions.cost,
        statements: Number(r.headers.get('x-sql-statements')),
      });
      expect(line.statements).toBeGreaterThan(0);
    });

    test('a field error: its code is logged with the 200', async () => {
      // API clients are for bureau admins only: FORBIDDEN, answered with HTTP 200 as a field error.
      const analyst = { sub: 'test:obs-analyst', role: 'ANALYST' as const, jurisdiction: '640502' };
      const r = await post(hub.url, { query: 'query ObsForbidden { apiClients { name } }' }, { ...(await hub.headers(analyst)), 'x-request-id': 'obs-field-error' });
      const codes = [...new Set((r.body.errors ?? []).map((e: any) => e.extensions.code))];
      expect(r.status).toBe(200);
      expect(codes).toEqual(['FORBIDDEN']);
      expect((await requestLine('obs-field-error')).errors).toEqual(codes);
    });

    test('a 429: the refusal is logged with its cost, and counted', async () => {
      const before = await (await fetch(`${origin}/metrics`)).text();
      const limited = await startHub({ databaseUrl: hub.databaseUrl, limits: { rate: { points: 5 } }, http: { logger: logs.logger } });
      try {
        const who = { sub: 'test:obs-spender', role: 'BUREAU_ADMIN' as const, jurisdiction: '000000' };
        const r = await post(limited.url, { query: 'query ObsSpend { groups(first: 10) { edges { node { name } } } }' }, { ...(await limited.headers(who)), 'x-request-id': 'obs-429' });
        expect(r.status).toBe(429);
        const refusal = r.body.errors[0].extensions;
        expect(refusal.code).toBe('RATE_LIMITED');
        const line = await requestLine('obs-429');
        expect(line).toMatchObject({ status: 429, errors: ['RATE_LIMITED'], cost: refusal.cost, operation: 'ObsSpend', caller: { subject: who.sub } });
        const metrics = await (await fetch(`${new URL(limited.url).origin}/metrics`)).text();
        expect(sample(metrics, 'hub_rate_limit_refusals_total')).toBe(1);
        expect(sample(metrics, 'hub_errors_total', { code: 'RATE_LIMITED' })).toBe(1);
        // An ad-hoc operation's series is "adhoc" (only the hub's persisted documents name one).
        expect(sample(metrics, 'hub_graphql_requests_total', { operation: 'ObsSpend', status: '429' })).toBe(0);
        expect(sample(metrics, 'hub_graphql_requests_total', { operation: 'adhoc', status: '429' })).toBe(1);
      } finally {
        await limited.stop();
      }
      // A registry per server: the other hub counted nothing of it.
      const after = await (await fetch(`${origin}/metrics`)).text();
      expect(sample(after, 'hub_rate_limit_refusals_total')).toBe(sample(before, 'hub_rate_limit_refusals_total'));
    });

    test('probes, scrapes and static files write no line; other paths do', async () => {
      const count = () => logs.lines.filter((l) => l.msg === 'request').length;
      const n = count();
      for (const p of ['/health', '/ready', '/metrics', '/graphiql/assets/graphiql.css']) {
        const r = await fetch(`${origin}${p}`);
        await r.text();
        expect(r.headers.get('x-request-id')).toMatch(UUID);
      }
      await sleep(50);
      expect(count()).toBe(n);
      const r = await fetch(`${origin}/nowhere`, { headers: { 'x-request-id': 'obs-404' } });
      expect(r.status).toBe(404);
      expect(await requestLine('obs-404')).toMatchObject({ method: 'GET', path: '/nowhere', status: 404, errors: ['NOT_FOUND'] });
    });
  });

  describe('internal errors: logged once under the request id with their SQL, never in the answer', () => {
    const errorLines = (id: string) => logs.lines.filter((l) => l.requestId === id && l.level === 'error');

    test('a read whose statement fails', async () => {
      const admin = new Client({ connectionString: hub.databaseUrl });
      await admin.connect();
      await admin.query('ALTER TABLE evaluation_cycle RENAME COLUMN name TO name_obs_gone');
      try {
        const r = await post(hub.url, { query: 'query ObsCycles { evaluationCycles { edges { node { name } } } }' }, { ...(await hub.headers(NATIONAL_BUREAU)), 'x-request-id': 'obs-sql-read' });
        expect(r.body.errors.map((e: any) => e.extensions.code)).toEqual(['INTERNAL_SERVER_ERROR']);
        expect(r.body.errors[0].message).toBe('Internal server error');
        for (const leak of ['evaluation_cycle', 'SELECT', 'name_obs_gone', 'does not exist', '42703']) expect(r.text).not.toContain(leak);
        const line = await requestLine('obs-sql-read');
        expect(line).toMatchObject({ status: 200, errors: ['INTERNAL_SERVER_ERROR'], operation: 'ObsCycles' });
        const errors = errorLines('obs-sql-read');
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ msg: 'sql error', sqlState: '42703' });
        expect(errors[0].sql).toContain('evaluation_cycle');
        expect(errors[0].err).toContain('name');
      } finally {
        await admin.query('ALTER TABLE evaluation_cycle RENAME COLUMN name_obs_gone TO name');
        await admin.end();
      }
    });

    test('a write whose statement fails (a transaction\'s connection)', async () => {
      const admin = new Client({ connectionString: hub.databaseUrl });
      await admin.connect();
      await admin.query(`CREATE FUNCTION obs_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'obs boom'; END $$`);
      await admin.query(`CREATE TRIGGER obs_boom BEFORE INSERT ON school FOR EACH ROW WHEN (NEW.name LIKE '观测爆%') EXECUTE FUNCTION obs_boom()`);
      try {
        const who = { sub: 'test:obs-writer', role: 'BUREAU_ADMIN' as const, jurisdiction: '640502' };
        const r = await post(
          hub.url,
          {
            query: 'mutation ObsBoom($input: UpsertSchoolInput!) { upsertSchool(input: $input) { code } }',
            variables: { input: { code: '2164059902', name: '观测爆学校', jurisdictionCode: '640502', type: 'PRIMARY' } },
          },
          { ...(await hub.headers(who)), 'x-request-id': 'obs-sql-write' },
        );
        expect(r.body.errors.map((e: any) => e.extensions.code)).toEqual(['INTERNAL_SERVER_ERROR']);
        for (const leak of ['obs boom', 'INSERT', 'school', 'P0001']) expect(r.text).not.toContain(leak);
        const errors = errorLines('obs-sql-write');
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ msg: 'sql error', sqlState: 'P0001', err: 'obs boom' });
        expect(errors[0].sql).toMatch(/INSERT INTO "?school"?/i);
        // The statement's parameters (personal data in general) are not logged.
        expect(JSON.stringify(errors[0])).not.toContain('2164059902');
      } finally {
        await admin.query('DROP TRIGGER obs_boom ON school');
        await admin.query('DROP FUNCTION obs_boom()');
        await admin.end();
      }
    });
  });

  describe('/metrics', () => {
    const scrape = async () => {
      const r = await fetch(`${origin}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      return r.text();
    };

    test('counts a request by operation and status, and its duration', async () => {
      // A persisted document (the SDK's Viewer) names its series; an ad-hoc name counts as "adhoc".
      const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'sdk', 'persisted-documents.json'), 'utf8')) as Record<string, string>;
      const viewer = Object.values(manifest).find((d) => /^query Viewer\b/.test(d))!;
      const labels = { operation: 'Viewer', status: '200' };
      const adhoc = { operation: 'adhoc', status: '200' };
      const before = await scrape();
      await post(hub.url, { query: viewer, operationName: 'Viewer' }, await hub.headers(NATIONAL_BUREAU));
      await post(hub.url, { query: 'query ObsCounted { viewer { role } }' }, await hub.headers(NATIONAL_BUREAU));
      await sleep(20);
      const after = await scrape();
      expect(sample(after, 'hub_graphql_requests_total', { operation: 'ObsCounted', status: '200' })).toBe(0);
      expect(sample(after, 'hub_graphql_requests_total', adhoc)).toBe(sample(before, 'hub_graphql_requests_total', adhoc) + 1);
      expect(sample(after, 'hub_graphql_requests_total', labels)).toBe(sample(before, 'hub_graphql_requests_total', labels) + 1);
      expect(sample(after, 'hub_graphql_request_duration_seconds_count', labels)).toBe(sample(before, 'hub_graphql_request_duration_seconds_count', labels) + 1);
    });

    test('errors by code: each response with an error of a code counts once', async () => {
      const before = await scrape();
      for (let i = 0; i < 3; i++) await post(hub.url, { query: '{ viewer { role } }' });
      await sleep(20);
      const after = await scrape();
      expect(sample(after, 'hub_errors_total', { code: 'UNAUTHENTICATED' })).toBe(sample(before, 'hub_errors_total', { code: 'UNAUTHENTICATED' }) + 3);
      // Refused before the operation was known: "other", never the name the client sent.
      expect(sample(after, 'hub_graphql_requests_total', { operation: 'other', status: '401' })).toBe(sample(before, 'hub_graphql_requests_total', { operation: 'other', status: '401' }) + 3);
    });

    test('operation labels are bounded: unnamed operations are "anonymous"', async () => {
      const before = await scrape();
      await post(hub.url, { query: '{ viewer { role } }' }, await hub.headers(NATIONAL_BUREAU));
      await sleep(20);
      const after = await scrape();
      const labels = { operation: 'anonymous', status: '200' };
      expect(sample(after, 'hub_graphql_requests_total', labels)).toBe(sample(before, 'hub_graphql_requests_total', labels) + 1);
    });

    test('database pools, the change feed and the process', async () => {
      const text = await scrape();
      const pool = (hub.ds.driver as any).master;
      const total = sample(text, 'hub_db_pool_connections', { pool: 'requests', state: 'total' });
      expect(total).toBeGreaterThan(0);
      expect(total).toBeLessThanOrEqual(pool.options.max);
      expect(sample(text, 'hub_db_pool_connections', { pool: 'requests', state: 'idle' })).toBeLessThanOrEqual(total);
      expect(text).toMatch(/hub_db_pool_connections\{pool="requests",state="waiting"\} \d+/);
      expect(text).toMatch(/hub_db_pool_connections\{pool="rate-limit",state="total"\} \d+/);
      // The mutation above wrote a feed entry a moment ago.
      expect(sample(text, 'hub_change_feed_entries')).toBeGreaterThanOrEqual(0);
      const admin = new Client({ connectionString: hub.databaseUrl });
      await admin.connect();
      const { rows } = await admin.query('SELECT EXTRACT(EPOCH FROM now() - max(at))::float8 AS lag FROM change_event');
      await admin.end();
      expect(Math.abs(sample(text, 'hub_change_feed_lag_seconds') - rows[0].lag)).toBeLessThan(5);
      for (const name of ['process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes']) expect(hasSeries(text, name)).toBe(true);
    });

    test('HUB_METRICS off: no /metrics', async () => {
      const off = await startHub({ databaseUrl: hub.databaseUrl, http: { metrics: false } });
      try {
        expect((await fetch(`${new URL(off.url).origin}/metrics`)).status).toBe(404);
      } finally {
        await off.stop();
      }
    });
  });

  describe('/ready', () => {
    test('pending migrations: 503 naming them; 200 once applied', async () => {
      // A fresh hub: /ready remembers that migrations were all applied once it has seen it.
      const fresh = await startHub({ writes: true });
      const url = `${new URL(fresh.url).origin}/ready`;
      const last = migrations[migrations.length - 1].name;
      const admin = new Client({ connectionString: fresh.databaseUrl });
      await admin.connect();
      try {
        await admin.query('DELETE FROM migrations WHERE name = $1', [last]);
        const r = await fetch(url);
        expect(r.status).toBe(503);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
        const body = await r.json();
        expect(body).toEqual({ status: 'not ready', checks: { database: 'ok', migrations: `1 migration not applied: ${last}` } });
        await admin.query('INSERT INTO migrations (timestamp, name) VALUES ($1, $2)', [Number(last.slice(-13)), last]);
        const ok = await fetch(url);
        expect(ok.status).toBe(200);
        expect(await ok.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
      } finally {
        await admin.end();
        await fresh.stop();
      }
    });

    test('200 when every check passes; 503 naming a failing extra check, with its reason', async () => {
      const r = await fetch(`${origin}/ready`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', piiKey: 'ok' } });
      piiKeyProblem = 'PII_ENCRYPTION_KEY does not decrypt the stored ID numbers';
      try {
        const bad = await fetch(`${origin}/ready`);
        expect(bad.status).toBe(503);
        expect(Number(bad.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await bad.json()).toEqual({ status: 'not ready', checks: { database: 'ok', migrations: 'ok', piiKey: piiKeyProblem } });
        // /health is liveness: the process and its database, not the key.
        expect((await fetch(`${origin}/health`)).status).toBe(200);
      } finally {
        piiKeyProblem = null;
      }
      expect((await fetch(`${origin}/ready`)).status).toBe(200);
    });

    test('a check that throws or hangs fails with a reason; the others still answer', async () => {
      const h = await startHub({
        databaseUrl: hub.databaseUrl,
        http: {
          readiness: [
            { name: 'throws', check: async () => { throw new Error('key file unreadable'); } },
            { name: 'hangs', check: () => new Promise<string | null>(() => undefined) },
            { name: 'fine', check: async () => null },
          ],
        },
      });
      try {
        const r = await fetch(`${new URL(h.url).origin}/ready`);
        expect(r.status).toBe(503);
        const body = await r.json();
        expect(body.checks).toEqual({ database: 'ok', migrations: 'ok', throws: 'check failed: key file unreadable', hangs: expect.stringMatching(/^did not answer within \d+ ms$/), fine: 'ok' });
      } finally {
        await h.stop();
      }
    });
  });
});

/** The database goes away and comes back (a PostgreSQL of this test's own, test/support/stoppable-postgres.ts). */
describe('/ready follows the database', () => {
  let pg: StoppablePostgres;
  let hub: TestHub;

  beforeAll(async () => {
    pg = await stoppablePostgres('ready');
    hub = await startHub({ databaseUrl: pg.url() });
  });

  afterAll(async () => {
    await hub?.stop();
    await pg?.remove();
  });

  test('503 while the database is unreachable, 200 again after its return', async () => {
    const ready = `${new URL(hub.url).origin}/ready`;
    expect((await fetch(ready)).status).toBe(200);
    await pg.stop();
    const down = await fetch(ready);
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await down.json();
    expect(body.status).toBe('not ready');
    expect(body.checks.database).toBe('the database cannot be reached');
    // The reason names no address or driver detail: /ready needs no credentials.
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONN|:\d{4,5}/);
    // Metrics still answer (the feed's gauges are NaN meanwhile).
    const metrics = await fetch(`${new URL(hub.url).origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(sample(await metrics.text(), 'hub_change_feed_lag_seconds')).toBeNaN();

    void pg.start();
    const back = await until('ready again', async () => (await fetch(ready)).status === 200, 10_000);
    expect(back).toBeLessThan(10_000);
    expect(await (await fetch(ready)).json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });
});

/** A request through a keep-alive agent whose body can be held back; resolves with the complete answer or the error. */
function request(agent: http.Agent, port: number, headers: Record<string, string>, body: string, opts: { path?: string; hold?: Promise<void>; split?: number } = {}) {
  let reusedSocket: boolean | undefined;
  let socket: net.Socket | undefined;
  const done = new Promise<{ status?: number; headers?: http.IncomingHttpHeaders; text?: string; error?: string; responseStarted: boolean; reusedSocket?: boolean }>((resolve) => {
    let responseStarted = false;
    const req = http.request(
      { host: '127.0.0.1', port, agent, method: 'POST', path: opts.path ?? '/graphql', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        responseStarted = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, responseStarted, reusedSocket }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, responseStarted, reusedSocket }));
      },
    );
    req.on('socket', (s) => {
      socket = s;
      reusedSocket = req.reusedSocket;
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, responseStarted, reusedSocket: req.reusedSocket }));
    if (opts.hold) {
      const cut = opts.split ?? Math.floor(body.length / 2);
      req.write(body.slice(0, cut));
      opts.hold.then(() => req.end(body.slice(cut)));
    } else {
      req.end(body);
    }
  });
  return { done, socket: () => socket };
}

describe('graceful stop', () => {
  const VIEWER = JSON.stringify({ query: 'query ObsViewer { viewer { role subject } }' });

  test('requests received before stop() get complete answers with Connection: close; a request on a kept-alive connection during the grace is served with Connection: close; idle connections close after the grace; no reset', async () => {
    const logs = captureLogs();
    const h = await startHub({ http: { shutdownTimeoutMs: 10_000, logger: logs.logger } });
    const port = Number(new URL(h.url).port);
    const headers = await h.headers(NATIONAL_BUREAU);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
    let stopped = false;
    try {
      // Three open keep-alive connections, idle in the agent's pool.
      const warm = await Promise.all([0, 1, 2].map(() => request(agent, port, headers, VIEWER).done));
      for (const w of warm) expect(w).toMatchObject({ status: 200, responseStarted: true });
      for (const w of warm) expect(w.headers!.connection).toBe('keep-alive');
      const idleSockets = Object.values(agent.freeSockets).flat() as net.Socket[];
      expect(idleSockets).toHaveLength(3);

      // In flight at stop(): a request whose body is half sent on one of them...
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const slow = request(agent, port, headers, VIEWER, { hold: held });
      // ...and a /ready whose headers are half received, on a connection of its own.
      const raw = net.connect(port, '127.0.0.1');
      await new Promise((r) => raw.once('connect', r));
      let rawText = '';
      raw.setEncoding('utf8').on('data', (c) => (rawText += c));
      const rawClosed = new Promise<void>((r) => raw.once('close', () => r()));
      raw.write('GET /ready HTTP/1.1\r\nHost: hub\r\n');
      await sleep(300); // the server has read both beginnings

      const stillIdle = (Object.values(agent.freeSockets).flat() as net.Socket[]);
      expect(stillIdle).toHaveLength(2);
      const idleClosedAt: number[] = [];
      for (const s of stillIdle) s.once('close', () => idleClosedAt.push(Date.now()));

      const t0 = Date.now();
      const stopping = h.stop();
      stopped = true;
      // Right after stop() began, a request through the agent on an already-open keep-alive
      // connection: within the grace it is served, with Connection: close.
      const late = request(agent, port, { ...headers, 'x-request-id': 'obs-late' }, VIEWER).done;
      const l = await late;
      expect(l.error).toBeUndefined();
      expect(l.reusedSocket).toBe(true);
      expect(l.status).toBe(200);
      expect(l.headers!.connection).toBe('close');
      expect(JSON.parse(l.text!).data.viewer.role).toBe(NATIONAL_BUREAU.role);

      // The connection left idle stays open for the grace, then is closed, while the held request is still in flight.
      await sleep(IDLE_GRACE_MS + 300);
      expect(idleClosedAt).toHaveLength(2);
      raw.write('\r\n');
      release();

      const answer = await slow.done;
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe(200);
      expect(answer.headers!.connection).toBe('close');
      expect(Buffer.byteLength(answer.text!)).toBe(Number(answer.headers!['content-length']));
      expect(JSON.parse(answer.text!).data.viewer).toEqual({ role: NATIONAL_BUREAU.role, subject: NATIONAL_BUREAU.sub });

      await rawClosed;
      const [head, readyBody] = rawText.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head.toLowerCase()).toContain('connection: close');
      expect(JSON.parse(readyBody)).toEqual({ status: 'shutting down', checks: { shutdown: 'the server is shutting down' } });

      await stopping;
      // Stopped as soon as the last answer was out, well before the timeout.
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(logs.lines.filter((x) => x.requestId === 'obs-late')).toHaveLength(1);
      // Nothing listens any more.
      const after = await request(agent, port, headers, VIEWER).done;
      expect(after).toMatchObject({ error: 'ECONNREFUSED', responseStarted: false });
    } finally {
      agent.destroy();
      if (!stopped) await h.stop();
    }
  });

  test('SIGTERM under keep-alive load: no connection is reset; clients see complete answers, then a refused connection', async () => {
    const h = await startHub({ http: { shutdownTimeoutMs: 10_000 } });
    const port = Number(new URL(h.url).port);
    const headers = await h.headers(NATIONAL_BUREAU);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 12 });
    const outcomes: Array<{ status?: number; error?: string; responseStarted: boolean }> = [];
    let stopAt = 0;
    // Twelve clients, each sending its next request as soon as (or a few ms after) the last answer arrives.
    const client = async (i: number) => {
      for (let n = 0; ; n++) {
        const r = await request(agent, port, headers, VIEWER).done;
        outcomes.push(r);
        if (r.error) return;
        if (stopAt && Date.now() - stopAt > IDLE_GRACE_MS + 3_000) return;
        await sleep((i * 7 + n) % 15);
      }
    };
    const clients = Array.from({ length: 12 }, (_, i) => client(i));
    await sleep(500);
    stopAt = Date.now();
    await h.stop();
    await Promise.all(clients);
    agent.destroy();
    const errors = outcomes.filter((o) => o.error);
    // Every client ended on a refused connection (the listener closed), none on a reset.
    expect(errors.map((e) => e.error)).toEqual(Array(12).fill('ECONNREFUSED'));
    expect(errors.every((e) => !e.responseStarted)).toBe(true);
    expect(outcomes.filter((o) => !o.error).every((o) => o.status === 200)).toBe(true);
    expect(outcomes.filter((o) => !o.error).length).toBeGreaterThan(24);
  }, 30_000);

  test('a request that never completes is cut at the shutdown timeout', async () => {
    const timeout = 300;
    const h = await startHub({ http: { shutdownTimeoutMs: timeout } });
    const port = Number(new URL(h.url).port);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const never = request(agent, port, await h.headers(NATIONAL_BUREAU), VIEWER, { hold: new Promise(() => undefined) });
      await sleep(100);
      const t0 = Date.now();
      await h.stop();
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(timeout - 20);
      expect(took).toBeLessThan(timeout + 2_000);
      expect((await never.done).error).toBeDefined();
    } finally {
      agent.destroy();
    }
  });
});
