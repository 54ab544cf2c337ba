import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../server/db/embedded';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../server/heap-growth';

/**
 * The zero-setup start, as a new user runs it: no DATABASE_URL, an embedded PostgreSQL with
 * data in a folder of its own, demo on first start only, clean shutdown on SIGINT, and the
 * data still there on the next start.
 */
const root = path.join(__dirname, '..');

function start(dataDir: string, port: number): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HUB_DATA_DIR: dataDir,
    PORT: String(port),
    HUB_PII_KEY_FILE: path.join(dataDir, '..', 'pii.key'),
    HUB_JWT_SECRET_FILE: path.join(dataDir, '..', 'jwt.secret'),
  };
  delete env.DATABASE_URL;
  // As a newcomer runs it: start-up lines shown (the suite's HUB_QUIET would silence them).
  delete env.HUB_QUIET;
  delete env.HUB_LOG_LEVEL;
  delete env.PII_ENCRYPTION_KEY;
  delete env.AUTH_JWT_SECRET;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'server/main.ts'], { cwd: root, env });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('GraphQL at')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return { child, output: () => out, ready };
}

async function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

test('npm start with no DATABASE_URL: embedded PostgreSQL, demo once, clean Ctrl-C, data kept', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-start-'));
  const dataDir = path.join(base, 'postgres');
  const port = await freePort();
  /** The printed demo credential for a caller, as an HTTP header. */
  const credential = (output: string, who: string): Record<string, string> => {
    const lines = output.split('\n');
    const line = lines[lines.findIndex((l) => l.includes(who)) + 1].trim();
    const [name, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()];
    return { [name.toLowerCase()]: value };
  };
  const query = async (headers: Record<string, string>) => {
    const res = await fetch(`http://localhost:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ viewer { role } groups(first: 50) { totalCount } }' }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  try {
    const first = start(dataDir, port);
    await first.ready;
    expect(first.output()).toContain('loading the demo data');
    // V8's heap growth as production runs it (server/heap-growth.ts; test/heap-growth.test.ts measures its effect).
    expect(first.output()).toContain(`heap growth: ${DEFAULT_HEAP_GROWING_PERCENT} % past what survived a full collection`);
    // Nobody reads anything without credentials; the printed demo credentials work.
    const anonymous = await query({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(anonymous.body.data).toBeUndefined();
    const province = await query(credential(first.output(), 'province bureau'));
    // 宁夏's 5 groups (those elsewhere that share a PUBLIC library are reachable, not listed).
    expect(province.body.data).toEqual({ viewer: { role: 'BUREAU_ADMIN' }, groups: { totalCount: 5 } });
    const county = credential(first.output(), 'county bureau');
    expect((await query(county)).body.data.groups.totalCount).toBe(5);
    const vendor = await query(credential(first.output(), 'vendor API key'));
    expect(vendor.body.data).toEqual({ viewer: { role: 'VENDOR' }, groups: { totalCount: 5 } });
    for (const who of ['group admin', 'school admin', 'analyst']) {
      expect((await query(credential(first.output(), who))).body.data.groups.totalCount).toBeGreaterThan(0);
    }
    expect((await (await fetch(`http://localhost:${port}/health`)).json())).toEqual({ status: 'ok' });
    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain('stopped');

    const second = start(dataDir, port);
    await second.ready;
    expect(second.output()).not.toContain('loading the demo data');
    // Same development secret and vendor key after a restart.
    expect((await query(county)).body.data.groups.totalCount).toBe(5);
    expect((await query(credential(second.output(), 'vendor API key'))).body.data.groups.totalCount).toBe(5);
    expect(await stop(second.child)).toBe(0);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}, 120_000);
