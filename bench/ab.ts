/**
 * Interleaved A/B of two builds of the hub (or of the hub and PostGraphile): how each change
 * in the benchmark's notes was measured. Both servers run at once over the same data; short
 * load bursts alternate between them (A then B, then B then A, ...), so the drift of a shared
 * 2-core machine hits both alike, and each round's A/B ratio is read. The median ratio over
 * the rounds is the result; on this kind of machine the same build against itself (A/A)
 * spreads about ±3-5 %.
 *
 *   npm run bench:ab -- --a <checkout> [--b <checkout> | --b postgraphile] [--only d,g] [--rounds 8] [--duration 2] [--scale province]
 *                       [--a-env K=V,K=V] [--b-env K=V]   (environment of one side only, e.g. MALLOC_ARENA_MAX=2)
 *
 * A checkout is a directory with the hub's sources and node_modules (e.g. a `git worktree` of
 * the commit before a change, with node_modules linked); each is built (npm run build) and run
 * as bench/run.ts runs the hub. --b defaults to this checkout. Nothing is written but the
 * write scenarios' rows, removed at the end (as bench/run.ts does).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { benchDatabase } from './database';
import { cleanUp, findSetup, load, pct, readIfExists } from './run';
import { dropSameRowsSql, sameRowsSql } from './same-rows';
import { scenarios } from './scenarios';
import fs from 'node:fs';
import { ensurePostgraphile, hubCopy, NODE22, ROOT, Server, startHub, startPostgraphile, stop } from './servers';

const say = (m: string) => console.log(`[ab] ${m}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f2 = (x: number) => x.toFixed(2);

async function main() {
  const { values } = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      only: { type: 'string', default: 'd' },
      rounds: { type: 'string', default: '8' },
      duration: { type: 'string', default: '2' },
      scale: { type: 'string', default: 'province' },
      'a-env': { type: 'string', default: '' },
      'b-env': { type: 'string', default: '' },
    },
  });
  if (!values.a) throw new Error('--a <checkout> is required (see the head of bench/ab.ts)');
  const againstPg = values.b === 'postgraphile';
  const rounds = Number(values.rounds);
  const seconds = Number(values.duration);
  const database = await benchDatabase(values.scale!, say);
  const db = new Pool({ connectionString: database.url, max: 2 });
  const secret = crypto.randomBytes(32).toString('hex');
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    HUB_LOAD_DEMO: '0',
    AUTH_JWT_SECRET: secret,
    PII_ENCRYPTION_KEY: process.env.PII_ENCRYPTION_KEY || readIfExists(path.join(ROOT, '.data', 'pii.key')) || crypto.randomBytes(32).toString('hex'),
    HUB_RATE_LIMIT_POINTS: '1000000000000',
    HUB_EXPOSE_STATEMENT_COUNT: '1',
    HUB_LOG_SQL: '0',
  };
  const sideEnv = (list: string) => Object.fromEntries(list.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const servers: Server[] = [];
  try {
    await cleanUp(db);
    const setup = await findSetup(db, secret, `ab${Date.now()}`);
    ensurePostgraphile(say);
    const a = await startHub({ ...env, ...sideEnv(values['a-env']!) }, 4711, say, path.resolve(values.a), true, NODE22);
    servers.push(a);
    let b: Server;
    if (againstPg) {
      await db.query(sameRowsSql());
      b = await startPostgraphile(database.url, 4712, say);
    } else {
      b = await startHub({ ...env, ...sideEnv(values['b-env']!) }, 4713, say, path.resolve(values.b ?? ROOT), true, NODE22);
    }
    servers.push(b);
    say(`A: ${a.how}${values['a-env'] ? ` with ${values['a-env']}` : ''}\n[ab] B: ${b.how}${values['b-env'] ? ` with ${values['b-env']}` : ''}`);
    for (const key of values.only!.split(',')) {
      const sc = scenarios(setup).find((s) => s.key === key);
      if (!sc) throw new Error(`no scenario ${key}`);
      const what = (s: Server) => {
        const side = s.name === 'postgraphile' ? 'postgraphile' : 'hub';
        return sc.steps ? { steps: sc.steps[side]!() } : { call: sc.calls[side]! };
      };
      if (!sc.steps?.[againstPg ? 'postgraphile' : 'hub'] && !sc.calls[againstPg ? 'postgraphile' : 'hub']) {
        say(`(${key}) n/a for B`);
        continue;
      }
      for (const s of [a, b]) await load(s, 3, what(s)); // warm-up: the first seconds run unoptimised code
      const rps: number[] = [];
      const cpu: number[] = [];
      const rss = { a: 0, b: 0 };
      const lat = { a: [] as number[], b: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 ? [b, a] : [a, b];
        const got = new Map<Server, Awaited<ReturnType<typeof load>>>();
        for (const s of order) got.set(s, await load(s, seconds, what(s)));
        const [ra, rb] = [got.get(a)!, got.get(b)!];
        const perSec = (x: typeof ra) => x.latencies.length / x.seconds;
        const perReq = (x: typeof ra) => (x.cpu.server + x.cpu.postgres) / x.latencies.length;
        const bad = ra.non2xx + ra.errors + rb.non2xx + rb.errors;
        rps.push(perSec(ra) / perSec(rb));
        cpu.push(perReq(ra) / perReq(rb));
        lat.a.push(...ra.latencies);
        lat.b.push(...rb.latencies);
        rss.a = Math.max(rss.a, ra.rssKb);
        rss.b = Math.max(rss.b, rb.rssKb);
        say(`(${key}) round ${r + 1}: A ${perSec(ra).toFixed(0)} rps, ${f2(ra.cpu.server / ra.latencies.length)}+${f2(ra.cpu.postgres / ra.latencies.length)} ms CPU/req (server+PostgreSQL); ` +
          `B ${perSec(rb).toFixed(0)} rps, ${f2(rb.cpu.server / rb.latencies.length)}+${f2(rb.cpu.postgres / rb.latencies.length)}; A/B rps ${f2(rps[r])}${bad ? `; ${bad} failed responses` : ''}`);
      }
      say(`(${key}) A/B rps: median ${f2(median(rps))} (rounds ${f2(Math.min(...rps))}-${f2(Math.max(...rps))}); A/B CPU per request: median ${f2(median(cpu))}; p95 A ${pct(lat.a.sort((x, y) => x - y), 95).toFixed(1)} ms, B ${pct(lat.b.sort((x, y) => x - y), 95).toFixed(1)} ms; peak RSS A ${(rss.a / 1024).toFixed(0)} MB, B ${(rss.b / 1024).toFixed(0)} MB`);
    }
  } finally {
    for (const s of servers) await stop(s);
    for (const dir of [values.a, againstPg ? undefined : values.b ?? ROOT]) if (dir) fs.rmSync(hubCopy(path.resolve(dir)), { recursive: true, force: true });
    await cleanUp(db).catch(() => undefined);
    if (againstPg) await db.query(dropSameRowsSql()).catch(() => undefined);
    await db.end();
  }
}

main().catch((e) => {
  console.error('[ab] failed:', e);
  process.exit(1);
});
