import { Gen, textArray } from '../gen';
import { RESOURCE_KINDS, TOPICS } from '../names';
import { END } from './base';

/**
 * Resource libraries (one to three per running group: the group's own, often a 名师课堂 shared
 * with the supervising line or the public, sometimes a 校本课程库), resources spread over them
 * unevenly, contributed by campuses of the group (mostly the lead) and their teachers, about 2%
 * withdrawn (soft-deleted: a DELETE on the change feed), and their uses by group campuses.
 */
export async function generateResources(g: Gen): Promise<void> {
  const { resources: R, resourceUses: U } = g.scale;
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.lib AS
WITH l AS (
  SELECT gc.group_id, gc.g_no, gc.lead_campus_id, gc.members, gr.name AS group_name, gr.created_at AS group_created, lib_n
  FROM bench_gen.gc gc JOIN bench_gen.grp gr ON gr.id = gc.group_id
  CROSS JOIN LATERAL generate_series(1, 1 + (bench_gen.rnd(gc.g_no, 121) < 0.4)::int + (bench_gen.rnd(gc.g_no, 122) < 0.1)::int) lib_n
)
SELECT l.*, l.g_no * 4 + lib_n AS h,
  l.group_name || CASE lib_n WHEN 1 THEN '课程资源库' WHEN 2 THEN '名师课堂' ELSE '校本课程库' END AS name,
  CASE WHEN lib_n = 1 THEN 'GROUP' WHEN lib_n = 2 THEN CASE WHEN bench_gen.rnd(l.g_no, 123) < 0.6 THEN 'JURISDICTION' ELSE 'PUBLIC' END
    ELSE CASE WHEN bench_gen.rnd(l.g_no, 124) < 0.3 THEN 'PUBLIC' ELSE 'GROUP' END END AS visibility,
  l.group_created + (5 + 15 * bench_gen.rnd(l.g_no * 4 + lib_n, 125)) * interval '1 day' AS created_at,
  0.2 + 3 * bench_gen.rnd(l.g_no * 4 + lib_n, 126) ^ 2 AS weight
FROM l`);
  await g.q(`ALTER TABLE bench_gen.lib ADD COLUMN id uuid, ADD COLUMN lo float8, ADD COLUMN hi float8`);
  await g.q(`UPDATE bench_gen.lib l SET id = bench_gen.uuid7(l.created_at, l.h, 108), lo = w.lo, hi = w.hi
    FROM (SELECT h, (sum(weight) OVER (ORDER BY h) - weight) / sum(weight) OVER () AS lo, sum(weight) OVER (ORDER BY h) / sum(weight) OVER () AS hi
      FROM bench_gen.lib) w WHERE w.h = l.h`);
  await g.q(`
INSERT INTO resource_library (id, group_id, name, description, visibility, created_at, updated_at)
SELECT id, group_id, name, group_name || '共建共享的教学资源', visibility, created_at, created_at FROM bench_gen.lib ORDER BY id`);

  await g.q(`
CREATE UNLOGGED TABLE bench_gen.res AS
WITH r AS (
  -- Each library takes the resource numbers of its slice of [0,1): no range join over all libraries.
  SELECT n, l.id AS library_id, l.lead_campus_id, l.members, l.created_at AS lib_created,
    CASE WHEN bench_gen.rnd(n, 131) < 0.4 OR l.members IS NULL THEN l.lead_campus_id
      ELSE l.members[1 + floor(bench_gen.rnd(n, 132) * cardinality(l.members))::int] END AS campus_id
  FROM bench_gen.lib l CROSS JOIN LATERAL generate_series(round(l.lo * ${R})::int + 1, round(l.hi * ${R})::int) n
)
SELECT r.*, c.name AS campus_name, c.stages, c.staff_n, st.id AS contributor_id, st.subjects,
  bench_gen.pick(${textArray(RESOURCE_KINDS.map(([k]) => k))}, bench_gen.rnd(n, 133)) AS kind,
  bench_gen.pick(${textArray(TOPICS)}, bench_gen.rnd(n, 134)) AS topic,
  greatest(r.lib_created + interval '1 hour', bench_gen.day(20 + 38 * (n - 1)::float8 / ${R})) AS created_at,
  bench_gen.rnd(n, 135) < 0.02 AS deleted,
  CASE WHEN bench_gen.rnd(n, 136) < 0.2 THEN 1 ELSE 0 END AS edits
FROM r JOIN bench_gen.campus c ON c.id = r.campus_id
LEFT JOIN bench_gen.staff st ON st.home_campus_id = r.campus_id AND st.i = 1 + floor(bench_gen.rnd(n, 137) * c.staff_n)::int
  AND bench_gen.rnd(n, 138) >= 0.08`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.res2 AS
SELECT r.*, bench_gen.uuid7(r.created_at, r.n, 109) AS id, r.edits + r.deleted::int AS n_upd,
  CASE WHEN r.edits + r.deleted::int > 0 THEN r.created_at + (bench_gen.day(${END}) - r.created_at) * (0.2 + 0.8 * bench_gen.rnd(r.n, 139))
    ELSE r.created_at END AS updated_at,
  coalesce(r.subjects[1], CASE WHEN 'PRESCHOOL' = ANY(r.stages) THEN '保教' ELSE '语文' END) AS subject
FROM bench_gen.res r`);
  await g.q(`DROP TABLE bench_gen.res`);
  await g.q(`ALTER TABLE bench_gen.res2 RENAME TO res`);
  const labels = `jsonb_build_object(${RESOURCE_KINDS.map(([k, l]) => `'${k}', '${l}'`).join(', ')})`;
  await g.q(`
INSERT INTO resource (id, library_id, title, kind, subject, stages, description, uri, tags, contributor_id, contributing_campus_id,
  deleted_at, created_at, updated_at)
SELECT id, library_id, subject || (${labels} ->> kind) || '：' || topic || '（' || n || '）', kind, subject, stages,
  campus_name || '提供的' || topic || (${labels} ->> kind), 'resources/' || library_id || '/' || n || '.pdf',
  ARRAY[topic, subject], contributor_id, campus_id, CASE WHEN deleted THEN updated_at END, created_at, updated_at
FROM bench_gen.res ORDER BY id`);
  await g.q(`
INSERT INTO resource_use (id, resource_id, campus_id, kind, used_at)
SELECT bench_gen.uuid7(u.used_at, u.un, 110), u.resource_id, u.campus_id, u.kind, u.used_at FROM (
  SELECT un, r.id AS resource_id,
    CASE WHEN bench_gen.rnd(un, 142) < 0.3 OR l.members IS NULL THEN l.lead_campus_id
      ELSE l.members[1 + floor(bench_gen.rnd(un, 143) * cardinality(l.members))::int] END AS campus_id,
    bench_gen.pick(ARRAY['VIEW','VIEW','VIEW','DOWNLOAD','TEACH'], bench_gen.rnd(un, 144)) AS kind,
    r.created_at + (r.updated_at - r.created_at + (bench_gen.day(${END}) - r.updated_at) * (NOT r.deleted)::int) * bench_gen.rnd(un, 145) AS used_at
  FROM generate_series(1, ${U}) un
  JOIN bench_gen.res r ON r.n = 1 + floor(bench_gen.rnd(un, 141) * ${R})::int
  JOIN bench_gen.lib l ON l.id = r.library_id
) u ORDER BY 1`);
  await g.q(`
INSERT INTO bench_gen.life (entity_type, id, natural_key, created_at, updated_at, n_upd, deleted)
SELECT 'ResourceLibrary', id, NULL, created_at, created_at, 0, false FROM bench_gen.lib
UNION ALL SELECT 'Resource', id, NULL, created_at, updated_at, n_upd, deleted FROM bench_gen.res`);
}
