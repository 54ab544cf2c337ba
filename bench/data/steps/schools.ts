import { Gen, textArray } from '../gen';
import { END } from './base';
import { CAMPUS_SUFFIXES, TOWNS, VILLAGES } from '../names';

/**
 * Schools and campuses. Schools are spread over the counties by weight and lie in their county
 * (school.jurisdiction_id); a few (市属) answer to their city (supervising_jurisdiction_id), the
 * others to the county where they lie. Each school has a main campus named like it (as upsertSchool makes it) and about
 * a third get one to a few more, some of them in a neighbouring county of the same city.
 * Campus size (its staff count, 2-60, skewed) drives students, classes and urban/rural.
 */
export async function generateSchools(g: Gen): Promise<void> {
  const { schools: S, campuses: C, staff } = g.scale;
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.school_type AS
SELECT * FROM (VALUES
  ('KINDERGARTEN', '111', '11', ARRAY['PRESCHOOL'], 0.30),
  ('PRIMARY', '211', '21', ARRAY['PRIMARY'], 0.74),
  ('JUNIOR_SECONDARY', '311', '31', ARRAY['JUNIOR'], 0.83),
  ('NINE_YEAR', '312', '31', ARRAY['PRIMARY','JUNIOR'], 0.89),
  ('COMPLETE_SECONDARY', '341', '34', ARRAY['JUNIOR','SENIOR'], 0.92),
  ('SENIOR_SECONDARY', '342', '34', ARRAY['SENIOR'], 0.95),
  ('TWELVE_YEAR', '345', '34', ARRAY['PRIMARY','JUNIOR','SENIOR'], 0.955),
  ('VOCATIONAL_SECONDARY', '361', '36', ARRAY['VOCATIONAL'], 0.975),
  ('SPECIAL_EDUCATION', '511', '51', ARRAY['PRIMARY','JUNIOR'], 0.988),
  ('OTHER', NULL, '21', ARRAY[]::text[], 1.01)
) AS t(type, type_code, category, stages, upto)`);

  await g.q(`
CREATE UNLOGGED TABLE bench_gen.school AS
WITH placed AS (
  SELECT n, c.id AS county_id, c.code AS county_code, c.name AS county_name, c.city_id, c.city_name, c.idx_in_city, c.n_in_city,
    (SELECT t.type FROM bench_gen.school_type t WHERE t.upto > bench_gen.rnd(n, 21) ORDER BY t.upto LIMIT 1) AS type
  FROM bench_gen.county c CROSS JOIN LATERAL generate_series(round(c.lo * ${S})::int + 1, round(c.hi * ${S})::int) n
), run AS (
  SELECT p.*,
    -- 市属: some senior, vocational and special schools, and a few others, answer to the city.
    (p.type IN ('SENIOR_SECONDARY','COMPLETE_SECONDARY','VOCATIONAL_SECONDARY','SPECIAL_EDUCATION') AND bench_gen.rnd(n, 23) < 0.25
      OR bench_gen.rnd(n, 24) < 0.012) AS city_run
  FROM placed p
), ordinal AS (
  -- Where it lies is its county (school.jurisdiction_id); whom it answers to (主管/隶属), its city when 市属.
  SELECT r.*, CASE WHEN city_run THEN city_id ELSE county_id END AS supervising_id,
    CASE WHEN city_run THEN city_name ELSE county_name END AS prefix,
    row_number() OVER (PARTITION BY CASE WHEN city_run THEN city_id ELSE county_id END, type ORDER BY n) AS k
  FROM run r
), named AS (
  SELECT o.*,
    (${textArray(TOWNS)})[1 + (k - 1) % ${TOWNS.length}] AS town,
    -- (town, village) runs through every pair as k grows: distinct names within a county and type.
    (${textArray(VILLAGES)})[1 + (((k - 1) % ${TOWNS.length}) * 7 + (k - 1) / ${TOWNS.length}) % ${VILLAGES.length}] AS village
  FROM ordinal o
)
SELECT n, county_id, county_code, county_name, city_id, idx_in_city, n_in_city, supervising_id, s.type, t.type_code, t.stages,
  t.category || substr('${g.scale.area}', 1, 2) || lpad(n::text, 6, '0') AS code,
  prefix || CASE s.type
    WHEN 'KINDERGARTEN' THEN CASE WHEN k <= 10 THEN '第' || k || '幼儿园' ELSE town || '镇' || village || '幼儿园' END
    WHEN 'PRIMARY' THEN CASE WHEN k <= 20 THEN '第' || k || '小学' ELSE town || '镇' || village || '小学' END
    WHEN 'JUNIOR_SECONDARY' THEN CASE WHEN k <= 12 THEN '第' || k || '初级中学' ELSE town || '镇' || village || '中学' END
    WHEN 'NINE_YEAR' THEN town || '镇' || village || '九年制学校'
    WHEN 'COMPLETE_SECONDARY' THEN '第' || k || '中学'
    WHEN 'SENIOR_SECONDARY' THEN '第' || k || '高级中学'
    WHEN 'TWELVE_YEAR' THEN town || '实验学校' || CASE WHEN k > ${TOWNS.length} THEN k::text ELSE '' END
    WHEN 'VOCATIONAL_SECONDARY' THEN CASE WHEN k = 1 THEN '职业中等专业学校' ELSE '第' || k || '职业中学' END
    WHEN 'SPECIAL_EDUCATION' THEN CASE WHEN k = 1 THEN '特殊教育学校' ELSE '第' || k || '特殊教育学校' END
    ELSE town || '镇' || village || '教学点' END AS name,
  bench_gen.day(n::float8 / ${S}) AS created_at,
  CASE WHEN bench_gen.rnd(n, 25) < 0.1 THEN 1 ELSE 0 END AS n_upd
FROM named s JOIN bench_gen.school_type t ON t.type = s.type`);
  await g.q(`ALTER TABLE bench_gen.school ADD COLUMN id uuid, ADD COLUMN updated_at timestamptz`);
  await g.q(`UPDATE bench_gen.school SET id = bench_gen.uuid7(created_at, n, 101),
    updated_at = CASE WHEN n_upd > 0 THEN bench_gen.day(2 + (${END} - 2) * bench_gen.rnd(n, 26)) ELSE created_at END`);

  // Campuses: the main one, then extras given to a random third of the schools (not to 教学点 or special schools).
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.campus AS
WITH eligible AS (
  SELECT s.n, row_number() OVER (ORDER BY bench_gen.rnd(s.n, 31)) AS r FROM bench_gen.school s WHERE s.type NOT IN ('OTHER','SPECIAL_EDUCATION')
), extra AS (
  SELECT e, el.n AS school_n FROM generate_series(1, ${C - S}) e
  JOIN eligible el ON el.r = 1 + floor(bench_gen.rnd(e, 32) * ${Math.max(1, Math.round((C - S) / 1.5))})
), all_campuses AS (
  SELECT s.n AS school_n, 0 AS j, 0 AS e FROM bench_gen.school s
  UNION ALL
  SELECT school_n, row_number() OVER (PARTITION BY school_n ORDER BY e)::int, e FROM extra
), placed AS (
  SELECT a.*, s.id AS school_id, s.code AS school_code, s.name AS school_name, s.type, s.stages, s.created_at AS school_created,
    -- An extra campus lies in a neighbouring county of the same city now and then.
    CASE WHEN a.j > 0 AND s.n_in_city > 1 AND bench_gen.rnd(a.e, 33) < 0.18
      THEN (SELECT oc.id FROM bench_gen.county oc WHERE oc.city_id = s.city_id
              AND oc.idx_in_city = (s.idx_in_city + 1 + floor(bench_gen.rnd(a.e, 34) * (s.n_in_city - 1))::int) % s.n_in_city)
      ELSE s.county_id END AS county_id,
    row_number() OVER (ORDER BY a.school_n, a.j) AS c_no
  FROM all_campuses a JOIN bench_gen.school s ON s.n = a.school_n
), sized AS (
  SELECT p.*, CASE WHEN p.type = 'KINDERGARTEN' THEN 2 + 26 * bench_gen.rnd(c_no, 35) ^ 1.6
    ELSE 2 + 58 * bench_gen.rnd(c_no, 35) ^ CASE WHEN j = 0 THEN 2.1 ELSE 2.6 END END AS raw
  FROM placed p
), scaled AS (
  SELECT z.*, greatest(2, least(60, round(raw * ${staff} / sum(raw) OVER ()))) AS n1 FROM sized z
)
-- Scaled twice: the clamp to 2-60 moves the total, the second pass brings it back near the target.
SELECT f.*, greatest(2, least(60, round(raw * ${staff} / sum(raw) OVER () * ${staff} / sum(n1) OVER ())))::int AS staff_n FROM scaled f`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.campus2 AS
SELECT c.*, co.code AS county_code, co.name AS county_name, co.city_id, co.idx_in_city, co.n_in_city, co.district,
  CASE WHEN c.j = 0 THEN c.school_name
    ELSE c.school_name || coalesce((${textArray(CAMPUS_SUFFIXES)})[c.j], '第' || (c.j + 1) || '校区') END AS name,
  ur.urban_rural,
  CASE ur.urban_rural WHEN 'URBAN' THEN CASE WHEN bench_gen.rnd(c.c_no, 37) < 0.7 THEN '111' ELSE '112' END
    WHEN 'TOWN' THEN bench_gen.pick(ARRAY['121','121','122','123'], bench_gen.rnd(c.c_no, 37))
    ELSE CASE WHEN bench_gen.rnd(c.c_no, 37) < 0.3 THEN '210' ELSE '220' END END AS urban_rural_code,
  c.staff_n * CASE WHEN c.type = 'KINDERGARTEN' THEN 8 + floor(4 * bench_gen.rnd(c.c_no, 38)) ELSE 11 + floor(7 * bench_gen.rnd(c.c_no, 38)) END AS student_count,
  co.name || (${textArray(TOWNS)})[1 + floor(bench_gen.rnd(c.c_no, 39) * ${TOWNS.length})::int] || '路' || (1 + floor(bench_gen.rnd(c.c_no, 40) * 300)::int) || '号' AS address,
  CASE WHEN c.j = 0 THEN c.school_created + interval '1 second' ELSE bench_gen.day(1 + c.e::float8 / ${Math.max(1, C - S)}) END AS created_at,
  CASE WHEN bench_gen.rnd(c.c_no, 41) < 0.3 THEN 1 ELSE 0 END AS n_upd
FROM bench_gen.campus c
JOIN bench_gen.county co ON co.id = c.county_id
CROSS JOIN LATERAL (SELECT CASE
  WHEN c.staff_n / 60.0 * 0.8 + CASE WHEN co.district THEN 0.35 ELSE 0 END + 0.3 * bench_gen.rnd(c.c_no, 36) > 0.7 THEN 'URBAN'
  WHEN c.staff_n / 60.0 * 0.8 + CASE WHEN co.district THEN 0.35 ELSE 0 END + 0.3 * bench_gen.rnd(c.c_no, 36) > 0.35 THEN 'TOWN'
  ELSE 'RURAL' END AS urban_rural) ur`);
  await g.q(`DROP TABLE bench_gen.campus`);
  await g.q(`ALTER TABLE bench_gen.campus2 RENAME TO campus`);
  await g.q(`ALTER TABLE bench_gen.campus ADD COLUMN id uuid, ADD COLUMN updated_at timestamptz`);
  await g.q(`UPDATE bench_gen.campus SET id = bench_gen.uuid7(created_at, c_no, 102),
    updated_at = CASE WHEN n_upd > 0 THEN created_at + (bench_gen.day(${END}) - created_at) * (0.2 + 0.8 * bench_gen.rnd(c_no, 42)) ELSE created_at END`);
  await g.q(`CREATE INDEX ON bench_gen.campus (id)`);
  await g.q(`CREATE INDEX ON bench_gen.campus (c_no)`);

  await g.q(`
INSERT INTO school (id, code, name, type, type_code, jurisdiction_id, supervising_jurisdiction_id, created_at, updated_at)
SELECT id, code, name, type, type_code, county_id, supervising_id, created_at, updated_at FROM bench_gen.school ORDER BY id`);
  await g.q(`
INSERT INTO campus (id, school_id, name, stages, urban_rural, urban_rural_code, jurisdiction_id, address, student_count, class_count, created_at, updated_at)
SELECT id, school_id, name, stages, urban_rural, urban_rural_code, county_id, address, student_count,
  greatest(1, ceil(student_count / CASE WHEN type = 'KINDERGARTEN' THEN 28.0 ELSE 42.0 END))::int, created_at, updated_at
FROM bench_gen.campus ORDER BY id`);
  await g.q(`
INSERT INTO bench_gen.life (entity_type, id, natural_key, created_at, updated_at, n_upd)
SELECT 'School', id, code, created_at, updated_at, n_upd FROM bench_gen.school
UNION ALL SELECT 'Campus', id, school_code || '/' || name, created_at, updated_at, n_upd FROM bench_gen.campus`);
}
