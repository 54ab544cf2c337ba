import { Gen } from '../gen';
import { END } from './base';

/**
 * Postings (交流轮岗) between campuses of the teacher's own running group: lead staff go out
 * to members (rotation, teaching support, cadres seconded as vice-principals), member staff
 * come to the lead (shadowing, rotation). School years 2022-2023 to 2026-2027 (the current
 * one): past postings COMPLETED or CANCELLED, this year's mostly ACTIVE, some PLANNED for the
 * spring term. Only a person's latest posting can be open: at most one PLANNED/ACTIVE each.
 * A posting starts once both campuses are in the group (the later of their joining days).
 */
export async function generatePostings(g: Gen): Promise<void> {
  const target = g.scale.postings;
  // Running groups with their campuses: the lead first, then active members.
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.gc AS
SELECT gr.id AS group_id, gr.g_no, gr.lead_campus_id, gr.established_on,
  array_agg(m.campus_id ORDER BY m.ord) FILTER (WHERE m.role = 'MEMBER') AS members
FROM bench_gen.grp gr JOIN bench_gen.mem m ON m.group_id = gr.id AND m.status = 'ACTIVE'
WHERE gr.status IN ('ACTIVE','SUSPENDED')
GROUP BY gr.id, gr.g_no, gr.lead_campus_id, gr.established_on
HAVING count(*) FILTER (WHERE m.role = 'MEMBER') > 0`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.cand AS
SELECT s.id AS staff_id, s.ord, s.role, s.home_campus_id, gc.group_id, gc.g_no, gc.lead_campus_id, gc.members, gc.established_on,
  m.joined_on AS home_joined_on, s.home_campus_id = gc.lead_campus_id AS from_lead
FROM bench_gen.staff s
JOIN bench_gen.mem m ON m.campus_id = s.home_campus_id AND m.status = 'ACTIVE'
JOIN bench_gen.gc gc ON gc.group_id = m.group_id
WHERE s.role IN ('TEACHER','MIDDLE_MANAGER','VICE_PRINCIPAL')`);
  const [{ n }] = await g.q(`SELECT count(*)::int AS n FROM bench_gen.cand`);
  // k postings per candidate (0, 1 or 2) with mean p, so that the total comes near the target; trimmed to it below.
  const p = Math.min(1, (target * 1.25) / Math.max(1, n));
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.post AS
WITH k AS (
  SELECT c.*, CASE WHEN bench_gen.rnd(c.ord, 101) < ${p * 0.25} THEN 2 WHEN bench_gen.rnd(c.ord, 101) < ${p * 0.75} THEN 1 ELSE 0 END AS k,
    -- The school year of the latest posting: 2026 is the current one (2026-2027).
    CASE WHEN bench_gen.rnd(c.ord, 102) < 0.38 THEN 2026 WHEN bench_gen.rnd(c.ord, 102) < 0.68 THEN 2025
      WHEN bench_gen.rnd(c.ord, 102) < 0.86 THEN 2024 ELSE 2023 END AS last_year
  FROM bench_gen.cand c
), each AS (
  SELECT k.*, j, k.last_year - (k.k - j) AS y, j = k.k AS latest, k.ord * 4 + j AS h
  FROM k CROSS JOIN LATERAL generate_series(1, k.k) j
), shaped AS (
  SELECT e.*,
    CASE WHEN e.y = 2026 AND e.latest THEN CASE WHEN bench_gen.rnd(e.h, 103) < 0.72 THEN 'ACTIVE' WHEN bench_gen.rnd(e.h, 103) < 0.84 THEN 'PLANNED' ELSE 'CANCELLED' END
      ELSE CASE WHEN bench_gen.rnd(e.h, 103) < 0.92 THEN 'COMPLETED' ELSE 'CANCELLED' END END AS status,
    CASE WHEN e.from_lead THEN e.members[1 + floor(bench_gen.rnd(e.h, 104) * cardinality(e.members))::int]
      WHEN bench_gen.rnd(e.h, 105) < 0.8 OR cardinality(e.members) < 2 THEN e.lead_campus_id
      ELSE (SELECT x FROM unnest(e.members) x WHERE x <> e.home_campus_id ORDER BY bench_gen.rnd(e.h + hashtext(x::text), 106) LIMIT 1) END AS to_campus_id,
    CASE WHEN e.from_lead THEN CASE
        WHEN e.role IN ('MIDDLE_MANAGER','VICE_PRINCIPAL') AND e.latest AND bench_gen.rnd(e.h, 107) < 0.5 THEN 'SECONDMENT'
        WHEN bench_gen.rnd(e.h, 108) < 0.6 THEN 'ROTATION' ELSE 'TEACHING_SUPPORT' END
      ELSE CASE WHEN bench_gen.rnd(e.h, 108) < 0.45 THEN 'SHADOWING' WHEN bench_gen.rnd(e.h, 108) < 0.9 THEN 'ROTATION' ELSE 'TEACHING_SUPPORT' END END AS type
  FROM each e
  -- Not before the group existed, nor before the home campus joined it.
  WHERE make_date(e.y, 12, 31) >= greatest(e.established_on, e.home_joined_on)
)
SELECT s.*, row_number() OVER (ORDER BY bench_gen.rnd(s.h, 109)) AS pick, d.start_date
FROM shaped s
JOIN bench_gen.mem tm ON tm.group_id = s.group_id AND tm.campus_id = s.to_campus_id AND tm.status = 'ACTIVE'
-- While both campuses are in the group (a posting counts while its campuses are members: memberships/sql.ts):
-- from the later of their joining days; planned ones for the spring term.
CROSS JOIN LATERAL (SELECT CASE WHEN s.status = 'PLANNED' THEN DATE '2027-02-20'
  ELSE greatest(s.established_on, s.home_joined_on, tm.joined_on, make_date(s.y, 9, 1) + floor(14 * bench_gen.rnd(s.h, 110))::int) END AS start_date) d
-- A posting that could only start after the spring term's middle did not take place that year.
WHERE d.start_date <= make_date(s.y + 1, 4, 30)`);
  await g.q(`DELETE FROM bench_gen.post WHERE pick > ${target}`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.post2 AS
SELECT p.*,
  CASE WHEN p.status = 'CANCELLED' THEN NULL
    WHEN p.status = 'PLANNED' THEN DATE '2027-07-10'
    WHEN p.type = 'SECONDMENT' AND p.status <> 'COMPLETED' THEN make_date(p.y + 2, 7, 15)
    -- A term (to 20 January), or two months when it started late, within the school year.
    WHEN p.type IN ('SHADOWING','TEACHING_SUPPORT') THEN least(make_date(p.y + 1, 7, 15), greatest(make_date(p.y + 1, 1, 20), p.start_date + 60))
    ELSE make_date(p.y + 1, 7, 15) END AS end_date,
  CASE WHEN p.type = 'SECONDMENT' THEN 'VICE_PRINCIPAL' ELSE 'TEACHER' END AS host_role,
  (fc.urban_rural = 'URBAN' AND tc.urban_rural <> 'URBAN') AS rural,
  bench_gen.day(30 + 20 * (p.pick - 1)::float8 / ${target}) AS created_at,
  CASE p.status WHEN 'PLANNED' THEN 0 WHEN 'ACTIVE' THEN 1 WHEN 'CANCELLED' THEN 1 ELSE 2 END AS n_upd
FROM bench_gen.post p
JOIN bench_gen.campus fc ON fc.id = p.home_campus_id
JOIN bench_gen.campus tc ON tc.id = p.to_campus_id`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.post3 AS
SELECT p.*, bench_gen.uuid7(p.created_at, p.h, 107) AS id,
  CASE WHEN p.n_upd > 0 THEN p.created_at + (bench_gen.day(${END}) - p.created_at) * (0.2 + 0.8 * bench_gen.rnd(p.h, 112)) ELSE p.created_at END AS updated_at
FROM bench_gen.post2 p`);
  await g.q(`
INSERT INTO posting (id, staff_id, group_id, from_campus_id, to_campus_id, type, status, host_role, start_date, end_date,
  counts_as_rural_service, cancel_reason, created_at, updated_at)
SELECT id, staff_id, group_id, home_campus_id, to_campus_id, type, status, host_role, start_date,
  CASE WHEN end_date < start_date THEN start_date ELSE end_date END, rural,
  CASE WHEN status = 'CANCELLED' THEN bench_gen.pick(ARRAY['工作调整','个人原因','家庭原因','学校教学安排变化'], bench_gen.rnd(h, 111)) END,
  created_at, updated_at
FROM bench_gen.post3 ORDER BY id`);
  await g.q(`
INSERT INTO bench_gen.life (entity_type, id, natural_key, created_at, updated_at, n_upd)
SELECT 'Posting', id, NULL, created_at, updated_at, n_upd FROM bench_gen.post3`);
}
