import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hashApiKey } from '../server/access/authenticate';
import { freePort } from '../server/db/embedded';
import { decodeId } from '../server/graphql/ids';
import { startHub, TestHub } from './support/hub';

/** The command-line tools a developer or operator runs: npm run token, npm run api-client. */
const run = promisify(execFile);
const root = path.join(__dirname, '..');
let hub: TestHub;
let dbUrl = '';
beforeAll(async () => {
  hub = await startHub({ writes: true });
  dbUrl = (hub.ds.options as { url: string }).url;
});
afterAll(() => hub.stop());

const script = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['-r', 'ts-node/register/transpile-only', `scripts/${name}.ts`, ...args], { cwd: root, env: { ...process.env, ...env } });

/** The environment without DATABASE_URL (the embedded PostgreSQL's case), plus `extra`. */
function withoutDatabaseUrl(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.DATABASE_URL;
  return env;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's lines. */
  lines: string[];
}

/** `npm run api-client -- <args>` as an operator runs it: exit code and output, whatever the outcome. */
function apiClient(args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/api-client.ts', ...args], { cwd: root, env, timeout: 120_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr, lines: stdout.split('\n').filter(Boolean) });
    });
  });
}

/** A command that must succeed. */
async function ok(args: string[], env: NodeJS.ProcessEnv, opts: { json?: boolean } = {}): Promise<Ran> {
  const r = await apiClient(args, env);
  if (r.code !== 0) throw new Error(`api-client ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  // With --json the database line goes to stderr, so stdout is the JSON alone.
  if (!opts.json) expect(r.stderr).toBe('');
  return r;
}

/** Fails cleanly: exit code, one message on stderr, never a stack trace. */
function expectFailure(r: Ran, code: number, message: RegExp) {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

const created = (r: Ran) => ({ id: /^created (\S+)/m.exec(r.stdout)![1], key: /^X-Api-Key: (\S+)$/m.exec(r.stdout)![1] });
const issuedKey = (r: Ran) => ({ id: /^issued key (\S+)/m.exec(r.stdout)![1], key: /^X-Api-Key: (\S+)$/m.exec(r.stdout)![1] });

/** What the first line must say of a DATABASE_URL: host:port/database with the user, the password masked. */
function describedUrl(url: string): string {
  const u = new URL(url);
  return `database: postgres://${u.username ? `${decodeURIComponent(u.username)}${u.password ? ':****' : ''}@` : ''}${u.hostname}:${u.port || 5432}${u.pathname} (DATABASE_URL)`;
}

/** The hub as `npm start` runs it, in a process of its own, until it answers /health. */
async function spawnServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'server/main.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port), HUB_LOAD_DEMO: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  };
  const until = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub exited (${child.exitCode}) before answering: ${out}`);
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
    if (res?.status === 200) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`the hub did not answer /health: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, url: `http://127.0.0.1:${port}/graphql`, output: () => out, stop };
}

/** Whether a key authenticates at a hub's GraphQL URL. */
async function authenticates(url: string, key: string): Promise<boolean> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query: '{ viewer { role } }' }) });
  const body = (await res.json()) as { data?: { viewer: { role: string } }; errors?: Array<{ extensions?: { code?: string } }> };
  if (res.status === 401) {
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    return false;
  }
  expect({ status: res.status, role: body.data?.viewer.role }).toEqual({ status: 200, role: 'VENDOR' });
  return true;
}

test('npm run token signs a token the server accepts, one flag per claim', async () => {
  const { stdout } = await script('token', ['--role', 'BUREAU_ADMIN', '--jurisdiction', '640502', '--scopes', 'pii:read', '--sub', 'cli-user', '--ttl', '600']);
  const token = stdout.trim();
  const d = await hub.as({ headers: { authorization: `Bearer ${token}` } }).data(`{ viewer { subject role scopes jurisdiction { code } } }`);
  expect(d.viewer).toEqual({ subject: 'cli-user', role: 'BUREAU_ADMIN', scopes: ['pii:read'], jurisdiction: { code: '640502' } });
  await expect(script('token', ['--role', 'KING'])).rejects.toThrow(/--role must be one of/);
});

test('npm run api-client creates a key shown once, lists and revokes it', async () => {
  const env = { DATABASE_URL: dbUrl, HUB_QUIET: '1' };
  const created = await script('api-client', ['create', '--name', 'CLI厂商', '--jurisdiction', '640502', '--scopes', 'campus:read', '--schools', '2164050203'], env);
  const id = /created (\S+)/.exec(created.stdout)![1];
  const key = /X-Api-Key: (\S+)/.exec(created.stdout)![1];
  const d = await hub.as({ apiKey: key }).data(`{ viewer { role } campuses { totalCount } }`);
  expect(d.viewer.role).toBe('VENDOR');
  expect((await script('api-client', ['list'], env)).stdout).toContain('CLI厂商');
  await script('api-client', ['revoke', '--id', id], env);
  expect((await hub.as({ apiKey: key }).gql(`{ viewer { role } }`)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
});

describe('npm run api-client while the hub runs in a process of its own', () => {
  test('DATABASE_URL: names the database first, creates, rotates (issue-key, revoke-key), lists without keys and revokes, all against the running server', async () => {
    const env = { ...process.env, DATABASE_URL: dbUrl, HUB_QUIET: '1' };
    const server = await spawnServer(env);
    try {
      const c = await ok(['create', '--name', '轮换厂商', '--jurisdiction', '640502', '--scopes', 'campus:read'], env);
      expect(c.lines[0]).toBe(describedUrl(dbUrl));
      const first = created(c);
      const i = await ok(['issue-key', '--client', first.id, '--expires', '2099-12-31'], env);
      expect(i.lines[0]).toBe(describedUrl(dbUrl));
      const second = issuedKey(i);
      expect(second.key).not.toBe(first.key);
      // Both keys authenticate at the running server, and are stored as their hashes.
      expect([await authenticates(server.url, first.key), await authenticates(server.url, second.key)]).toEqual([true, true]);
      const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM api_client_key WHERE api_client_id = $1 AND key_hash = ANY($2)`,
        [decodeId(first.id)!.uuid, [hashApiKey(first.key), hashApiKey(second.key)]]);
      expect(n).toBe(2);

      // The list shows the client and its two keys (last four, expiry, last use), never a key.
      let listed = await ok(['list'], env);
      expect(listed.lines[0]).toBe(describedUrl(dbUrl));
      const clientLine = listed.lines.findIndex((l) => l.startsWith(`${first.id}\t`));
      expect(clientLine).toBeGreaterThan(0);
      const after = listed.lines.slice(clientLine + 1);
      const end = after.findIndex((l) => !l.startsWith('  key\t'));
      const keyLines = end < 0 ? after : after.slice(0, end);
      expect(keyLines.map((l) => l.split('\t')[2])).toEqual([`…${first.key.slice(-4)}`, `…${second.key.slice(-4)}`]);
      expect(keyLines[1]).toContain('active until 2099-12-31T00:00:00.000Z');
      expect(keyLines[1].split('\t')[1]).toBe(second.id);
      for (const k of [first.key, second.key]) {
        expect(listed.stdout).not.toContain(k.slice(4));
        expect(listed.stdout).not.toContain(hashApiKey(k));
      }
      // Last use, recorded by the running server (not awaited by its requests): shown once it is stored.
      const lastUses = async () => (await hub.ds.query(`SELECT last_used_at FROM api_client_key WHERE api_client_id = $1 ORDER BY created_at, id`,
        [decodeId(first.id)!.uuid])).map((k: { last_used_at: Date | null }) => k.last_used_at?.toISOString() ?? null);
      for (let t = 0; (await lastUses()).includes(null) && t < 100; t++) await new Promise((r) => setTimeout(r, 50));
      const used = await lastUses();
      expect(used).not.toContain(null);
      listed = await ok(['list', '--json'], env, { json: true });
      expect(listed.stderr.trim()).toBe(describedUrl(dbUrl));
      const json = JSON.parse(listed.stdout);
      expect(json.database).toBe(describedUrl(dbUrl).replace(/^database: /, ''));
      const mine = json.clients.find((x: { id: string }) => x.id === first.id);
      expect(mine.keys.map((k: { id: string; lastUsedAt: string | null }) => [k.id, k.lastUsedAt])).toEqual([
        [expect.any(String), used[0]],
        [second.id, used[1]],
      ]);

      // Rotation finished: the first key revoked at the CLI stops working at the running server at once.
      const r = await ok(['revoke-key', '--id', mine.keys[0].id], env);
      expect(r.lines[0]).toBe(describedUrl(dbUrl));
      expect([await authenticates(server.url, first.key), await authenticates(server.url, second.key)]).toEqual([false, true]);
      expectFailure(await apiClient(['revoke-key', '--id', mine.keys[0].id], env), 1, /already revoked/);
      // Audited like the mutations, naming the operator.
      const actions = await hub.ds.query(`SELECT action, actor FROM audit_entry WHERE entity_id = $1 ORDER BY at, id`, [decodeId(first.id)!.uuid]);
      expect(actions.map((a: { action: string }) => a.action)).toEqual(['createApiClient', 'issueApiKey', 'revokeApiKey']);
      expect(actions.every((a: { actor: string }) => /:cli:\S+@\S+$/.test(a.actor))).toBe(true);

      // Revoking the client stops the second key too.
      await ok(['revoke', '--id', first.id], env);
      expect(await authenticates(server.url, second.key)).toBe(false);
      expectFailure(await apiClient(['issue-key', '--client', first.id], env), 1, /revoked/);
    } finally {
      await server.stop();
    }
  }, 240_000);

  test('wrong usage and unreachable databases: clear messages on stderr, non-zero exit codes, no stack trace, no password', async () => {
    const env = { ...process.env, DATABASE_URL: dbUrl, HUB_QUIET: '1' };
    expectFailure(await apiClient([], env), 2, /a command is required/);
    expectFailure(await apiClient(['rotate'], env), 2, /unknown command "rotate"/);
    expectFailure(await apiClient(['issue-key'], env), 2, /--client <ApiClient id> is required/);
    expectFailure(await apiClient(['issue-key', '--client', 'nonsense'], env), 2, /--client must be an ApiClient id/);
    expectFailure(await apiClient(['create', '--name', 'x', '--jurisdiction', '640502', '--scopes', 'campus:read', '--role', 'BUREAU_ADMIN'], env), 2, /--role must be one of VENDOR, ANALYST/);
    expectFailure(await apiClient(['create', '--name', 'x', '--jurisdiction', '640502', '--scopes', 'campus:read', '--expires', '2001-01-01'], env), 2, /--expires must lie in the future/);
    const unknown = await apiClient(['create', '--name', 'x', '--jurisdiction', '999999', '--scopes', 'campus:read'], env);
    expectFailure(unknown, 1, /unknown jurisdiction 999999/);
    expect(unknown.lines[0]).toBe(describedUrl(dbUrl));

    // Nothing listens on port 1: the first line names the database with its password masked, the error says so.
    const secretUrl = 'postgres://operator:pa55-w0rd-secret@127.0.0.1:1/hub_prod';
    const down = await apiClient(['list'], { ...process.env, DATABASE_URL: secretUrl });
    expect(down.lines[0]).toBe('database: postgres://operator:****@127.0.0.1:1/hub_prod (DATABASE_URL)');
    expectFailure(down, 1, /cannot connect to postgres:\/\/operator:\*\*\*\*@127\.0\.0\.1:1\/hub_prod/);
    expect(down.stdout + down.stderr).not.toContain('pa55-w0rd-secret');

    // No DATABASE_URL and no embedded PostgreSQL yet: said, and nothing is created.
    const nowhere = path.join(os.tmpdir(), `hub-cli-none-${process.pid}`, 'postgres');
    expectFailure(await apiClient(['list'], withoutDatabaseUrl({ HUB_DATA_DIR: nowhere })), 1, /no embedded PostgreSQL in \S+ yet: start the hub once \(npm start/);
    expect(fs.existsSync(nowhere)).toBe(false);
  }, 120_000);

  test('no DATABASE_URL: connects to the embedded PostgreSQL of the running hub (never a second one); when the hub is stopped, runs it for the command only', async () => {
    const dataDir = path.join(os.tmpdir(), `hub-cli-embedded-${process.pid}-${Date.now()}`, 'postgres');
    const env = withoutDatabaseUrl({ HUB_DATA_DIR: dataDir, HUB_QUIET: '1' });
    const lock = () => {
      const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
      return { pid: Number(lines[0]), started: lines[2], port: Number(lines[3]) };
    };
    try {
      await connectsToTheRunningOne();
      await runsItForTheCommandOnceStopped();
    } finally {
      fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }

    async function connectsToTheRunningOne() {
      const server = await spawnServer(env);
      try {
        const pg = lock();
        const c = await ok(['create', '--name', '嵌入库厂商', '--jurisdiction', '640502', '--scopes', 'campus:read'], env);
        // The first line: the running embedded PostgreSQL, its port and pid as its lock file says, the password masked.
        expect(c.lines[0].startsWith(`database: postgres://postgres:****@127.0.0.1:${pg.port}/postgres (`)).toBe(true);
        expect(c.lines[0]).toMatch(new RegExp(`embedded PostgreSQL of the running hub: pid ${pg.pid}\\b`));
        expect(c.lines[0]).toContain(dataDir);
        const first = created(c);
        const second = issuedKey(await ok(['issue-key', '--client', first.id], env));
        expect([await authenticates(server.url, first.key), await authenticates(server.url, second.key)]).toEqual([true, true]);
        const listed = await ok(['list'], env);
        expect(listed.lines[0]).toBe(c.lines[0]);
        const keyId = listed.lines.find((l) => l.startsWith('  key\t') && l.includes(`…${first.key.slice(-4)}`))!.split('\t')[1];
        await ok(['revoke-key', '--id', keyId], env);
        expect([await authenticates(server.url, first.key), await authenticates(server.url, second.key)]).toEqual([false, true]);
        // The same PostgreSQL throughout: the CLI neither started another nor touched its lock file.
        expect(lock()).toEqual(pg);
        expect((await fetch(server.url.replace('/graphql', '/health'))).status).toBe(200);
      } finally {
        await server.stop();
      }
    }

    async function runsItForTheCommandOnceStopped() {
      expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
      // Stopped: the command runs the embedded PostgreSQL for itself, says so, and stops it again.
      const alone = await ok(['list'], env);
      expect(alone.lines[0]).toMatch(/^database: postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/postgres \(embedded PostgreSQL, data in .*not running.*for this command only/);
      expect(alone.stdout).toContain('嵌入库厂商');
      expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
    }
  }, 300_000);
});
