/**
 * `npm run bench [-- --quick] [--scale province|city] [--only a,b] [--duration <s>] [--node <path>|system]`
 *
 * Runs the scenarios (bench/scenarios.ts) against the hub, PostGraphile v5 and the SQL floor
 * over HTTP with autocannon (10 connections), interleaved: per scenario, round after round,
 * hub -> PostGraphile -> floor, so drift (caches, autovacuum, thermal) hits all three alike.
 * Only one server is loaded at a time (2 cores: one for the load generator, one for the
 * server; the others sit idle). Before any load every server's answer is checked once and
 * compared; a scenario whose answers differ is refused (not measured, the difference printed).
 * Writes bench/results/<date>-<scale>[-quick][-only-<keys>].json and .md.
 */
import { benchDatabase } from './database';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { Call, firstDifference, normalise, Scenario, scenarios, ServerName, SERVERS, Setup, Step } from './scenarios';
import { dropSameRowsSql, sameRowsSql } from './same-rows';
import { cpuMs, ensurePostgraphile, hubCopy, NODE22, nodeVersion, pkgVersion, PG_DIR, postgresCpu, postgresCpuSince, ROOT, sampleRss, Server, startFloor, startHub, startPostgraphile, stop } from './servers';

const CONNECTIONS = 10;
const say = (m: string) => console.log(`[bench] ${m}`);

interface Options {
  quick: boolean;
  scale: string;
  databaseUrl: string;
  only: string[] | null;
  duration: number;
  rounds: number;
  warmup: number;
  hubDir: string;
  check: boolean;
  /** --node: the hub's and the floor's Node.js binary (default: PostGraphile's). */
  node: string | undefined;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scale: { type: 'string' },
      only: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      // Another checkout of the hub to run (e.g. a commit under comparison); default: this one.
      'hub-dir': { type: 'string' },
      // Check and compare the answers only: no load, no results files.
      check: { type: 'boolean', default: false },
      // The Node.js binary the hub and the floor run on (a path, or "system": the one running the bench).
      node: { type: 'string' },
    },
  });
  const scale = values.scale ?? (values.quick ? 'city' : 'province');
  if (!/^[a-z0-9_]+$/.test(scale)) throw new Error(`--scale: ${scale}?`);
  // Without DATABASE_URL: set by main from bench/database.ts (local hub_bench_<scale>, else embedded).
  const databaseUrl = process.env.DATABASE_URL || `postgres://postgres@127.0.0.1:5432/hub_bench_${scale}`;
  return {
    quick: values.quick!,
    // With DATABASE_URL given, name the results after its database.
    scale: process.env.DATABASE_URL ? new URL(databaseUrl).pathname.slice(1).replace(/^hub_bench_/, '') : scale,
    databaseUrl,
    only: values.only ? values.only.split(',').map((s) => s.trim()) : null,
    // Seconds of measured load per server, scenario and round.
    // Short rounds, more of them: on a shared 2-core machine throughput drifts by tens of percent within
    // a minute, and alternating often puts each server through the same drift (README "How it measures").
    duration: Number(values.duration ?? (values.quick ? 2 : 5)),
    rounds: Number(values.rounds ?? (values.quick ? 2 : 4)),
    warmup: values.quick ? 0.5 : 2,
    hubDir: values['hub-dir'] ? path.resolve(values['hub-dir']) : ROOT,
    check: values.check!,
    node: values.node,
  };
}

/**
 * The runtime of the hub and the floor: by default PostGraphile's (bench/postgraphile's Node 22),
 * so that the three are compared on one runtime and the figures are the software's. On this
 * kind of machine Node 22 ran the hub on 20-28 % less CPU per request than the system's Node 20
 * (interleaved A/B, scenarios b, c, d), a difference that had counted against the hub.
 */
function runtime(choice: string | undefined): string {
  if (choice === 'system') return process.execPath;
  if (choice) {
    if (!fs.existsSync(choice)) throw new Error(`--node: no such file ${choice}`);
    return path.resolve(choice);
  }
  ensurePostgraphile(say);
  return NODE22;
}

// ---------------------------------------------------------------- setup from the database

async function token(secret: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('bench-runner').setExpirationTime('6h').sign(Buffer.from(secret, 'utf8'));
}

/** The school year running now in China (UTC+8), as the hub's default (server/calendar.ts schoolYearAt). */
function currentSchoolYear(now = new Date()): string {
  const d = new Date(now.getTime() + 8 * 3600_000);
  const y = d.getUTCFullYear();
  return d.getUTCMonth() >= 8 ? `${y}-${y + 1}` : `${y - 1}-${y}`;
}

export async function findSetup(db: Pool, secret: string, runId: string): Promise<Setup> {
  const one = async (text: string, values: unknown[] = []) => (await db.query(text, values)).rows[0];
  const { n } = await one(`SELECT count(*)::int AS n FROM staff`);
  const position = Math.max(1, Math.min(250_000, Math.floor(n / 2)));
  const { id: middleId } = await one(`SELECT id FROM staff ORDER BY id OFFSET $1 LIMIT 1`, [position - 1]);

  // The county whose campuses are home to the most staff.
  const county = await one(`SELECT j.id, j.code, j.name FROM staff s JOIN campus c ON c.id = s.home_campus_id JOIN jurisdiction j ON j.id = c.jurisdiction_id
    WHERE j.level = 'COUNTY' GROUP BY j.id ORDER BY count(*) DESC, j.code LIMIT 1`);
  // The city (prefecture, 地级) whose campuses are home to the most staff: a large area (access/rules.ts).
  const city = await one(`SELECT j.id, j.code, j.name FROM staff s JOIN campus c ON c.id = s.home_campus_id
    JOIN jurisdiction_ancestor x ON x.jurisdiction_id = c.jurisdiction_id JOIN jurisdiction j ON j.id = x.ancestor_id
    WHERE j.level = 'CITY' GROUP BY j.id ORDER BY count(*) DESC, j.code LIMIT 1`);
  // The running group with the most active members.
  const group = await one(`SELECT g.id, g.name FROM education_group g JOIN group_membership m ON m.group_id = g.id AND m.status = 'ACTIVE'
    WHERE g.status = 'ACTIVE' GROUP BY g.id ORDER BY count(*) DESC, g.id LIMIT 1`);

  // For the dashboard, a running group exercising as many of the figures' rules as the data offers: a policy chain with
  // funding bands, a rotation rule that leaves out posting types, a membership covering only part of the current
  // school year (pro rata); then the most active members.
  const year = currentSchoolYear();
  const policyHas = (column: string) => `EXISTS (SELECT 1 FROM jurisdiction_ancestor ja JOIN group_policy p ON p.jurisdiction_id = ja.ancestor_id
      WHERE ja.jurisdiction_id = g.jurisdiction_id AND p.${column} IS NOT NULL)`;
  const dashboard = (await one(`SELECT g.id, g.name FROM education_group g JOIN group_membership m ON m.group_id = g.id AND m.status IN ('ACTIVE','EXITED')
    WHERE g.status = 'ACTIVE'
    GROUP BY g.id
    ORDER BY ${policyHas('funding_bands')} DESC, ${policyHas('rotation_posting_types')} DESC,
      bool_or(m.joined_on > $1::date AND m.joined_on <= $2::date OR m.left_on > $1::date AND m.left_on <= $2::date) DESC,
      count(*) FILTER (WHERE m.status = 'ACTIVE') DESC, g.id LIMIT 1`, [`${year.slice(0, 4)}-09-01`, `${year.slice(5, 9)}-08-31`])) ?? group;

  // A vendor key of that county narrowed to its three schools with the most staff.
  const schools = (await db.query(`SELECT sc.id FROM school sc JOIN campus c ON c.school_id = sc.id JOIN staff s ON s.home_campus_id = c.id
    WHERE sc.jurisdiction_id IN (SELECT jurisdiction_id FROM jurisdiction_ancestor WHERE ancestor_id = $1)
    GROUP BY sc.id ORDER BY count(*) DESC, sc.id LIMIT 3`, [county.id])).rows.map((r) => r.id as string);
  const key = `hub_${crypto.randomBytes(32).toString('base64url')}`;
  const scopes = ['campus:read', 'group:read', 'staff:read', 'posting:read'];
  await db.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, created_by)
    VALUES ($1, $2, 'VENDOR', $3, $4, $5, $6, 'bench/run.ts')`,
    [uuidv7(), `bench vendor ${runId}`, county.id, schools, scopes, crypto.createHash('sha256').update(key, 'utf8').digest('hex')]);
  // Jurisdictions always; the rest as the scopes grant (server/access/scope.ts VENDOR_READ_SCOPES).
  const types = ['Jurisdiction', 'School', 'Campus', 'EducationGroup', 'GroupMembership', 'Staff', 'Posting'];
  const keys = `(SELECT ARRAY['PUBLIC'] || ARRAY(SELECT 'N:' || $1::text || ':' || s FROM unnest($2::uuid[]) s)
      || ARRAY['L:' || $1::text] || ARRAY(SELECT 'D:' || x.ancestor_id FROM jurisdiction_ancestor x WHERE x.jurisdiction_id = $1::uuid))`;
  const feedAt = (offset: number) => one(`SELECT e.txid::text AS txid, e.seq::text AS seq, floor(extract(epoch FROM e.at))::bigint AS at FROM change_event e
    WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot()) AND e.entity_type = ANY($3::text[]) AND (e.audience && ${keys} OR e.prior_audience && ${keys})
    ORDER BY e.txid DESC, e.seq DESC OFFSET ${offset} LIMIT 1`, [county.id, schools, types]);
  const feed = (await feedAt(100)) ?? (await feedAt(0));
  if (!feed) throw new Error(`the vendor key of ${county.code} sees no change feed entries`);

  // A writer: the bureau supervising a running group, a member campus whose school is registered
  // there (upsertStaff: the school's bureau) and another active campus of the group (createPosting).
  const w = await one(`SELECT g.id AS group_id, j.code, a.campus_id AS from_id, ca.school_id AS from_school, ca.jurisdiction_id AS from_jurisdiction, b.campus_id AS to_id,
      greatest(current_date + 30, a.joined_on, b.joined_on)::text AS start_date, (greatest(current_date + 30, a.joined_on, b.joined_on) + 90)::text AS end_date
    FROM education_group g JOIN jurisdiction j ON j.id = g.jurisdiction_id
    JOIN group_membership a ON a.group_id = g.id AND a.status = 'ACTIVE' JOIN campus ca ON ca.id = a.campus_id
    JOIN school sa ON sa.id = ca.school_id AND sa.jurisdiction_id = g.jurisdiction_id
    JOIN group_membership b ON b.group_id = g.id AND b.status = 'ACTIVE' AND b.campus_id <> a.campus_id
    WHERE g.status = 'ACTIVE' ORDER BY g.id, a.id, b.id LIMIT 1`);
  if (!w) throw new Error('no running group with two active campuses for the write mix');

  // PostGraphile's own cursor for the middle row: asked once, by offset, before the run.
  return {
    nationToken: await token(secret, { role: 'BUREAU_ADMIN', jurisdiction: '000000' }),
    county: { ...county, token: await token(secret, { role: 'BUREAU_ADMIN', jurisdiction: county.code }) },
    city: city && { ...city, token: await token(secret, { role: 'BUREAU_ADMIN', jurisdiction: city.code }) },
    middle: { id: middleId, position, pgCursor: '' },
    group,
    dashboard,
    schoolYear: year,
    vendor: { key, jurisdictionId: county.id, code: county.code, schoolIds: schools, types },
    feedCursor: { txid: feed.txid, seq: feed.seq, at: Number(feed.at) },
    writer: { token: await token(secret, { role: 'BUREAU_ADMIN', jurisdiction: w.code }), code: w.code, groupId: w.group_id,
      fromCampusId: w.from_id, fromSchoolId: w.from_school, fromJurisdictionId: w.from_jurisdiction, toCampusId: w.to_id, startDate: w.start_date, endDate: w.end_date },
    runId,
  };
}

async function postgraphileCursor(pg: Server, position: number): Promise<string> {
  const r = await post(pg, {
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ allStaff(first: 1, offset: ${position - 1}, orderBy: PRIMARY_KEY_ASC) { edges { cursor node { rowId } } } }` }),
  });
  const cursor = (r.json as any)?.data?.allStaff?.edges?.[0]?.cursor;
  if (!cursor) throw new Error(`PostGraphile gave no cursor for row ${position}: ${r.text.slice(0, 500)}`);
  return cursor;
}

/**
 * Removes what earlier runs wrote: the write mix's staff (external ids `bench-<run>-...`), their
 * postings, and the feed and audit entries of both; and earlier runs' vendor keys. Without it,
 * every run would add thousands of staff to one campus and skew the next run's choices.
 */
export async function cleanUp(db: Pool): Promise<number> {
  const c = await db.connect();
  let staff: string[] = [];
  try {
    await c.query('BEGIN');
    // Run ids: bench/run.ts's 14-digit time, bench/ab.ts's `ab` + milliseconds (until 2026-12-03
    // this matched only the first, so every A/B of a write scenario left its staff behind).
    staff = (await c.query(`SELECT id FROM staff WHERE external_id ~ '^bench-([0-9]{14}|ab[0-9]{13})-'`)).rows.map((r) => r.id as string);
    const postings = (await c.query(`DELETE FROM posting WHERE staff_id = ANY($1::uuid[]) RETURNING id`, [staff])).rows.map((r) => r.id as string);
    const ids = [...staff, ...postings];
    await c.query(`DELETE FROM change_event WHERE entity_id = ANY($1::uuid[])`, [ids]);
    await c.query(`DELETE FROM audit_entry WHERE entity_id = ANY($1::uuid[])`, [ids]);
    await c.query(`DELETE FROM staff WHERE id = ANY($1::uuid[])`, [staff]);
    await c.query(`DELETE FROM api_client a WHERE a.created_by = 'bench/run.ts' AND NOT EXISTS (SELECT 1 FROM pii_access_log l WHERE l.api_client_id = a.id)`);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    c.release();
    throw e;
  }
  try {
    // The deleted rows' dead versions would stay until autovacuum, which waits for a fifth of a
    // table to be dead (36,000 dead staff versions had piled up over a day's runs): every run
    // starts from tables as a vacuum leaves them.
    if (staff.length > 0) await c.query('VACUUM (ANALYZE) staff, posting, change_event, audit_entry');
    return staff.length;
  } finally {
    c.release();
  }
}

// ---------------------------------------------------------------- requests and checks

interface Answer {
  status: number;
  text: string;
  json: unknown;
  statements: number | null;
}

async function pgStatements(s: Server): Promise<number> {
  return ((await (await fetch(`${s.url}/bench/statements`)).json()) as { statements: number }).statements;
}

async function post(s: Server, call: Call): Promise<Answer> {
  const before = s.name === 'postgraphile' ? await pgStatements(s) : 0;
  const r = await fetch(`${s.url}${call.path}`, { method: 'POST', headers: call.headers, body: call.body }).catch((e) => {
    throw s.proc.exitCode !== null || s.proc.signalCode
      ? new Error(`${s.name} has died (${s.proc.exitCode ?? s.proc.signalCode}):\n${s.log.join('').slice(-3000)}`)
      : e;
  });
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* reported below as not JSON */
  }
  const statements =
    s.name === 'hub' ? (r.headers.get('x-sql-statements') ? Number(r.headers.get('x-sql-statements')) : null)
    : s.name === 'postgraphile' ? (await pgStatements(s)) - before
    : 1;
  return { status: r.status, text, json, statements };
}

const failure = (a: Answer): string | null => {
  if (a.status !== 200) return `HTTP ${a.status}: ${a.text.slice(0, 600)}`;
  if (a.json === null) return `not JSON: ${a.text.slice(0, 300)}`;
  const errors = (a.json as any)?.errors ?? ((a.json as any)?.error ? [(a.json as any).error] : null);
  return errors ? `errors: ${JSON.stringify(errors).slice(0, 600)}` : null;
};

/** Size of an answer, for the log: the length of its first list. */
function size(v: unknown): string {
  const first = (x: any): any[] | null => {
    if (Array.isArray(x)) return x;
    if (x && typeof x === 'object') for (const k of Object.keys(x)) { const f = first(x[k]); if (f) return f; }
    return null;
  };
  const list = first(v);
  return list ? `${list.length} items` : 'object';
}

/** One write cycle, sent sequentially, as autocannon would (setupRequest, then onResponse). */
async function checkSteps(s: Server, steps: Step[]): Promise<{ problem: string | null; statements: number[] }> {
  const ctx: Record<string, any> = {};
  const statements: number[] = [];
  for (const step of steps) {
    const req = step.setupRequest({ method: step.method, path: step.path, headers: step.headers }, ctx);
    if (!req) return { problem: 'a step could not be built (the previous one failed)', statements };
    const a = await post(s, { path: step.path, headers: step.headers, body: req.body });
    const f = failure(a);
    if (f) return { problem: f, statements };
    step.onResponse?.(a.status, a.text, ctx);
    statements.push(a.statements ?? NaN);
  }
  return { problem: null, statements };
}

// ---------------------------------------------------------------- load

interface Run {
  latencies: number[];
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  rssKb: number;
  statements: number | null;
  /** CPU time (ms) the run took: the server process, and this machine's PostgreSQL processes. */
  cpu: { server: number; postgres: number };
}

export function load(s: Server, seconds: number, what: { call?: Call; steps?: Step[] }): Promise<Run> {
  return new Promise(async (resolve, reject) => {
    const latencies: number[] = [];
    const stopRss = sampleRss(s.proc.pid!);
    const before = s.name === 'postgraphile' ? await pgStatements(s) : 0;
    const cpuBefore = { server: cpuMs(s.proc.pid!), postgres: postgresCpu() };
    const started = process.hrtime.bigint();
    const opts: Record<string, unknown> = { url: s.url, connections: CONNECTIONS, duration: seconds, timeout: 30 };
    // autocannon ignores a top-level path: it goes in the url (steps carry their own path).
    if (what.call) Object.assign(opts, { url: `${s.url}${what.call.path}`, method: 'POST', headers: what.call.headers, body: what.call.body });
    else opts.requests = what.steps;
    const instance = autocannon(opts, async (err: Error | null, result: any) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = stopRss();
      const cpu = { server: cpuMs(s.proc.pid!) - cpuBefore.server, postgres: postgresCpuSince(cpuBefore.postgres) };
      if (err) return reject(err);
      if (s.proc.exitCode !== null || s.proc.signalCode) return reject(new Error(`${s.name} died under load (${s.proc.exitCode ?? s.proc.signalCode}):\n${s.log.join('').slice(-3000)}`));
      const statements = s.name === 'postgraphile' && latencies.length ? ((await pgStatements(s)) - before) / latencies.length : null;
      resolve({ latencies, seconds: elapsed, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, rssKb: rss, statements, cpu });
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  });
}

/** The p-th percentile of sorted values (bench/ab.ts too). */
export const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

interface Measured {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  statementsPerRequest: number | null;
  statementsUnderLoad?: number;
  rssPeakMb: number;
  /** CPU ms per response: the server process, and PostgreSQL (all its processes on this machine). */
  cpuPerRequestMs: { server: number; postgres: number };
  /** Each round's rps, p95 and peak RSS (a single round's spike is told from a level held throughout). */
  rounds: Array<{ rps: number; p95: number; rssPeakMb: number }>;
}

function summarise(runs: Run[], statements: number | null): Measured {
  const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const loadStmts = runs.filter((r) => r.statements !== null);
  return {
    requests: all.length,
    rps: r1(all.length / seconds),
    p50: r2(pct(all, 50)),
    p95: r2(pct(all, 95)),
    p99: r2(pct(all, 99)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
    // From the check request (hub: x-sql-statements; PostGraphile: its pool's count; floor: 1). Under load
    // PostGraphile's pool count also holds requests cut off when a run ends, so it is kept apart.
    statementsPerRequest: statements,
    statementsUnderLoad: loadStmts.length ? r2(loadStmts.reduce((n, r) => n + r.statements!, 0) / loadStmts.length) : undefined,
    rssPeakMb: r1(Math.max(...runs.map((r) => r.rssKb)) / 1024),
    cpuPerRequestMs: {
      server: r2(runs.reduce((n, r) => n + r.cpu.server, 0) / Math.max(1, all.length)),
      postgres: r2(runs.reduce((n, r) => n + r.cpu.postgres, 0) / Math.max(1, all.length)),
    },
    rounds: runs.map((r) => {
      const l = [...r.latencies].sort((a, b) => a - b);
      return { rps: r1(l.length / r.seconds), p95: r2(pct(l, 95)), rssPeakMb: r1(r.rssKb / 1024) };
    }),
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const o = options();
  const database = await benchDatabase(o.scale, say);
  o.databaseUrl = database.url;
  const runId = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  say(`database ${o.databaseUrl} (scale ${o.scale}); ${o.rounds} rounds x ${o.duration}s per server and scenario, ${CONNECTIONS} connections${o.quick ? ', quick' : ''}`);
  const db = new Pool({ connectionString: o.databaseUrl, max: 2 });
  const secret = crypto.randomBytes(32).toString('hex');
  const hubEnv = {
    // As it runs in production (README "Deploy"): JSON request logs included.
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    HUB_LOAD_DEMO: '0',
    AUTH_JWT_SECRET: secret,
    // The key the data was encrypted with (bench/data: PII_ENCRYPTION_KEY, else .data/pii.key); no scenario reads
    // staff ID numbers, so a random key serves when neither exists.
    PII_ENCRYPTION_KEY: process.env.PII_ENCRYPTION_KEY || readIfExists(path.join(ROOT, '.data', 'pii.key')) || crypto.randomBytes(32).toString('hex'),
    // Limits must not refuse the benchmark (README "Limits and errors").
    HUB_RATE_LIMIT_POINTS: '1000000000000',
    HUB_EXPOSE_STATEMENT_COUNT: '1',
    HUB_LOG_SQL: '0',
  };

  const servers: Partial<Record<ServerName, Server>> = {};
  const stopAll = async () => {
    for (const s of Object.values(servers)) await stop(s);
    fs.rmSync(hubCopy(o.hubDir), { recursive: true, force: true });
    // Leave the database as the generator made it (the write mix's rows go).
    await cleanUp(db).catch((e) => say(`clean-up failed: ${e}`));
    await db.query(dropSameRowsSql()).catch((e) => say(`dropping the (g-rows) functions failed: ${e}`));
    await db.end().catch(() => undefined);
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const t0 = Date.now();
    // Other work on the machine skews every figure: the load average is recorded with the results.
    const loadAvgAtStart = os.loadavg().map(r2);
    let loadAvgPeak = os.loadavg()[0];
    const loadTimer = setInterval(() => (loadAvgPeak = Math.max(loadAvgPeak, os.loadavg()[0])), 5000);
    loadTimer.unref();
    const removed = await cleanUp(db);
    if (removed) say(`removed ${removed} staff (and their postings, feed and audit entries) written by earlier runs`);
    const setup = await findSetup(db, secret, runId);
    // (g-rows)'s functions, before PostGraphile reads the schema (bench/same-rows.ts); dropped by stopAll.
    await db.query(sameRowsSql());
    say(`county ${setup.county.code} ${setup.county.name}; group ${setup.group.name}; middle row ${setup.middle.position}; writer bureau ${setup.writer.code}`);
    const node = runtime(o.node);
    // Starters, also used to restart a server that something outside the run stopped (the machine is shared).
    const starters: Record<ServerName, () => Promise<Server>> = {
      // A restart runs the build already made (the working tree may have moved on since).
      hub: () => startHub(hubEnv, 4701, say, o.hubDir, !servers.hub, node),
      postgraphile: () => startPostgraphile(o.databaseUrl, 4702, say),
      floor: () => startFloor(o.databaseUrl, 4703, node),
    };
    const restarts: string[] = [];
    const dead = (s: Server) => s.proc.exitCode !== null || s.proc.signalCode !== null;
    /** A load run; when its server died meanwhile (not by our hand), restart it and run again (twice at most). */
    const loadRun = async (n: ServerName, seconds: number, what: { call?: Call; steps?: Step[] }, label: string): Promise<Run> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await load(servers[n]!, seconds, what);
        } catch (e) {
          if (!dead(servers[n]!) || attempt >= 2) throw e;
          const why = `${n} stopped during ${label} (${servers[n]!.proc.exitCode ?? servers[n]!.proc.signalCode}; not by the runner): restarted, run repeated`;
          say(why);
          restarts.push(why);
          servers[n] = await starters[n]();
        }
      }
    };
    servers.hub = await starters.hub();
    say(`hub: ${servers.hub.how}`);
    servers.postgraphile = await starters.postgraphile();
    servers.floor = await starters.floor();
    setup.middle.pgCursor = await postgraphileCursor(servers.postgraphile, setup.middle.position);
    say(`servers ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    const chosenAll = scenarios(setup);
    const chosen = chosenAll.filter((s) => !o.only || o.only.includes(s.key));
    const results: any[] = [];
    for (const sc of chosen) {
      const entry: any = { key: sc.key, title: sc.title, compared: sc.compare, note: sc.note, na: sc.na, servers: {} };
      results.push(entry);
      // Check every server's answer once, compare, then load.
      const present = SERVERS.filter((n) => sc.calls[n] || sc.steps?.[n]);
      for (const n of present) {
        if (!dead(servers[n]!)) continue;
        const why = `${n} had stopped before (${sc.key}) (${servers[n]!.proc.exitCode ?? servers[n]!.proc.signalCode}; not by the runner): restarted`;
        say(why);
        restarts.push(why);
        servers[n] = await starters[n]();
      }
      const checked: Partial<Record<ServerName, { answer?: unknown; statements: number | null; aloneMs?: number }>> = {};
      let refused: string | null = null;
      for (const n of present) {
        if (sc.steps?.[n]) {
          let c = await checkSteps(servers[n]!, sc.steps[n]!());
          if (!c.problem) c = await checkSteps(servers[n]!, sc.steps[n]!()); // counted warm, as reads
          if (c.problem) { refused = `${n}: ${c.problem}`; break; }
          checked[n] = { statements: r2(c.statements.reduce((a, b) => a + b, 0) / c.statements.length) };
          continue;
        }
        const a = await post(servers[n]!, sc.calls[n]!);
        const f = failure(a);
        if (f) { refused = `${n}: ${f}`; break; }
        // Statements are counted on a second, warm request: a first one may open a pool connection (PostGraphile
        // counts its setup statement) or fill a cache.
        const warm = await post(servers[n]!, sc.calls[n]!);
        // Latency alone (no other request in flight): the median of 21 requests one after another.
        const alone: number[] = [];
        for (let i = 0; i < 21; i++) {
          const t = process.hrtime.bigint();
          await post(servers[n]!, sc.calls[n]!);
          alone.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        checked[n] = { answer: normalise(a.json), statements: warm.statements, aloneMs: r2(pct(alone.sort((x, y) => x - y), 50)) };
      }
      if (!refused && sc.compare) {
        const [ref, ...others] = present;
        for (const n of others) {
          const d = firstDifference(checked[ref]!.answer, checked[n]!.answer);
          if (d) { refused = `answers differ, ${ref} vs ${n}: ${d}`; break; }
        }
      }
      if (refused) {
        entry.refused = refused;
        say(`(${sc.key}) REFUSED: ${refused}`);
        continue;
      }
      say(`(${sc.key}) ${sc.title}: answers ${sc.compare ? 'equal' : 'not compared'} (${present.map((n) => `${n}: ${checked[n]!.answer !== undefined ? size(checked[n]!.answer) : 'ok'}, ${checked[n]!.statements ?? '?'} stmts`).join('; ')})`);
      if (o.check) continue;

      const runs: Partial<Record<ServerName, Run[]>> = {};
      // A scoped page is read against the nation's page (a) run in the same rounds, right before
      // or after it (alternating), so the machine's drift between scenarios does not enter the ratio.
      const nationCall = sc.vsNation ? chosenAll.find((c) => c.key === 'a')?.calls.hub : undefined;
      const nationRuns: Run[] = [];
      const runNation = async (round: number) => {
        const run = await loadRun('hub', o.duration, { call: nationCall! }, `(${sc.key}) round ${round + 1}, nation's (a)`);
        nationRuns.push(run);
        say(`  (${sc.key}) round ${round + 1} hub as (a)  ${(run.latencies.length / run.seconds).toFixed(1).padStart(8)} rps`);
      };
      for (let round = 0; round < o.rounds; round++) {
        if (nationCall && round % 2 === 1) await runNation(round);
        for (const n of present) {
          const what = sc.steps?.[n] ? { steps: sc.steps[n]!() } : { call: sc.calls[n]! };
          if (round === 0 && o.warmup > 0) await loadRun(n, o.warmup, what, `(${sc.key}) warm-up`);
          const run = await loadRun(n, o.duration, what, `(${sc.key}) round ${round + 1}`);
          (runs[n] ??= []).push(run);
          const l = [...run.latencies].sort((a, b) => a - b);
          say(`  (${sc.key}) round ${round + 1} ${n.padEnd(12)} ${(l.length / run.seconds).toFixed(1).padStart(8)} rps  p95 ${pct(l, 95).toFixed(1)} ms${run.non2xx || run.errors ? `  non2xx ${run.non2xx} errors ${run.errors}` : ''}`);
          if (nationCall && n === 'hub' && round % 2 === 0) await runNation(round);
        }
      }
      for (const n of present) entry.servers[n] = { ...summarise(runs[n]!, checked[n]!.statements), aloneP50: checked[n]!.aloneMs };
      const hub = entry.servers.hub, pg = entry.servers.postgraphile, fl = entry.servers.floor;
      if (nationRuns.length && hub?.rps) {
        // The same page as this caller and as the nation (issue 9: no more cost).
        const nation = (entry.nationPaired = summarise(nationRuns, null));
        const cpuOf = (m: Measured) => m.cpuPerRequestMs.server + m.cpuPerRequestMs.postgres;
        const cpuOfRun = (r: Run) => (r.cpu.server + r.cpu.postgres) / Math.max(1, r.latencies.length);
        entry.hubVsHubNation = {
          rps: r2(hub.rps / nation.rps), p95: r2(hub.p95 / nation.p95), cpuPerRequest: r2(cpuOf(hub) / cpuOf(nation)),
          cpuByRound: runs.hub!.map((r, i) => r2(cpuOfRun(r) / cpuOfRun(nationRuns[i]))),
        };
      }
      entry.hubVsPostgraphile = hub && pg?.rps ? r2(hub.rps / pg.rps) : null;
      // Each round's ratio (hub's round i against PostGraphile's, run right after it): the spread shows the drift.
      entry.hubVsPostgraphileByRound = hub && pg ? hub.rounds.map((h: { rps: number }, i: number) => r2(h.rps / (pg.rounds[i]?.rps || NaN))) : null;
      entry.hubVsFloorP95 = hub && fl?.p95 ? r2(hub.p95 / fl.p95) : null;
    }
    if (o.check) {
      const refused = results.filter((r) => r.refused).length;
      say(`check only: ${results.length - refused} scenarios answer alike, ${refused} refused`);
      return;
    }
    const out = {
      date: new Date().toISOString(),
      scale: o.scale,
      database: o.databaseUrl.replace(/\/\/[^@]*@/, '//'),
      quick: o.quick,
      method: { connections: CONNECTIONS, rounds: o.rounds, secondsPerRound: o.duration, warmupSeconds: o.warmup, order: 'per scenario: round-robin hub -> postgraphile -> floor, one server loaded at a time; a scoped page (a-county, a-city, a-vendor) also runs the nation page (a) on the hub in each of its rounds, before or after its own hub run (alternating)' },
      machine: { ...(await machine(db, node)), loadAvgAtStart, loadAvgAtEnd: os.loadavg().map(r2), loadAvg1mPeak: r2(loadAvgPeak) },
      rowCounts: await rowCounts(db),
      servers: Object.fromEntries(Object.values(servers).map((s) => [s!.name, s!.how])),
      hubCommit: hubCommit(o.hubDir),
      restarts,
      params: {
        county: `${setup.county.code} ${setup.county.name}`, group: `${setup.group.id} ${setup.group.name}`, dashboardGroup: `${setup.dashboard.id} ${setup.dashboard.name}`, middleRow: setup.middle.position,
        schoolYear: setup.schoolYear, vendor: { jurisdiction: setup.vendor.code, schools: setup.vendor.schoolIds.length, scopes: 'campus,group,staff,posting:read' },
        writer: { bureau: setup.writer.code, group: setup.writer.groupId },
      },
      scenarios: results,
    };
    clearInterval(loadTimer);
    const dir = path.join(ROOT, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    // A run of some scenarios (--only) never overwrites the day's full run.
    const some = o.only ? `-only-${o.only.join('_').replace(/[^\w-]/g, '')}` : '';
    const base = path.join(dir, `${out.date.slice(0, 10)}-${o.scale}${o.quick ? '-quick' : ''}${some}`);
    fs.writeFileSync(`${base}.json`, JSON.stringify(out, null, 2) + '\n');
    fs.writeFileSync(`${base}.md`, markdown(out));
    console.log('\n' + markdown(out));
    say(`wrote ${path.relative(ROOT, base)}.json and .md in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  } finally {
    await stopAll();
    await database.stop();
  }
}

/** The hub's commit, and whether server/ had uncommitted changes when it was built. */
function hubCommit(dir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server'], { cwd: dir }).toString().trim();
    return dirty ? `${head} + uncommitted changes in server/` : head;
  } catch {
    return 'unknown';
  }
}

export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

async function machine(db: Pool, node: string) {
  const { server_version } = (await db.query(`SHOW server_version`)).rows[0];
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: { hub: nodeVersion(node), floor: nodeVersion(node), postgraphile: nodeVersion(NODE22), runner: process.version },
    postgres: server_version,
    autocannon: pkgVersion(path.join(ROOT, 'node_modules', 'autocannon')),
    postgraphile: pkgVersion(path.join(PG_DIR, 'node_modules', 'postgraphile')),
  };
}

async function rowCounts(db: Pool) {
  const tables = ['jurisdiction', 'school', 'campus', 'campus_enrolment', 'education_group', 'group_membership', 'staff', 'posting', 'resource', 'resource_use', 'change_event'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await db.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  return out;
}

function markdown(out: any): string {
  const spread = (xs: number[] | null | undefined) => (xs?.length ? `${f(Math.min(...xs), 2)}-${f(Math.max(...xs), 2)}` : 'n/a');
  const cpu = (m: any) => (m?.cpuPerRequestMs ? `${f(m.cpuPerRequestMs.server, 2)}+${f(m.cpuPerRequestMs.postgres, 2)}` : 'n/a');
  const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d }));
  const lines = [
    `# Benchmark ${out.date.slice(0, 10)}, ${out.scale} scale${out.quick ? ' (quick)' : ''}`,
    '',
    `${out.machine.cpus} CPUs (${out.machine.cpuModel}), PostgreSQL ${out.machine.postgres}, hub/floor on Node ${out.machine.node.hub}, PostGraphile ${out.machine.postgraphile} on Node ${out.machine.node.postgraphile}; ` +
      `autocannon ${out.machine.autocannon}, ${out.method.connections} connections, ${out.method.rounds} rounds x ${out.method.secondsPerRound}s per server and scenario, interleaved.`,
    `Load average (1/5/15 min) at start ${out.machine.loadAvgAtStart.join('/')}, at end ${out.machine.loadAvgAtEnd.join('/')}, 1-min peak ${out.machine.loadAvg1mPeak} (anything above ~2 is other work competing for the 2 cores).`,
    `Rows: ${Object.entries(out.rowCounts).map(([k, v]) => `${k} ${f(v as number)}`).join(', ')}.`,
    `Hub: ${out.servers.hub}, commit ${out.hubCommit ?? '?'}.`,
    '',
    '| scenario | hub rps | PostGraphile rps | floor rps | hub/PG | by round | hub p95 | floor p95 | hub/floor p95 | hub alone | PG alone | hub stmts | PG stmts | RSS hub/PG (MB) | CPU ms/req hub: node+pg | PG: node+pg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of out.scenarios) {
    if (s.refused) {
      lines.push(`| ${s.key} | REFUSED: ${String(s.refused).replace(/\|/g, '\\|').slice(0, 200)} | | | | | | | | | | | | | | |`);
      continue;
    }
    const h = s.servers.hub, p = s.servers.postgraphile, fl = s.servers.floor;
    lines.push(`| ${s.key} | ${f(h?.rps)} | ${f(p?.rps)} | ${f(fl?.rps)} | ${f(s.hubVsPostgraphile, 2)} | ${spread(s.hubVsPostgraphileByRound)} | ${f(h?.p95, 1)} | ${f(fl?.p95, 1)} | ${f(s.hubVsFloorP95, 2)} | ${f(h?.aloneP50, 1)} | ${f(p?.aloneP50, 1)} | ${f(h?.statementsPerRequest, 1)} | ${f(p?.statementsPerRequest, 1)} | ${f(h?.rssPeakMb)}/${f(p?.rssPeakMb)} | ${cpu(h)} | ${cpu(p)} |`);
  }
  lines.push('', 'Scenarios:', '');
  for (const s of out.scenarios) {
    const na = Object.entries(s.na ?? {}).map(([k, v]) => `${k} n/a: ${v}`);
    const errs = Object.entries(s.servers ?? {}).filter(([, m]: any) => m.non2xx || m.errors).map(([k, m]: any) => `${k}: ${m.non2xx} non-2xx, ${m.errors} errors`);
    const v = s.hubVsHubNation;
    const np = s.nationPaired;
    const extra = v ? [`this caller's hub against the nation's (a) run in the same rounds (${f(np?.rps)} rps, p95 ${f(np?.p95, 1)} ms, CPU ${cpu(np)} ms): rps x${v.rps}, p95 x${v.p95}, CPU per request (hub+PostgreSQL) x${v.cpuPerRequest} (by round ${spread(v.cpuByRound)})`] : [];
    lines.push(`- **${s.key}**: ${s.title}. ${[s.compared ? 'answers compared equal' : 'answers not compared', s.note, ...na, ...extra, ...errs].filter(Boolean).join('; ')}.`);
  }
  for (const r of out.restarts ?? []) lines.push(`- restart: ${r}.`);
  lines.push('', 'rps: responses per second over all rounds; by round: the lowest and highest of the rounds\' hub/PG ratios (each hub round against the PostGraphile round right after it); p50/p95/p99 in ms over every response; stmts: SQL statements per request (hub: x-sql-statements; PostGraphile: counted on its pool; floor: 1); alone: median latency in ms of 21 requests sent one after another, nothing else in flight (steps-based scenarios: n/a); RSS: peak VmRSS during load (per round in the JSON); CPU ms/req: CPU time of the server process and of PostgreSQL\'s processes (all on this machine) over a scenario\'s measured rounds, per response: on 2 cores their sum, with the load generator\'s, bounds the rps.', '');
  return lines.join('\n');
}

// Imported (e.g. by an A/B script reusing findSetup and load), it only defines.
if (require.main === module) {
  main().catch((e) => {
    console.error('[bench] failed:', e);
    process.exit(1);
  });
}
