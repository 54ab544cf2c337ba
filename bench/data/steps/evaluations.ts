import { PARTY_BUILDING_KEY } from '../../../server/evaluations/bundled';
import { Gen } from '../gen';
import { END } from './base';

/** The demo's indicators (server/demo/seed.ts), each target type summing to 100. */
const INDICATORS: Array<[string, string, number, 'GROUP' | 'CAMPUS']> = [
  [PARTY_BUILDING_KEY, '党建引领', 10, 'GROUP'], ['school_mode', '办学模式', 15, 'GROUP'], ['management_innovation', '管理创新', 15, 'GROUP'],
  ['research_linkage', '教科研联动', 20, 'GROUP'], ['teaching_quality', '教育教学质量', 20, 'GROUP'], ['staff_development', '教师队伍建设', 20, 'GROUP'],
  ['teaching_quality', '教育教学质量', 40, 'CAMPUS'], ['staff_development', '教师队伍建设', 30, 'CAMPUS'], ['school_outcomes', '办学成效', 30, 'CAMPUS'],
];

/**
 * Bundled evaluations (捆绑考核): about two in five bureaus supervising a running group hold the cycles
 * 2024-2025 and 2025-2026 (CLOSED, evaluations CONFIRMED) and 2026-2027 (OPEN, a quarter of
 * its groups already evaluated, DRAFT or SUBMITTED). Each group established by a year's start is
 * evaluated by the bureau, its lead campus by the bureau, members by the lead school, a third of
 * them also by a third party; scores follow a per-group quality with noise.
 */
export async function generateEvaluations(g: Gen): Promise<void> {
  const indicators = INDICATORS.map(([k, n, m, t], i) => `('${k}', '${n}', ${m}, '${t}', ${i})`).join(', ');
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.cycle AS
SELECT j.id AS jurisdiction_id, j.name AS jurisdiction_name, y.year, y.closed,
  row_number() OVER (ORDER BY y.year, j.code) AS h,
  bench_gen.day(40 + 0.001 * row_number() OVER (ORDER BY y.year, j.code)) AS created_at
FROM (SELECT DISTINCT jurisdiction_id FROM bench_gen.grp WHERE status IN ('ACTIVE','SUSPENDED')) s
JOIN jurisdiction j ON j.id = s.jurisdiction_id
CROSS JOIN (VALUES (2024, true), (2025, true), (2026, false)) y(year, closed)
-- Piloted by about two bureaus in five: an evaluation's feed keys are the costliest to compute (steps/feed.ts).
WHERE bench_gen.rnd(j.code::bigint, 158) < 0.4`);
  await g.q(`ALTER TABLE bench_gen.cycle ADD COLUMN id uuid`);
  await g.q(`UPDATE bench_gen.cycle SET id = bench_gen.uuid7(created_at, h, 111)`);
  await g.q(`
INSERT INTO evaluation_cycle (id, jurisdiction_id, name, school_year, status, closed_at, created_at, updated_at)
SELECT id, jurisdiction_id, year || '-' || (year + 1) || '学年集团化办学捆绑考核', year || '-' || (year + 1),
  CASE WHEN closed THEN 'CLOSED' ELSE 'OPEN' END, CASE WHEN closed THEN bench_gen.at9(make_date(year + 1, 8, 31)) END,
  created_at, CASE WHEN closed THEN created_at + interval '1 hour' ELSE created_at END
FROM bench_gen.cycle ORDER BY id`);
  await g.q(`
INSERT INTO evaluation_indicator (cycle_id, target_type, key, name, max_score, position)
SELECT c.id, i.target_type, i.key, i.name, i.max_score, i.position FROM bench_gen.cycle c
CROSS JOIN (VALUES ${indicators}) i(key, name, max_score, target_type, position)`);

  await g.q(`
CREATE UNLOGGED TABLE bench_gen.eval AS
WITH targets AS (
  SELECT c.id AS cycle_id, c.year, c.closed, c.h AS ch, gc.group_id, gc.g_no, gr.name AS group_name, c.jurisdiction_name,
    0.62 + 0.33 * bench_gen.rnd(gc.g_no, 151) AS quality,
    (SELECT p.name FROM jurisdiction p WHERE p.code = '${g.scale.area.slice(0, 2)}0000') AS province_name
  FROM bench_gen.cycle c
  JOIN bench_gen.grp gr ON gr.jurisdiction_id = c.jurisdiction_id AND gr.status IN ('ACTIVE','SUSPENDED')
    AND gr.established_on <= make_date(c.year, 9, 1)
  JOIN bench_gen.gc gc ON gc.group_id = gr.id
  WHERE c.closed OR bench_gen.rnd(gc.g_no * 8 + c.year, 152) < 0.25
), e AS (
  SELECT t.*, 'GROUP' AS target_type, t.group_id AS tg, NULL::uuid AS campus_id, 'BUREAU' AS kind, t.jurisdiction_name || '教育局' AS evaluator, 0 AS slot
  FROM targets t
  UNION ALL
  SELECT t.*, 'CAMPUS', NULL, m.campus_id, k.kind,
    CASE k.kind WHEN 'BUREAU' THEN t.jurisdiction_name || '教育局' WHEN 'LEAD_SCHOOL' THEN t.group_name || '龙头校' ELSE t.province_name || '教育评估监测中心' END,
    m.ord * 4 + k.n
  FROM targets t
  JOIN bench_gen.mem m ON m.group_id = t.group_id AND m.status = 'ACTIVE' AND m.joined_on <= make_date(t.year, 9, 1)
  CROSS JOIN LATERAL (VALUES (CASE WHEN m.role = 'LEAD' THEN 'BUREAU' ELSE 'LEAD_SCHOOL' END, 1), ('THIRD_PARTY', 2)) k(kind, n)
  WHERE k.n = 1 OR (m.role = 'MEMBER' AND bench_gen.rnd(m.ord + t.year, 153) < 0.3)
)
SELECT e.*, row_number() OVER (ORDER BY e.ch, e.g_no, e.slot) AS h,
  CASE WHEN e.closed THEN 'CONFIRMED' WHEN bench_gen.rnd(e.g_no + e.slot, 154) < 0.5 THEN 'SUBMITTED' ELSE 'DRAFT' END AS status
FROM e`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.score AS
SELECT e.h, i.key, round(least(1, greatest(0, e.quality + (bench_gen.rnd(e.h * 16 + i.position, 155) - 0.5) * 0.12
  - CASE WHEN e.kind = 'THIRD_PARTY' THEN 0.04 ELSE 0 END)) * i.max_score * 2) / 2 AS score
FROM bench_gen.eval e JOIN evaluation_indicator i ON i.cycle_id = e.cycle_id AND i.target_type = e.target_type`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.eval2 AS
SELECT e.*, t.total, bench_gen.day(41 + 14 * bench_gen.rnd(e.h, 156)) AS created_at,
  CASE e.status WHEN 'CONFIRMED' THEN 2 WHEN 'SUBMITTED' THEN 1 ELSE 0 END AS n_upd
FROM bench_gen.eval e JOIN (SELECT h, sum(score) AS total FROM bench_gen.score GROUP BY h) t ON t.h = e.h`);
  await g.q(`ALTER TABLE bench_gen.eval2 ADD COLUMN id uuid, ADD COLUMN updated_at timestamptz`);
  await g.q(`UPDATE bench_gen.eval2 SET id = bench_gen.uuid7(created_at, h, 112), updated_at = CASE WHEN n_upd > 0
    THEN created_at + (bench_gen.day(${END}) - created_at) * (0.3 + 0.7 * bench_gen.rnd(h, 157)) ELSE created_at END`);
  await g.q(`
INSERT INTO evaluation (id, cycle_id, target_type, group_id, campus_id, evaluator_kind, evaluator_name, status, total_score, created_at, updated_at)
SELECT id, cycle_id, target_type, tg, campus_id, kind, evaluator, status, total, created_at, updated_at FROM bench_gen.eval2 ORDER BY id`);
  await g.q(`
INSERT INTO evaluation_score (evaluation_id, indicator_key, score)
SELECT e.id, s.key, s.score FROM bench_gen.score s JOIN bench_gen.eval2 e ON e.h = s.h`);
  await g.q(`
INSERT INTO bench_gen.life (entity_type, id, natural_key, created_at, updated_at, n_upd)
SELECT 'EvaluationCycle', id, NULL, created_at, CASE WHEN closed THEN created_at + interval '1 hour' ELSE created_at END, closed::int FROM bench_gen.cycle
UNION ALL SELECT 'Evaluation', id, NULL, created_at, updated_at, n_upd FROM bench_gen.eval2`);
}
