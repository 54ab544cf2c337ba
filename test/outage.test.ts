import 'reflect-metadata';
import { Client } from 'pg';
import { startHub, TestHub } from './support/hub';
import { StoppablePostgres, stoppablePostgres, until } from './support/stoppable-postgres';

/**
 * Issue 7, finding 10: the database goes away under load and comes back. Meanwhile every
 * request answers 503 SERVICE_UNAVAILABLE (retryable, Retry-After), never a 500; the hub
 * serves fully again within 5 s of the database's return, by itself; and every write it
 * acknowledged is in the database afterwards.
 *
 * The test runs a PostgreSQL of its own (test/support/stoppable-postgres.ts), so stopping it
 * disturbs no other test.
 */
let pg: StoppablePostgres;
let hub: TestHub;
const url = (db = 'postgres') => pg.url(db);

beforeAll(async () => {
  // Migrations and the division tree only: writes below need a jurisdiction, nothing more.
  pg = await stoppablePostgres('outage');
  hub = await startHub({ databaseUrl: url() });
});

afterAll(async () => {
  await hub?.stop();
  await pg?.remove();
});

interface Outcome {
  code: string;
  started: number;
  ended: number;
  status: number;
  errorCode?: string;
  message?: string;
  retryable?: boolean;
  retryAfter: string | null;
  written: boolean;
}

test('the database stops under load: 503 and Retry-After meanwhile, full service within 5 s of its return, no acknowledged write lost', async () => {
  const outcomes: Outcome[] = [];
  let n = 0;
  let running = true;
  const headers = { 'content-type': 'application/json', ...(await hub.headers({ sub: 'test:outage', role: 'BUREAU_ADMIN', jurisdiction: '640502' })) };
  const worker = async (w: number) => {
    while (running) {
      // Each write a school of its own (digits 3-4: province 64, 宁夏), so every acknowledged one can be looked for.
      const code = `2164${String(w).padStart(2, '0')}${String(n++).padStart(4, '0')}`;
      const started = Date.now();
      const res = await fetch(hub.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          query: 'mutation($input: UpsertSchoolInput!) { upsertSchool(input: $input) { code } }',
          variables: { input: { code, name: `断线测试学校${code}`, jurisdictionCode: '640502', type: 'PRIMARY' } },
        }),
      });
      const body = (await res.json()) as { data?: { upsertSchool?: { code: string } }; errors?: Array<{ message: string; extensions?: { code?: string; retryable?: boolean } }> };
      outcomes.push({
        code,
        started,
        ended: Date.now(),
        status: res.status,
        errorCode: body.errors?.[0]?.extensions?.code,
        message: body.errors?.[0]?.message,
        retryable: body.errors?.[0]?.extensions?.retryable,
        retryAfter: res.headers.get('retry-after'),
        written: body.data?.upsertSchool?.code === code && !body.errors,
      });
      if (!res.ok) await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = Array.from({ length: 6 }, (_, w) => worker(w));

  await new Promise((r) => setTimeout(r, 800));
  const stopping = Date.now();
  await pg.stop();
  const stopped = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  // Liveness stays 200 (the process is fine); readiness says 503, naming the database.
  const health = await fetch(`${new URL(hub.url).origin}/health`);
  expect(health.status).toBe(200);
  const ready = await fetch(`${new URL(hub.url).origin}/ready`);
  expect(ready.status).toBe(503);
  expect(ready.headers.get('retry-after')).toBeTruthy();
  expect(((await ready.json()) as { checks: Record<string, string> }).checks.database).toMatch(/cannot be reached/);

  const restarting = Date.now();
  void pg.start();
  // Full service: the hub answers a write successfully again, without being restarted.
  const recovery = await until(
    'the hub serves again',
    async () => outcomes.some((o) => o.started >= restarting && o.written),
    5_000,
  ).catch((e) => {
    running = false;
    console.log(JSON.stringify(outcomes.filter((o) => o.started >= restarting).slice(0, 5)), JSON.stringify(outcomes.slice(-3)));
    throw e;
  });
  await new Promise((r) => setTimeout(r, 700));
  running = false;
  await Promise.all(workers);
  // Ready again, without a restart.
  const readyAfter = await fetch(`${new URL(hub.url).origin}/ready`);
  expect(readyAfter.status).toBe(200);
  expect(((await readyAfter.json()) as { checks: Record<string, string> }).checks.database).toBe('ok');

  const during = outcomes.filter((o) => o.started >= stopped && o.ended <= restarting);
  const after = outcomes.filter((o) => o.started >= restarting + recovery + 100);
  console.log(
    `outage: ${outcomes.length} writes, ${outcomes.filter((o) => o.written).length} acknowledged; ` +
      `${during.length} during the outage; stop took ${stopped - stopping} ms; service back ${recovery} ms after restart`,
  );

  // Never a 500, never a code a client cannot act on.
  expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503)).toEqual([]);
  expect(outcomes.filter((o) => o.errorCode === 'INTERNAL_SERVER_ERROR')).toEqual([]);
  // While the database was away: 503, retryable, Retry-After.
  expect(during.length).toBeGreaterThan(10);
  for (const o of during) {
    expect(o).toMatchObject({ status: 503, errorCode: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(Number(o.retryAfter)).toBeGreaterThan(0);
  }
  // After its return: everything served.
  expect(after.length).toBeGreaterThan(5);
  expect(after.every((o) => o.written)).toBe(true);
  expect(recovery).toBeLessThan(5_000);

  // Every acknowledged write is in the database; a write answered 503 may or may not be (the
  // client retries it: upsertSchool is idempotent).
  const acknowledged = outcomes.filter((o) => o.written).map((o) => o.code);
  const c = new Client({ connectionString: url() });
  await c.connect();
  const { rows } = await c.query('SELECT code FROM school WHERE code = ANY($1)', [acknowledged]);
  await c.end();
  expect(rows.map((r) => r.code).sort()).toEqual([...acknowledged].sort());
});
