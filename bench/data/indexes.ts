import { Gen } from './gen';

/**
 * Bulk loading is several times faster without the secondary indexes (trigram and array GIN
 * indexes above all): they are dropped before a load and built again after it, from their own
 * definitions (pg_get_indexdef), so the schema ends exactly as the migrations made it. Primary
 * keys, unique constraints and unique indexes stay: they are the rules the data must obey.
 * The definitions are kept in hub_meta until rebuilt, so a run that dies midway leaves them
 * for the next run to restore.
 */
const META_KEY = 'bench.dropped_indexes';

export async function dropSecondaryIndexes(g: Gen, tables: string[]): Promise<void> {
  const rows: Array<{ name: string; def: string }> = await g.q(`
    SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND t.relname = ANY($1::text[]) AND NOT x.indisunique AND NOT x.indisprimary
    ORDER BY t.relname, i.relname`, [tables]);
  if (!rows.length) return;
  const [saved] = await g.q(`SELECT value FROM hub_meta WHERE key = $1`, [META_KEY]);
  const all = [...(saved ? (JSON.parse(saved.value) as Array<{ name: string; def: string }>) : []), ...rows];
  await g.q(`INSERT INTO hub_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [META_KEY, JSON.stringify(all)]);
  for (const r of rows) await g.q(`DROP INDEX IF EXISTS public.${quoteIdent(r.name)}`);
}

/** Builds every index dropped above (and not yet rebuilt), largest tables first, two at a time. */
export async function restoreIndexes(g: Gen, onProgress?: (done: number, total: number) => void): Promise<number> {
  const [saved] = await g.q(`SELECT value FROM hub_meta WHERE key = $1`, [META_KEY]);
  if (!saved) return 0;
  const defs = JSON.parse(saved.value) as Array<{ name: string; def: string }>;
  const missing: Array<{ name: string; def: string }> = [];
  for (const d of defs) {
    const [exists] = await g.q(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = $1`, [d.name]);
    if (!exists) missing.push(d);
  }
  // GIN builds take longest: start them first.
  missing.sort((a, b) => Number(/USING gin/.test(b.def)) - Number(/USING gin/.test(a.def)));
  await g.parallel(missing.map((d) => d.def), (done) => onProgress?.(done, missing.length));
  await g.q(`DELETE FROM hub_meta WHERE key = $1`, [META_KEY]);
  return missing.length;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
