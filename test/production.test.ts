import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../server/db/embedded';
import { signToken } from '../server/access/tokens';
import { databaseUrl } from './support/global-setup';

/**
 * The production path as an operator meets it: the compiled server (`npm run build`, then
 * `node dist/server/main.js`, as README "Deploy" says), its configuration checked before
 * anything starts, secrets required in production, the demo loaded only where asked, and the
 * PII key checked against the database.
 */
const root = path.join(__dirname, '..');
const adminUrl = () => process.env.HUB_TEST_ADMIN_URL!;
const key32 = () => crypto.randomBytes(32).toString('base64');

interface Run {
  child: ChildProcess;
  out: () => string;
  /** Resolves with the URL once it serves, or rejects with its exit code and output. */
  ready: Promise<string>;
  exited: Promise<number | null>;
}

/** The compiled server with exactly `env` (plus PATH), from the project folder. */
function runCompiled(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['dist/server/main.js'], { cwd: root, env: { PATH: process.env.PATH!, ...env } });
  let out = '';
  // 'close': the process has exited and its output is all read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /GraphQL at (http:\/\/\S+)\/graphql/.exec(out);
      if (m) resolve(m[1].replace('localhost', '127.0.0.1'));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(Object.assign(new Error(`exited ${code}: ${out}`), { code })));
  });
  ready.catch(() => undefined);
  return { child, out: () => out, ready, exited };
}

async function stop(run: Run): Promise<number | null> {
  if (run.child.exitCode !== null) return run.child.exitCode;
  run.child.kill('SIGTERM');
  return run.exited;
}

/** A new, empty database on the test server (no migrations, no demo). */
async function emptyDatabase(): Promise<string> {
  // Named after the run's template, so the run's teardown drops it.
  const name = `${process.env.HUB_TEST_TEMPLATE!.replace(/_tpl$/, '')}_p${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return databaseUrl(adminUrl(), name);
}

async function count(url: string, sql: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query(sql)).rows[0].n);
  } finally {
    await c.end();
  }
}

let scratch: string;
beforeAll(() => {
  // The build README "Deploy" runs; every test below starts what it produced.
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'pipe' });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-prod-'));
}, 180_000);

describe('configuration is checked before anything starts', () => {
  test('production without secrets: exit 78, one line per missing setting, nothing generated, no database touched', async () => {
    const jwtFile = path.join(scratch, 'jwt.secret');
    const piiFile = path.join(scratch, 'pii.key');
    const run = runCompiled({ NODE_ENV: 'production', HUB_JWT_SECRET_FILE: jwtFile, HUB_PII_KEY_FILE: piiFile, HUB_DATA_DIR: path.join(scratch, 'pg') });
    expect(await run.exited).toBe(78);
    const lines = run.out().split('\n');
    for (const name of ['AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL', 'PII_ENCRYPTION_KEY', 'DATABASE_URL']) {
      expect(lines.filter((l) => l.trim().startsWith(`${name}:`))).toHaveLength(1);
    }
    expect(run.out()).not.toMatch(/at .*\.js:\d+|Error: /); // no stack trace
    expect(fs.existsSync(jwtFile)).toBe(false);
    expect(fs.existsSync(piiFile)).toBe(false);
    expect(fs.existsSync(path.join(scratch, 'pg'))).toBe(false);
  });

  test('a bad value is named before PostgreSQL is asked: PORT=abc, DATABASE_URL=notaurl, a short secret', async () => {
    const run = runCompiled({ PORT: 'abc', DATABASE_URL: 'notaurl', AUTH_JWT_SECRET: 'short', PII_ENCRYPTION_KEY: key32(), HUB_DATA_DIR: path.join(scratch, 'pg2') });
    expect(await run.exited).toBe(78);
    expect(run.out()).toMatch(/^\s*PORT: must be a TCP port between 0 and 65535 \(got "abc"\)$/m);
    expect(run.out()).toMatch(/^\s*DATABASE_URL: is not a PostgreSQL URL .*\(got "notaurl"\)$/m);
    expect(run.out()).toMatch(/^\s*AUTH_JWT_SECRET: must be at least 32 characters/m);
    expect(run.out()).not.toMatch(/ENOTFOUND|getaddrinfo|RangeError|embedded PostgreSQL/);
    expect(run.out()).not.toContain('short'); // a secret's value is never echoed
  });

  test('production with its secrets: the compiled build serves, logs a JSON line per request with its id, /metrics counts it; no demo, no credential', async () => {
    const url = await emptyDatabase();
    const secret = key32();
    const run = runCompiled({ NODE_ENV: 'production', DATABASE_URL: url, AUTH_JWT_SECRET: secret, PII_ENCRYPTION_KEY: key32(), PORT: String(await freePort()) });
    try {
      const base = await run.ready;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect(await count(url, `SELECT count(*) AS n FROM education_group`)).toBe(0);
      expect(run.out()).not.toMatch(/Bearer |X-Api-Key: hub_|demo credentials/i);
      // No ts-node in the process: it runs what `npm run build` compiled.
      const cmdline = fs.readFileSync(`/proc/${run.child.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('dist/server/main.js');
      expect(cmdline).not.toContain('ts-node');

      const metric = async (name: string, labels: RegExp) => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return text.split('\n').filter((l) => l.startsWith(`${name}{`) && labels.test(l)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
      };
      const before = await metric('hub_graphql_requests_total', /status="200"/);
      const token = await signToken(Buffer.from(secret, 'utf8'), { sub: 'ops:probe', role: 'BUREAU_ADMIN', jurisdiction: '000000' });
      const requestId = `probe-${crypto.randomBytes(6).toString('hex')}`;
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
        body: JSON.stringify({ query: 'query Probe { groups(first: 5) { totalCount } }' }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(((await res.json()) as any).data.groups.totalCount).toBe(0);
      // A refused request is logged too, with the id the hub made for it.
      const refused = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ groups { totalCount } }"}' });
      expect(refused.status).toBe(401);
      const refusedId = refused.headers.get('x-request-id')!;
      expect(refusedId).toMatch(/^[\w-]{8,}$/);

      await new Promise((r) => setTimeout(r, 300)); // the lines are written when each response ends
      const lines = run.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const line = lines.find((l) => l.requestId === requestId);
      expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/graphql', status: 200, operation: 'Probe', caller: { role: 'BUREAU_ADMIN', subject: 'ops:probe' } });
      expect(typeof line.ms).toBe('number');
      expect(lines.find((l) => l.requestId === refusedId)).toMatchObject({ status: 401, errors: ['UNAUTHENTICATED'] });
      // Every line of the process is JSON in production (pino), none carries the token.
      expect(run.out().split('\n').filter((l) => l.trim() && !l.startsWith('{'))).toEqual([]);
      expect(run.out()).not.toContain(token);
      // An ad-hoc operation's series is "adhoc" (the log line above keeps its name).
      expect(await metric('hub_graphql_requests_total', /operation="Probe"/)).toBe(0);
      expect(await metric('hub_graphql_requests_total', /operation="adhoc".*status="200"|status="200".*operation="adhoc"/)).toBe(1);
      expect(await metric('hub_graphql_requests_total', /status="200"/)).toBe(before + 1);
      expect(await metric('hub_errors_total', /code="UNAUTHENTICATED"/)).toBeGreaterThanOrEqual(1);

      // Lines are written behind the requests (http/logging.ts standardOutput): a burst answered
      // right before the process is told to stop has every line out by the time it has exited.
      const burst = Array.from({ length: 300 }, (_, i) => `burst-${i}-${crypto.randomBytes(4).toString('hex')}`);
      await Promise.all(burst.map((id) => fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': id },
        body: JSON.stringify({ query: 'query Burst { groups(first: 1) { totalCount } }' }),
      }).then((r) => r.arrayBuffer())));
      expect(await stop(run)).toBe(0);
      const logged = new Set(run.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).requestId));
      expect(burst.filter((id) => !logged.has(id))).toEqual([]);
    } finally {
      expect(await stop(run)).toBe(0);
    }
  }, 60_000);

  test('a wrong PII key: said at start, /ready 503 naming it, every ID-number read and write refused (nothing written); the right key: ready', async () => {
    const url = await emptyDatabase();
    const right = key32();
    const secret = key32();
    // Development mode with the demo, so there are ID numbers (encrypted with the right key) and a school to write to.
    const env = (key: string) => ({ DATABASE_URL: url, HUB_LOAD_DEMO: '1', AUTH_JWT_SECRET: secret, PII_ENCRYPTION_KEY: key, PORT: '0', HUB_LOG_FORMAT: 'json' });
    // The first start records the key check.
    let run = runCompiled(env(right));
    expect((await fetch(`${await run.ready}/ready`)).status).toBe(200);
    await stop(run);
    const [campus] = (await new Promise<any[]>((resolve, reject) => {
      const c = new Client({ connectionString: url });
      c.connect().then(() => c.query(`SELECT c.id, sc.code FROM campus c JOIN school sc ON sc.id = c.school_id ORDER BY sc.code LIMIT 1`)).then((r) => (c.end(), resolve(r.rows)), reject);
    }));
    const staffBefore = await count(url, `SELECT count(*) AS n FROM staff`);

    run = runCompiled(env(key32()));
    try {
      const base = await run.ready;
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect(body.checks.piiKey).toMatch(/^PII_ENCRYPTION_KEY .*not the key/);
      expect(body.checks.database).toBe('ok');
      expect(run.out()).toMatch(/"level":"error".*PII_ENCRYPTION_KEY/);
      expect((await fetch(`${base}/health`)).status).toBe(200); // alive, just not ready

      const token = await signToken(Buffer.from(secret, 'utf8'), { sub: 'ops:school', role: 'SCHOOL_ADMIN', school: campus.code, scopes: ['pii:read'] });
      const gql = async (query: string, variables?: unknown) =>
        (await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) }));
      const write = await gql(`mutation($i: UpsertStaffInput!) { upsertStaff(input: $i) { id } }`, {
        i: { externalId: 'PII-WRONG-KEY', homeCampusId: Buffer.from(`Campus:${campus.id}`).toString('base64url'), name: '李四', role: 'TEACHER', title: 'SECOND', subjects: [], backbone: false, fullTimeTeacher: true, nationalId: '11010519491231002X' },
      });
      expect(write.status).toBe(503);
      expect(((await write.json()) as any).errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(await count(url, `SELECT count(*) AS n FROM staff`)).toBe(staffBefore);
      const read = await gql(`{ staffMembers(first: 5) { edges { node { name nationalId } } } }`);
      expect(((await read.json()) as any).errors.map((e: any) => e.extensions.code)).toContain('SERVICE_UNAVAILABLE');
      // What needs no key still answers.
      const names = (await (await gql(`{ staffMembers(first: 5) { edges { node { name } } } }`)).json()) as any;
      expect(names.data.staffMembers.edges.length).toBe(5);
    } finally {
      await stop(run);
    }
    run = runCompiled(env(right));
    try {
      expect((await fetch(`${await run.ready}/ready`)).status).toBe(200);
    } finally {
      await stop(run);
    }
  }, 120_000);
});

describe('the demo goes into a DATABASE_URL database only when asked', () => {
  test('DATABASE_URL without HUB_LOAD_DEMO=1: no demo, no demo credentials; with it: the demo', async () => {
    const common = { AUTH_JWT_SECRET: key32(), PII_ENCRYPTION_KEY: key32() };
    const plain = await emptyDatabase();
    let run = runCompiled({ ...common, DATABASE_URL: plain, PORT: String(await freePort()) });
    try {
      await run.ready;
      expect(await count(plain, `SELECT count(*) AS n FROM education_group`)).toBe(0);
      expect(await count(plain, `SELECT count(*) AS n FROM jurisdiction`)).toBeGreaterThan(3000); // reference data still loaded
      expect(run.out()).not.toMatch(/demo/i);
    } finally {
      await stop(run);
    }
    const asked = await emptyDatabase();
    run = runCompiled({ ...common, DATABASE_URL: asked, HUB_LOAD_DEMO: '1', PORT: String(await freePort()) });
    try {
      await run.ready;
      expect(await count(asked, `SELECT count(*) AS n FROM education_group`)).toBeGreaterThan(0);
      expect(run.out()).toMatch(/demo loaded/);
      // A configured secret is not the development one: still no printed credentials.
      expect(run.out()).not.toMatch(/Bearer /);
    } finally {
      await stop(run);
    }
  }, 120_000);
});
