import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { classifyDbError } from '../server/db/failures';
import { FIGURE_COST } from '../server/http/cost';
import { DEFAULT_LIMITS } from '../server/http/limits';
import { formatError } from '../server/graphql/errors';
import { GraphQLError } from 'graphql';
import { Client } from 'pg';
import { startHub, TestHub } from './support/hub';

/**
 * Issue 7, finding 4: queries that exhausted the heap, ran for seconds or saturated the pool
 * are refused before they run (QUERY_TOO_COMPLEX, in milliseconds, /health unaffected); every
 * caller spends a budget of cost points kept where all replicas see it; SQL runs under a
 * statement timeout.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await startHub();
  await hub.data('{ viewer { subject } }'); // warm: the first request compiles the schema's code paths
});
afterAll(() => hub.stop());

/** groups → memberships → group → memberships → … as the finding's 540-byte document. */
function nestedGroups(bytes: number): string {
  let inner = 'role';
  let q = '';
  for (;;) {
    const next = `group { name memberships { edges { node { role ${inner} } } } }`;
    q = `{ groups { edges { node { memberships { edges { node { ${next} } } } } } } }`;
    if (q.length > bytes) break;
    inner = next;
  }
  return `{ groups { edges { node { memberships { edges { node { ${inner} } } } } } } }`;
}
const NESTED_GROUPS = nestedGroups(540);
const TREE_ROUND_TRIP = '{ jurisdiction(code:"000000"){ children{ parent{ children{ parent{ children{ code }}}}}}}';
const STATS_ALIASES = `{ jurisdiction(code:"640502") { ${Array.from({ length: 200 }, (_, i) => `s${i}: stats(schoolYear:"2025-2026") { coverageRate }`).join(' ')} } }`;

const origin = () => new URL(hub.url).origin;

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await run();
  return [r, performance.now() - t];
}

describe('the queries that stopped the hub are refused before they run', () => {
  test('the documents are the finding\'s sizes', () => {
    expect(NESTED_GROUPS.length).toBeGreaterThan(450);
    expect(NESTED_GROUPS.length).toBeLessThanOrEqual(540);
    expect(TREE_ROUND_TRIP.length).toBeLessThanOrEqual(117);
  });

  test.each([
    ['540-byte groups → memberships → group → … nesting', NESTED_GROUPS],
    ['117-byte children → parent → children round trips over the division tree', TREE_ROUND_TRIP],
    ['200 aliases of stats(schoolYear:)', STATS_ALIASES],
  ])('%s: QUERY_TOO_COMPLEX in under 100 ms (or 5 trivial requests on a loaded machine)', async (_name, query) => {
    // What a trivial request costs right now: a machine busy with other work slows both alike.
    const trivial: number[] = [];
    for (let i = 0; i < 3; i++) trivial.push((await timed(() => hub.gql('{ __typename }')))[1]);
    const budget = Math.max(100, 5 * trivial.sort((a, b) => a - b)[1]);
    const [r, ms] = await timed(() => hub.gql(query));
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors!.length).toBeGreaterThan(0);
    for (const e of r.errors!) expect(e.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(ms).toBeLessThan(budget);
  });

  test('each refusal names its rule and limit', async () => {
    const aliases = await hub.gql(STATS_ALIASES);
    expect(aliases.errors![0].extensions).toMatchObject({ rule: 'aliases', limit: DEFAULT_LIMITS.maxAliases, found: 200 });
    const trip = await hub.gql(TREE_ROUND_TRIP);
    expect(trip.errors![0].extensions).toMatchObject({ rule: 'roundTrip', field: 'Jurisdiction.children' });
    const nested = await hub.gql(NESTED_GROUPS);
    const rules = nested.errors!.map((e) => e.extensions!.rule);
    expect(rules).toContain('depth');
    expect(nested.errors!.find((e) => e.extensions!.rule === 'depth')!.extensions!.limit).toBe(DEFAULT_LIMITS.maxDepth);
  });

  test('a query over the cost limit answers its cost and the limit', async () => {
    // Connection sizes multiply: 500 groups × 500 memberships × 500 staff of each campus.
    const q = '{ groups(first: 500) { edges { node { memberships(first: 500) { edges { node { campus { staff(first: 500) { edges { node { name } } } } } } } } } } }';
    const r = await hub.gql(q);
    expect(r.status).toBe(400);
    expect(r.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', rule: 'cost', limit: DEFAULT_LIMITS.maxCost });
    // groups: 1 + 500 × (node 1 + memberships: 1 + 500 × (node 1 + campus 1 + staff: 1 + 500 × node 1))
    expect(r.errors![0].extensions!.cost).toBe(1 + 500 * (1 + 1 + 500 * (1 + 1 + 1 + 500)));
    // The same through a variable: first: $n counts as sent.
    const v = await hub.gql('query($n: Int) { groups(first: $n) { edges { node { memberships(first: $n) { edges { node { campus { staff(first: $n) { edges { node { name } } } } } } } } } } }', { n: 500 });
    expect(v.errors![0].extensions!.cost).toBe(r.errors![0].extensions!.cost);
  });

  test('a document over the token limit is refused by the parser', async () => {
    const q = `{ ${Array.from({ length: DEFAULT_LIMITS.maxTokens }, () => '__typename').join(' ')} }`;
    const r = await hub.gql(q);
    expect(r.status).toBe(400);
    expect(r.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', rule: 'tokens', limit: DEFAULT_LIMITS.maxTokens });
  });

  test('/health stays responsive while the refused queries keep arriving', async () => {
    // The same probes with nothing else arriving first: on a machine busy with other work every
    // probe is slower, and the bound below scales with this (as the precheck's budget does).
    const quiet: number[] = [];
    const quietUntil = performance.now() + 500;
    while (performance.now() < quietUntil) quiet.push((await timed(() => fetch(`${origin()}/health`)))[1]);
    quiet.sort((a, b) => a - b);
    const quietP90 = quiet[Math.floor(quiet.length * 0.9)];
    // Three attackers, one per query, each sending again as soon as it is answered.
    let attacking = true;
    let refused = 0;
    const attacker = async (q: string) => {
      while (attacking) {
        const r = await hub.gql(q);
        expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
        refused++;
      }
    };
    const attackers = [NESTED_GROUPS, TREE_ROUND_TRIP, STATS_ALIASES].map(attacker);
    const latencies: number[] = [];
    const until = performance.now() + 1500;
    while (performance.now() < until) {
      const [res, ms] = await timed(() => fetch(`${origin()}/health`));
      expect(res.status).toBe(200);
      latencies.push(ms);
    }
    attacking = false;
    await Promise.all(attackers);
    latencies.sort((a, b) => a - b);
    const max = latencies[latencies.length - 1];
    const median = latencies[Math.floor(latencies.length / 2)];
    const p90 = latencies[Math.floor(latencies.length * 0.9)];
    console.log(`/health while ${refused} queries were refused in 1.5 s: ${latencies.length} probes, median ${median.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, max ${max.toFixed(1)} ms (alone: p90 ${quietP90.toFixed(1)} ms)`);
    expect(refused).toBeGreaterThan(30);
    // Client and server share one process here: a probe may wait behind the three refusals in flight,
    // or a garbage collection (a single probe of ~300 ms was seen on a busy CI machine). Responsive
    // means no probe stalls the way a running attack query would (seconds). p90 208 ms against
    // 100 was seen once with two test suites and a benchmark sharing the machine's two cores.
    expect(p90).toBeLessThan(Math.max(100, 10 * quietP90));
    expect(max).toBeLessThan(1000);
  });
});

describe('extensions.cost', () => {
  test('reports what the query costs by the rule: objects 1, connections × first, figures more', async () => {
    const one = await hub.gql('{ jurisdiction(code: "640502") { name stats(schoolYear: "2025-2026") { coverageRate } } }');
    expect(one.errors).toBeUndefined();
    expect(one.extensions?.cost).toBe(1 + FIGURE_COST['Jurisdiction.stats']);
    const page = await hub.gql('query($n: Int) { groups(first: $n) { totalCount edges { node { name } } } }', { n: 7 });
    expect(page.extensions?.cost).toBe(1 + 7 * 1); // the connection (with its count) and 7 nodes
    const byDefault = await hub.gql('{ groups { edges { node { name } } } }');
    expect(byDefault.extensions?.cost).toBe(1 + 50);
  });
});

/** True when a Redis server answers PING at 127.0.0.1:6379 (checked synchronously, so the test can be skipped). */
function redisAnswers(): boolean {
  const script = `const s=require('net').connect(6379,'127.0.0.1');s.setTimeout(500,()=>process.exit(1));s.on('error',()=>process.exit(1));s.on('connect',()=>s.write('PING\\r\\n'));s.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 2000 }).status === 0;
}

describe('rate limits per caller, in cost points, shared by every replica', () => {
  const POINTS = 100;
  const Q = '{ groups(first: 10) { edges { node { name } } } }'; // 11 points
  const COST = 11;

  async function exhaust(replicas: TestHub[], sub: string) {
    const caller = { sub, role: 'BUREAU_ADMIN' as const, jurisdiction: '000000' };
    const allowed = Math.floor(POINTS / COST);
    for (let i = 0; i < allowed; i++) {
      // Alternating replicas: with a budget per process neither would ever run out.
      const r = await replicas[i % replicas.length].as(caller).gql(Q);
      expect(r.status).toBe(200);
      expect(r.extensions?.cost).toBe(COST);
      expect(r.headers.get('ratelimit-limit')).toBe(String(POINTS));
      expect(Number(r.headers.get('ratelimit-remaining'))).toBe(POINTS - COST * (i + 1));
    }
    const refused = await replicas[allowed % replicas.length].as(caller).gql(Q);
    expect(refused.status).toBe(429);
    expect(refused.data).toBeUndefined();
    const ext = refused.errors![0].extensions!;
    expect(ext.code).toBe('RATE_LIMITED');
    expect(ext.retryAfter).toBeGreaterThan(0);
    expect(ext.retryAfter).toBeLessThanOrEqual(60);
    expect(Number(refused.headers.get('retry-after'))).toBe(ext.retryAfter);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    // Another caller has a budget of its own.
    const other = await replicas[0].as({ ...caller, sub: `${sub}-other` }).gql(Q);
    expect(other.status).toBe(200);
  }

  test('PostgreSQL store: two servers over one database share each caller\'s budget', async () => {
    const a = await startHub({ writes: true, limits: { rate: { points: POINTS, windowSeconds: 60 } } });
    const b = await startHub({ databaseUrl: a.databaseUrl, limits: { rate: { points: POINTS, windowSeconds: 60 } } });
    try {
      await exhaust([a, b], `test:rate-pg-${Date.now()}`);
      const [{ n }] = await a.ds.query('SELECT count(*)::int AS n FROM rate_limit');
      expect(n).toBeGreaterThanOrEqual(2);
    } finally {
      await b.stop();
      await a.stop();
    }
  });

  test('large budgets are leased to replicas in slices; together they never spend more than the budget', async () => {
    // Cost 1 a request; a slice is min(32 requests' worth, 1/64 of the budget) = 10 points (http/rate-limit.ts).
    const BUDGET = 640;
    const SLICE = Math.min(1 * 32, Math.floor(BUDGET / 64));
    const limits = { rate: { points: BUDGET, windowSeconds: 60 } };
    const a = await startHub({ writes: true, limits });
    const b = await startHub({ databaseUrl: a.databaseUrl, limits });
    const caller = { sub: `test:lease-${Date.now()}`, role: 'BUREAU_ADMIN' as const, jurisdiction: '000000' };
    const stored = async () => (await a.ds.query('SELECT coalesce(sum(points), 0)::int AS n FROM rate_limit'))[0].n as number;
    const Q1 = '{ __typename }';
    try {
      // One request on each replica: each takes one slice from the store, nothing more.
      const first = await a.as(caller).gql(Q1);
      expect(first.status).toBe(200);
      expect(first.headers.get("ratelimit-limit")).toBe(String(BUDGET));
      await b.as(caller).gql(Q1);
      expect(await stored()).toBe(2 * SLICE);
      // Spending the rest of the first slice on A writes nothing to the store.
      for (let i = 1; i < SLICE; i++) expect((await a.as(caller).gql(Q1)).status).toBe(200);
      expect(await stored()).toBe(2 * SLICE);
      // A runs the caller dry; B still spends what it holds; then both refuse. Served in all: the budget, exactly.
      let served = 1 + 1 + (SLICE - 1);
      for (;;) {
        const r = await a.as(caller).gql(Q1);
        if (r.status === 429) break;
        served++;
      }
      for (;;) {
        const r = await b.as(caller).gql(Q1);
        if (r.status === 429) break;
        served++;
      }
      expect(served).toBe(BUDGET);
      expect((await a.as(caller).gql(Q1)).status).toBe(429);
    } finally {
      await b.stop();
      await a.stop();
    }
  });

  (redisAnswers() ? test : test.skip)('Redis store (REDIS_URL): the same, when a Redis answers at 127.0.0.1:6379', async () => {
    const limits = { rate: { points: POINTS, windowSeconds: 60, redisUrl: 'redis://127.0.0.1:6379' } };
    const a = await startHub({ limits });
    const b = await startHub({ limits });
    try {
      await exhaust([a, b], `test:rate-redis-${process.pid}-${Date.now()}`);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});

describe('statement timeout', () => {
  test('a statement past the timeout is cancelled and answers a clean QUERY_TOO_COMPLEX', async () => {
    const slow = await startHub({ writes: true, statementTimeoutMs: 300 });
    const locker = new Client({ connectionString: slow.databaseUrl });
    await locker.connect();
    try {
      // The pool's own sessions run under the timeout.
      const err = await slow.ds.query('SELECT pg_sleep(2)').then(() => null, (e: unknown) => e);
      expect(classifyDbError(err)).toBe('timeout');

      // Over HTTP: a query that has to wait (here behind a lock) is cut off at the timeout.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE staff IN ACCESS EXCLUSIVE MODE');
      const [r, ms] = await timed(() => slow.gql('{ staffMembers(first: 1) { edges { node { name } } } }'));
      await locker.query('ROLLBACK');
      expect(ms).toBeLessThan(2000);
      expect(r.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', rule: 'statementTimeout' });
      expect(JSON.stringify(r)).not.toMatch(/SELECT|FROM|staff_|pg_|canceling/i);

      // Afterwards the same pool serves again.
      expect((await slow.gql('{ staffMembers(first: 1) { edges { node { name } } } }')).errors).toBeUndefined();
    } finally {
      await locker.end();
      await slow.stop();
    }
  });

  test('formatError maps a cancelled statement without SQL text', () => {
    const driver = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    const f = formatError({ message: driver.message }, new GraphQLError(driver.message, { originalError: driver }));
    expect(f.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', rule: 'statementTimeout' });
    expect(f.message).not.toMatch(/canceling/);
  });
});
