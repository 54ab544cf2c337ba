import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../server/db/embedded';

/**
 * The zero-setup start, as a new user runs it: no DATABASE_URL, an embedded PostgreSQL with
 * data in a folder of its own, demo on first start only, clean shutdown on SIGINT, and the
 * data still there on the next start.
 */
const root = path.join(__dirname, '..');

function start(dataDir: string, port: number): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const env: NodeJS.ProcessEnv = { ...process.env, HUB_DATA_DIR: dataDir, PORT: String(port), HUB_PII_KEY_FILE: path.join(dataDir, '..', 'pii.key') };
  delete env.DATABASE_URL;
  delete env.PII_ENCRYPTION_KEY;
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
  const query = async () => {
    const res = await fetch(`http://localhost:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ groups(first: 50) { totalCount } }' }),
    });
    return (await res.json()) as any;
  };
  try {
    const first = start(dataDir, port);
    await first.ready;
    expect(first.output()).toContain('loading the demo data');
    expect((await query()).data.groups.totalCount).toBe(16);
    expect((await (await fetch(`http://localhost:${port}/health`)).json())).toEqual({ status: 'ok' });
    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain('stopped');

    const second = start(dataDir, port);
    await second.ready;
    expect(second.output()).not.toContain('loading the demo data');
    expect((await query()).data.groups.totalCount).toBe(16);
    expect(await stop(second.child)).toBe(0);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}, 120_000);
