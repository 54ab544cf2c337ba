import { entityKeys } from '../../../server/access/audience';
import type { EntityKind } from '../../../server/access/scope';
import { Gen } from '../gen';

/** Feed entity types and their tables (server/graphql/node-resolver.ts NODE_TYPES, less Jurisdiction and ApiClient). */
const KINDS: Array<[EntityKind, string]> = [
  ['School', 'school'], ['Campus', 'campus'], ['EducationGroup', 'education_group'], ['GroupMembership', 'group_membership'],
  ['Staff', 'staff'], ['Posting', 'posting'], ['ResourceLibrary', 'resource_library'], ['Resource', 'resource'],
  ['EvaluationCycle', 'evaluation_cycle'], ['Evaluation', 'evaluation'],
];

/**
 * Audience keys of every generated entity as it stands, computed once per entity with the
 * project's own SQL (server/access/audience.ts entityKeys, as feed/audience.ts keyUnkeyedEntries
 * does), over both connections.
 */
export async function computeKeys(g: Gen): Promise<void> {
  await g.q(`CREATE UNLOGGED TABLE bench_gen.keys (id uuid NOT NULL, keys text[] NOT NULL)`);
  // Every kind in two halves by id, costliest kinds first (an evaluation's keys cost most, staff are most numerous),
  // so the two connections share the work evenly.
  const COST_ORDER: EntityKind[] = ['Evaluation', 'Staff', 'Resource', 'Posting'];
  const jobs: Array<{ text: string; values: unknown[] }> = [];
  const ordered = [...KINDS].sort(([a], [b]) => rank(COST_ORDER, a) - rank(COST_ORDER, b));
  for (const [kind, table] of ordered) {
    const [{ mid }] = await g.q(`SELECT (SELECT id::text FROM ${table} ORDER BY id OFFSET (SELECT count(*) / 2 FROM ${table}) LIMIT 1) AS mid`);
    const halves = mid ? [`WHERE t.id < '${mid}'`, `WHERE t.id >= '${mid}'`] : [''];
    for (const w of halves) {
      const { text, values } = entityKeys(kind, 't').render();
      jobs.push({ text: `INSERT INTO bench_gen.keys (id, keys) SELECT t.id, ${text} FROM ${table} t ${w}`, values });
    }
  }
  let next = 0;
  let done = 0;
  const worker = async (run: (t: string, v: unknown[]) => Promise<unknown>) => {
    while (next < jobs.length) {
      const j = jobs[next++];
      await run(j.text, j.values);
      g.progress.update(++done / jobs.length, `${done}/${jobs.length} parts`);
    }
  };
  await Promise.all([worker((t, v) => g.main.query(t, v)), worker((t, v) => g.side.query(t, v))]);
  await g.q(`ALTER TABLE bench_gen.keys ADD PRIMARY KEY (id)`);
  const [{ empty }] = await g.q(`SELECT count(*)::int AS empty FROM bench_gen.keys WHERE keys = '{}'`);
  if (empty) throw new Error(`${empty} entities have no audience keys: they would be re-keyed at every server start`);
}

/**
 * The change feed: one UPSERT per entity created, then its later writes (UPSERTs; a withdrawn
 * resource's last one a DELETE), at the times the timeline gives them. Written in time order,
 * in chunks that are each their own transaction, so the feed's (txid, seq) order is its time
 * order and pages cross many transactions, as in a live hub. Each entry carries its entity's
 * keys (`audience`) and the keys of the entry before it (`prior_audience`: none for the first).
 */
export async function writeFeed(g: Gen): Promise<void> {
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.ev AS
SELECT row_number() OVER (ORDER BY at, entity_id, j) AS rn, x.* FROM (
  SELECT l.created_at AS at, l.entity_type, l.id AS entity_id, l.natural_key, 'UPSERT' AS op, 0 AS j FROM bench_gen.life l
  UNION ALL
  SELECT l.created_at + (l.updated_at - l.created_at) * (j::float8 / l.n_upd), l.entity_type, l.id, l.natural_key,
    CASE WHEN l.deleted AND j = l.n_upd THEN 'DELETE' ELSE 'UPSERT' END, j
  FROM bench_gen.life l CROSS JOIN LATERAL generate_series(1, l.n_upd) j
) x`);
  await g.q(`CREATE INDEX ON bench_gen.ev (rn)`);
  const [{ n }] = await g.q(`SELECT count(*)::int AS n FROM bench_gen.ev`);
  const chunk = g.scale.feedChunk;
  for (let lo = 0; lo < n; lo += chunk) {
    await g.q(`
INSERT INTO change_event (at, entity_type, entity_id, natural_key, operation, audience, prior_audience)
SELECT e.at, e.entity_type, e.entity_id, e.natural_key, e.op, k.keys, CASE WHEN e.j = 0 THEN '{}'::text[] ELSE k.keys END
FROM bench_gen.ev e JOIN bench_gen.keys k ON k.id = e.entity_id
WHERE e.rn > $1 AND e.rn <= $2 ORDER BY e.rn`, [lo, lo + chunk]);
    g.progress.update((lo + chunk) / n, `${Math.min(n, lo + chunk)}/${n} entries`);
  }
}

const rank = (order: EntityKind[], k: EntityKind) => (order.includes(k) ? order.indexOf(k) : order.length);
