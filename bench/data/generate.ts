/**
 * `npm run bench:data -- --scale province|city [--force]`: generates a realistic benchmark data
 * set into DATABASE_URL (else the embedded PostgreSQL of `npm start`), set-based in SQL.
 * Progress goes to stderr; the last line on stdout is a small JSON of useful ids.
 * See bench/data/README.md.
 */
import 'reflect-metadata';
import { openDatabase } from '../../server/db/bootstrap';
import { benchDatabase } from '../database';
import { entityKeys } from '../../server/access/audience';
import { Gen, tuneSession } from './gen';
import { dropSecondaryIndexes, restoreIndexes } from './indexes';
import { formatSeconds, Progress } from './progress';
import { Scale, SCALES } from './scale';
import { createWorkspace } from './steps/base';
import { generateEnrolment } from './steps/enrolment';
import { generateEvaluations } from './steps/evaluations';
import { computeKeys, writeFeed } from './steps/feed';
import { generateGroups } from './steps/groups';
import { generatePolicies } from './steps/policies';
import { generatePostings } from './steps/postings';
import { generateResources } from './steps/resources';
import { generateSchools } from './steps/schools';
import { generateStaff } from './steps/staff';
import { GENERATED_TABLES, rowCounts, usefulIds } from './summary';

// Bulk statements run far longer than a request may; migration chatter would go to stdout.
process.env.HUB_STATEMENT_TIMEOUT_MS = '0';
process.env.HUB_QUIET ??= '1';

function parseArgs(argv: string[]): { scale: Scale; force: boolean } {
  let scale: string | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') force = true;
    else if (a === '--scale') scale = argv[++i];
    else if (a.startsWith('--scale=')) scale = a.slice(8);
    else throw new Error(`unknown argument ${a}: usage: npm run bench:data -- --scale province|city [--force]`);
  }
  if (!scale || !(scale in SCALES)) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
  return { scale: SCALES[scale as Scale['name']], force };
}

/** The steps, with weights roughly proportional to their time at province scale. */
const STEPS: Array<[string, number, (g: Gen) => Promise<void>]> = [
  ['schools and campuses', 3, generateSchools],
  ['groups and memberships', 3, generateGroups],
  ['enrolment per school year and policies', 1, async (g) => {
    await generateEnrolment(g);
    g.progress.update(0.9, 'policies');
    await generatePolicies(g);
  }],
  ['staff', 30, generateStaff],
  ['postings', 8, generatePostings],
  ['libraries and resources', 6, generateResources],
  ['evaluations', 4, generateEvaluations],
  ['indexes of the entity tables', 25, async (g) => void (await restoreIndexes(g, (d, t) => g.progress.update(d / t, `${d}/${t}`)))],
  ['statistics', 3, async (g) => void (await g.q(`ANALYZE`))],
  ['audience keys', 40, computeKeys],
  ['change feed', 70, async (g) => {
    await dropSecondaryIndexes(g, ['change_event']);
    await writeFeed(g);
  }],
  ['indexes of the change feed', 50, async (g) => void (await restoreIndexes(g, (d, t) => g.progress.update(d / t, `${d}/${t}`)))],
  ['vacuum and analyze', 20, async (g) => {
    await g.q(`DROP SCHEMA bench_gen CASCADE`);
    // VACUUM now rather than autovacuum during a benchmark: visibility map and hint bits set, statistics fresh.
    await g.parallel(GENERATED_TABLES.map((t) => `VACUUM (ANALYZE) ${t}`), (d) => g.progress.update(d / GENERATED_TABLES.length));
    await g.q(`ANALYZE`);
  }],
];

async function main() {
  const { scale, force } = parseArgs(process.argv.slice(2));
  const progress = new Progress(1 + STEPS.reduce((s, [, w]) => s + w, 0));
  const database = await benchDatabase(scale.name, (m) => progress.log(m));
  try {
    progress.step('opening the database (migrations, reference data)', 1);
    const ds = await openDatabase(database.url, { poolSize: 2, log: (m) => progress.log(m) });
    const main = ds.createQueryRunner();
    const side = ds.createQueryRunner();
    try {
      await main.connect();
      await side.connect();
      await tuneSession(main);
      await tuneSession(side);
      const g = new Gen(ds, main, side, scale, progress);
      // Indexes a failed run dropped come back first.
      await restoreIndexes(g);
      const [{ schools }] = await g.q(`SELECT count(*)::int AS schools FROM school`);
      if (schools && !force) {
        throw new Error(`the database already holds ${schools} schools: pass --force to replace everything the generator writes (${GENERATED_TABLES.join(', ')})`);
      }
      await truncate(g);
      await dropSecondaryIndexes(g, GENERATED_TABLES.filter((t) => t !== 'change_event'));
      await createWorkspace(g);
      for (const [label, weight, run] of STEPS) {
        progress.step(label, weight);
        await run(g);
      }
      progress.finish();
      const counts = await rowCounts(g);
      progress.log(`${scale.name} scale (${scale.area}) generated in ${progress.elapsed()}:`);
      for (const [t, n] of counts) progress.log(`  ${t.padEnd(22)} ${n.toLocaleString('en-US').padStart(11)}`);
      const ids = await usefulIds(g);
      await g.q(`INSERT INTO hub_meta (key, value) VALUES ('bench.generated', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [JSON.stringify({ ...ids, at: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000) })]);
      console.log(JSON.stringify(ids));
    } finally {
      await main.release().catch(() => undefined);
      await side.release().catch(() => undefined);
      await ds.destroy();
    }
  } finally {
    await database.stop();
  }
}

/** Empties what the generator writes; reference data stays, and its feed entries are written again. */
async function truncate(g: Gen): Promise<void> {
  // Ratified grades and review cases name groups and cycles: emptied with them (the generator writes none).
  await g.q(`TRUNCATE ${[...GENERATED_TABLES, 'group_grade', 'review_case', 'pii_access_log', 'audit_entry'].join(', ')} RESTART IDENTITY`);
  const { text, values } = entityKeys('Jurisdiction', 'j').render();
  await g.q(`INSERT INTO change_event (entity_type, entity_id, natural_key, operation, audience)
    SELECT 'Jurisdiction', j.id, j.code, 'UPSERT', ${text} FROM jurisdiction j ORDER BY j.code`, values);
  const [{ clients }] = await g.q(`SELECT count(*)::int AS clients FROM api_client WHERE revoked_at IS NULL`);
  if (clients) g.progress.log(`note: ${clients} API client(s) kept; keys narrowed to schools name school ids that no longer exist`);
}

const started = Date.now();
main().catch((e) => {
  // A database's refusal is the user's to act on (its message says what); a stack is for our own bugs.
  const said = e?.code === '3D000' && process.env.DATABASE_URL
    ? `${e.message} (DATABASE_URL names a database that must exist: create it, or unset DATABASE_URL for hub_bench_<scale> on 127.0.0.1:5432, created when missing)`
    : typeof e?.code === 'string' && e?.severity ? `${e.message} (PostgreSQL ${e.code})` : (e?.stack ?? e);
  process.stderr.write(`\n[bench:data] failed after ${formatSeconds((Date.now() - started) / 1000)}: ${said}\n`);
  process.exit(1);
});
