import { Gen } from '../gen';

/**
 * Group policies (group_policy, server/policy/entity.ts), each setting set as a whole:
 * - the province of the area: the rotation rule of the national guidance (at least 10% of
 *   teachers a year, backbone teachers at least 20% of those posted, every posting type
 *   counting) and a coverage target (80% of compulsory-stage campuses by the end of 2027);
 * - its cities (about three in four, always the area itself when it is a city): the special
 *   fund (专项经费), a base per group and an amount per member campus by size;
 * - about three counties in ten of the area: their own rotation rule counting 交流轮岗, 骨干
 *   柔性流动 and 送教走教 only (not 跟岗学习, SHADOWING), as 甘州区 does [004 §四(三)2]; about
 *   one in six a coverage target over 义务教育 and 高中阶段 (coverage_stages); one in ten its own fund;
 * - 甘州区 (620702), when in the area, its documented policy (as the demo has it).
 * Policy writes are audited, not on the change feed: nothing else to write.
 */
export async function generatePolicies(g: Gen): Promise<void> {
  const area = g.scale.area;
  const province = `${area.slice(0, 2)}0000`;
  const bands = (base: string) => `jsonb_build_array(
      jsonb_build_object('minStudents', 1000, 'amount', (${base}) * 3),
      jsonb_build_object('minStudents', 500, 'amount', (${base}) * 2),
      jsonb_build_object('minStudents', 0, 'amount', ${base}))`;
  await g.q(`
INSERT INTO group_policy (jurisdiction_id, min_annual_rotation_rate, min_backbone_share_of_posted, rotation_posting_types,
  coverage_target, coverage_deadline, coverage_stages, funding_base_amount, funding_bands, created_at, updated_at)
WITH area AS (SELECT j.id FROM jurisdiction j WHERE j.code = '${area}'),
units AS (
  SELECT j.id, j.code, j.level,
    row_number() OVER (PARTITION BY j.level ORDER BY bench_gen.rnd(j.code::bigint, 211)) AS r,
    count(*) OVER (PARTITION BY j.level) AS n
  FROM jurisdiction j JOIN jurisdiction_ancestor a ON a.jurisdiction_id = j.id JOIN area ON a.ancestor_id = area.id
  WHERE j.level IN ('CITY', 'COUNTY', 'ZONE')
), rows AS (
  SELECT j.id, 0.10 AS rate, 0.20 AS backbone, NULL::text[] AS types, 0.8 AS coverage, DATE '2027-12-31' AS deadline, NULL::text[] AS stages,
    NULL::int AS base
  FROM jurisdiction j WHERE j.code = '${province}'
  UNION ALL
  SELECT u.id, NULL, NULL, NULL, NULL, NULL, NULL, 10000 * (8 + floor(13 * bench_gen.rnd(u.code::bigint, 212))::int)
  FROM units u WHERE u.level = 'CITY' AND (u.code = '${area}' OR bench_gen.rnd(u.code::bigint, 213) < 0.75)
  UNION ALL
  SELECT u.id,
    CASE WHEN rot THEN round((0.05 + 0.1 * bench_gen.rnd(u.code::bigint, 214))::numeric, 2) END,
    CASE WHEN rot THEN 0.20 END,
    CASE WHEN rot THEN ARRAY['ROTATION','SECONDMENT','TEACHING_SUPPORT'] END,
    CASE WHEN cov THEN 1.0 END,
    CASE WHEN cov THEN make_date(2025 + floor(3 * bench_gen.rnd(u.code::bigint, 215))::int, 12, 31) END,
    CASE WHEN cov THEN ARRAY['PRIMARY','JUNIOR','SENIOR','VOCATIONAL'] END,
    CASE WHEN fund THEN 10000 * (5 + floor(10 * bench_gen.rnd(u.code::bigint, 216))::int) END
  FROM units u
  CROSS JOIN LATERAL (SELECT u.r <= greatest(1, round(u.n * 0.3)) AS rot, bench_gen.rnd(u.code::bigint, 217) < 0.17 AS cov,
    bench_gen.rnd(u.code::bigint, 218) < 0.1 AS fund) x
  WHERE u.level IN ('COUNTY', 'ZONE') AND u.code <> '620702' AND (rot OR cov OR fund)
  UNION ALL
  -- 甘州区 [004]: as in server/demo/seed.ts.
  SELECT u.id, 0.05, 0.2, ARRAY['ROTATION','SECONDMENT','TEACHING_SUPPORT'], 1.0, DATE '2024-12-31', ARRAY['PRIMARY','JUNIOR','SENIOR','VOCATIONAL'], NULL
  FROM units u WHERE u.code = '620702'
)
SELECT id, rate, backbone, types, coverage, deadline, stages, base,
  CASE WHEN base IS NOT NULL THEN ${bands('base / 10')} END,
  bench_gen.day(0.5), bench_gen.day(0.5)
FROM rows ORDER BY id`);
}
