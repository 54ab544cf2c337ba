import { Gen } from '../gen';
import { END } from './base';

/**
 * Education groups and their memberships. Leads are drawn among the larger campuses; about
 * 84% of groups are ACTIVE, the rest PROPOSED (the lead only), SUSPENDED or DISSOLVED (every
 * membership EXITED). Members come from the lead's county, and for about one group in six
 * partly from a neighbouring county of the same city (most groups led by a city-run school).
 * Kindergartens group with kindergartens. A campus is an ACTIVE member of at most one group;
 * some groups also have a past member, a pending application, a rejected or a withdrawn one.
 * Memberships per group stay at ten or fewer.
 */
export async function generateGroups(g: Gen): Promise<void> {
  const G = g.scale.groups;
  const dissolved = Math.round(G * 0.06);
  const alive = G - dissolved;
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.grp AS
WITH ranked AS (
  SELECT c.c_no, c.id AS lead_campus_id, c.name AS lead_name, c.county_id AS lead_county_id, c.city_id, c.idx_in_city, c.n_in_city,
    c.type, (c.type = 'KINDERGARTEN') AS kg, s.supervising_id AS jurisdiction_id, (s.supervising_id <> s.county_id) AS city_run,
    row_number() OVER (ORDER BY bench_gen.rnd(c.c_no, 43) * (0.4 + c.staff_n / 60.0) DESC) AS lead_rank
  FROM bench_gen.campus c JOIN bench_gen.school s ON s.id = c.school_id
  WHERE c.type NOT IN ('SPECIAL_EDUCATION', 'OTHER')
), leads AS (
  SELECT r.*, row_number() OVER (ORDER BY bench_gen.rnd(r.c_no, 44)) AS g_no,
    CASE WHEN lead_rank > ${alive} THEN 'DISSOLVED'
      WHEN bench_gen.rnd(c_no, 45) < 0.068 THEN 'PROPOSED'
      WHEN bench_gen.rnd(c_no, 45) < 0.114 THEN 'SUSPENDED' ELSE 'ACTIVE' END AS status,
    CASE WHEN type = 'VOCATIONAL_SECONDARY' THEN 'VOCATIONAL_ALLIANCE'
      WHEN bench_gen.rnd(c_no, 46) < 0.28 THEN 'CLOSE' WHEN bench_gen.rnd(c_no, 46) < 0.72 THEN 'ALLIANCE'
      WHEN bench_gen.rnd(c_no, 46) < 0.86 THEN 'TRUSTEESHIP' ELSE 'COMMUNITY' END AS mode
  FROM ranked r WHERE lead_rank <= ${G}
), shaped AS (
  SELECT l.*,
    CASE status WHEN 'PROPOSED' THEN 0 WHEN 'DISSOLVED' THEN 1 + floor(4 * bench_gen.rnd(g_no, 47))::int
      ELSE least(9, 1 + floor(9 * bench_gen.rnd(g_no, 47) ^ 1.9)::int) END AS m,
    (status IN ('ACTIVE','SUSPENDED') AND n_in_city > 1 AND bench_gen.rnd(g_no, 48) < CASE WHEN city_run THEN 0.7 ELSE 0.14 END) AS cross_county,
    CASE WHEN status = 'PROPOSED' THEN NULL
      ELSE make_date(2018 + floor(bench_gen.rnd(g_no, 49) * CASE WHEN status = 'DISSOLVED' THEN 4 ELSE 8 END)::int, 9, 1)
        + floor(45 * bench_gen.rnd(g_no, 50))::int END AS established_on,
    (status <> 'PROPOSED' AND bench_gen.rnd(g_no, 54) < 0.75) AS chartered,
    bench_gen.day(2 + 4 * (g_no - 1)::float8 / ${G}) AS created_at
  FROM leads l
)
SELECT s.*,
  bench_gen.uuid7(created_at, g_no, 103) AS id,
  lead_name || CASE mode WHEN 'VOCATIONAL_ALLIANCE' THEN '职业教育联盟' WHEN 'ALLIANCE' THEN '教育联盟'
    WHEN 'COMMUNITY' THEN '教育共同体' ELSE '教育集团' END AS name,
  CASE WHEN cross_county THEN least(m, 1 + floor(3 * bench_gen.rnd(g_no, 55))::int) ELSE 0 END AS x,
  CASE WHEN status = 'DISSOLVED' THEN least(DATE '2026-10-31', established_on + 365 + floor(900 * bench_gen.rnd(g_no, 56))::int) END AS dissolved_on,
  CASE status WHEN 'ACTIVE' THEN 1 WHEN 'SUSPENDED' THEN 2 WHEN 'DISSOLVED' THEN 2 ELSE 0 END + CASE WHEN chartered THEN 1 ELSE 0 END AS n_upd
FROM shaped s`);
  await g.q(`ALTER TABLE bench_gen.grp ADD COLUMN updated_at timestamptz`);
  await g.q(`UPDATE bench_gen.grp SET updated_at = CASE WHEN n_upd > 0
    THEN created_at + (bench_gen.day(${END}) - created_at) * (0.3 + 0.7 * bench_gen.rnd(g_no, 57)) ELSE created_at END`);
  await g.q(`CREATE INDEX ON bench_gen.grp (id)`);

  // Member slots: each in the lead's county, or (the first x of a cross-county group) a neighbouring one.
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.slot AS
SELECT t.*, row_number() OVER (PARTITION BY county_id, kg ORDER BY bench_gen.rnd(g_no * 16 + slot, 53)) AS r FROM (
  SELECT gr.id AS group_id, gr.g_no, s AS slot, gr.kg,
    CASE WHEN s <= gr.x THEN (SELECT oc.id FROM bench_gen.county oc WHERE oc.city_id = gr.city_id
        AND oc.idx_in_city = (gr.idx_in_city + 1 + floor(bench_gen.rnd(gr.g_no * 16 + s, 51) * (gr.n_in_city - 1))::int) % gr.n_in_city)
      ELSE gr.lead_county_id END AS county_id
  FROM bench_gen.grp gr CROSS JOIN LATERAL generate_series(1, gr.m) s WHERE gr.status IN ('ACTIVE','SUSPENDED')
) t`);
  // Campuses free to join: not leading a running group. Matched to slots by rank within (county, kindergarten or not).
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.pool AS
SELECT c.id AS campus_id, c.county_id, c.c_no, (c.type = 'KINDERGARTEN') AS kg,
  row_number() OVER (PARTITION BY c.county_id, c.type = 'KINDERGARTEN' ORDER BY bench_gen.rnd(c.c_no, 52)) AS r
FROM bench_gen.campus c
WHERE NOT EXISTS (SELECT 1 FROM bench_gen.grp gr WHERE gr.lead_campus_id = c.id AND gr.status <> 'DISSOLVED')`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.matched AS
SELECT s.group_id, s.g_no, s.slot, p.campus_id FROM bench_gen.slot s JOIN bench_gen.pool p ON p.county_id = s.county_id AND p.kg = s.kg AND p.r = s.r`);
  // What is left of the pool serves past members and applications (never active anywhere: no unique index can trip).
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.leftover AS
SELECT p.campus_id, p.county_id, row_number() OVER (PARTITION BY p.county_id ORDER BY bench_gen.rnd(p.c_no, 58)) AS r
FROM bench_gen.pool p WHERE NOT EXISTS (SELECT 1 FROM bench_gen.matched m WHERE m.campus_id = p.campus_id)`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.county_campus AS
SELECT c.id AS campus_id, c.county_id, row_number() OVER (PARTITION BY c.county_id ORDER BY c.c_no) AS pos,
  count(*) OVER (PARTITION BY c.county_id) AS cnt
FROM bench_gen.campus c`);

  await g.q(`
CREATE UNLOGGED TABLE bench_gen.mem AS
WITH history AS (
  SELECT h.*, row_number() OVER (PARTITION BY h.lead_county_id ORDER BY bench_gen.rnd(h.g_no, 59)) AS r FROM (
    SELECT gr.*, CASE WHEN bench_gen.rnd(gr.g_no, 61) < 0.08 THEN 'EXITED' WHEN bench_gen.rnd(gr.g_no, 61) < 0.13 THEN 'APPLIED'
        WHEN bench_gen.rnd(gr.g_no, 61) < 0.17 THEN 'REJECTED' WHEN bench_gen.rnd(gr.g_no, 61) < 0.20 THEN 'WITHDRAWN' END AS hstatus
    FROM bench_gen.grp gr WHERE gr.status = 'ACTIVE' AND gr.m <= 8
  ) h WHERE h.hstatus IS NOT NULL
), rows AS (
  -- Leads: active from the group's start (a proposed group's lead from its proposal); a dissolved group's left with it.
  SELECT gr.id AS group_id, gr.g_no, 0 AS slot, gr.lead_campus_id AS campus_id, 'LEAD' AS role,
    CASE WHEN gr.status = 'DISSOLVED' THEN 'EXITED' ELSE 'ACTIVE' END AS status,
    NULL::timestamptz AS applied_at, coalesce(gr.established_on, (gr.created_at AT TIME ZONE 'Asia/Shanghai')::date) AS joined_on,
    gr.dissolved_on AS left_on, gr.created_at + interval '1 second' AS created_at,
    CASE WHEN gr.status = 'DISSOLVED' THEN 1 ELSE 0 END AS n_upd
  FROM bench_gen.grp gr
  UNION ALL
  SELECT m.group_id, m.g_no, m.slot, m.campus_id, 'MEMBER', 'ACTIVE', NULL, j.joined_on, NULL,
    gr.created_at + (1 + 8 * bench_gen.rnd(m.g_no * 16 + m.slot, 63)) * interval '1 day', 1
  FROM bench_gen.matched m JOIN bench_gen.grp gr ON gr.id = m.group_id
  CROSS JOIN LATERAL (SELECT least(DATE '2026-10-31', gr.established_on + floor(700 * bench_gen.rnd(m.g_no * 16 + m.slot, 62))::int) AS joined_on) j
  UNION ALL
  SELECT h.id, h.g_no, 10, l.campus_id, 'MEMBER', h.hstatus, NULL,
    CASE WHEN h.hstatus = 'EXITED' THEN h.established_on + floor(300 * bench_gen.rnd(h.g_no, 64))::int END,
    CASE WHEN h.hstatus = 'EXITED' THEN least(DATE '2026-10-31', h.established_on + 500 + floor(700 * bench_gen.rnd(h.g_no, 65))::int) END,
    CASE WHEN h.hstatus = 'APPLIED' THEN bench_gen.day(48 + 11 * bench_gen.rnd(h.g_no, 66))
      ELSE h.created_at + (1 + 8 * bench_gen.rnd(h.g_no, 66)) * interval '1 day' END,
    CASE h.hstatus WHEN 'EXITED' THEN 2 WHEN 'APPLIED' THEN 0 ELSE 1 END
  FROM history h JOIN bench_gen.leftover l ON l.county_id = h.lead_county_id AND l.r = h.r
  UNION ALL
  -- A dissolved group's members, picked around its lead's county; all left on dissolution.
  SELECT * FROM (SELECT DISTINCT ON (gr.id, cc.campus_id) gr.id, gr.g_no, s, cc.campus_id, 'MEMBER', 'EXITED', NULL::timestamptz,
    least(gr.dissolved_on, gr.established_on + floor(100 * bench_gen.rnd(gr.g_no * 16 + s, 67))::int), gr.dissolved_on,
    gr.created_at + (1 + 8 * bench_gen.rnd(gr.g_no * 16 + s, 68)) * interval '1 day', 2
  FROM bench_gen.grp gr CROSS JOIN LATERAL generate_series(1, gr.m) s
  JOIN bench_gen.county_campus cc ON cc.county_id = gr.lead_county_id
    AND cc.pos = 1 + (floor(bench_gen.rnd(gr.g_no, 69) * cc.cnt)::int + s * 7) % cc.cnt
  WHERE gr.status = 'DISSOLVED' AND cc.campus_id <> gr.lead_campus_id
  ORDER BY gr.id, cc.campus_id, s) d
)
SELECT r.*, row_number() OVER (ORDER BY r.created_at, r.g_no, r.slot) AS ord FROM rows r`);
  // Dates that follow from the others, the approval chain (memberships/mutations.ts approvalChain: against the group's
  // supervising bureau, the lead school's supervisor; the common parent is the nearest bureau above it and the campus), ids and times.
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.mem2 AS
SELECT m.*, gr.jurisdiction_id AS supervising, c.county_id AS home,
  bench_gen.uuid7(m.created_at, m.ord, 104) AS id,
  CASE WHEN m.role = 'LEAD' THEN NULL WHEN m.status = 'APPLIED' THEN bench_gen.at9(DATE '2026-09-01' + floor(85 * bench_gen.rnd(m.ord, 70))::int)
    WHEN m.joined_on IS NOT NULL THEN bench_gen.at9(m.joined_on - 10 - floor(30 * bench_gen.rnd(m.ord, 70))::int)
    ELSE bench_gen.at9(coalesce(gr.established_on, DATE '2024-09-01') + floor(700 * bench_gen.rnd(m.ord, 70))::int) END AS applied,
  (SELECT a.ancestor_id FROM jurisdiction_ancestor a JOIN jurisdiction_ancestor b ON b.ancestor_id = a.ancestor_id
    WHERE a.jurisdiction_id = c.county_id AND b.jurisdiction_id = gr.jurisdiction_id ORDER BY a.depth LIMIT 1) AS common,
  CASE WHEN m.n_upd > 0 THEN m.created_at + (bench_gen.day(${END}) - m.created_at) * (0.2 + 0.8 * bench_gen.rnd(m.ord, 71)) ELSE m.created_at END AS updated_at
FROM bench_gen.mem m JOIN bench_gen.grp gr ON gr.id = m.group_id JOIN bench_gen.campus c ON c.id = m.campus_id`);
  await g.q(`DROP TABLE bench_gen.mem`);
  await g.q(`ALTER TABLE bench_gen.mem2 RENAME TO mem`);
  await g.q(`ALTER TABLE bench_gen.mem ADD COLUMN chain text[]`);
  await g.q(`UPDATE bench_gen.mem SET chain = CASE WHEN role = 'LEAD' THEN '{}'::text[] ELSE ARRAY['GROUP_COUNCIL','SUPERVISING_BUREAU']
    || CASE WHEN home <> supervising THEN ARRAY['HOME_BUREAU'] ELSE '{}'::text[] END
    || CASE WHEN home <> supervising AND common <> supervising AND common <> home THEN ARRAY['COMMON_PARENT_BUREAU'] ELSE '{}'::text[] END END`);

  await g.q(`
INSERT INTO education_group (id, name, mode, status, jurisdiction_id, lead_campus_id, legal_entity, established_on, dissolved_on,
  charter_title, charter_uri, charter_filed_on, created_at, updated_at)
SELECT gr.id, gr.name, gr.mode, gr.status, gr.jurisdiction_id, gr.lead_campus_id, gr.mode = 'CLOSE' AND bench_gen.rnd(gr.g_no, 72) < 0.15,
  gr.established_on, gr.dissolved_on,
  CASE WHEN chartered THEN gr.name || '章程' END,
  CASE WHEN chartered THEN 'charters/' || co.code || '/' || gr.g_no || '.pdf' END,
  CASE WHEN chartered THEN gr.established_on + floor(30 * bench_gen.rnd(gr.g_no, 73))::int END,
  gr.created_at, gr.updated_at
FROM bench_gen.grp gr JOIN bench_gen.county co ON co.id = gr.lead_county_id ORDER BY gr.id`);
  await g.q(`
INSERT INTO group_membership (id, group_id, campus_id, role, status, applied_at, joined_on, left_on, required_approvals, created_at, updated_at)
SELECT id, group_id, campus_id, role, status, applied, joined_on, left_on, chain, created_at, updated_at FROM bench_gen.mem ORDER BY id`);
  // Decisions recorded along each chain: all approved for members that joined; the last step refused a rejected one;
  // the group council has already agreed to half the pending applications.
  await g.q(`
INSERT INTO membership_approval (id, membership_id, authority, jurisdiction_id, decision, decided_by, decided_at, comment)
SELECT bench_gen.uuid7(m.created_at + pos * interval '1 hour', m.ord * 8 + pos, 105), m.id, a.authority,
  CASE a.authority WHEN 'GROUP_COUNCIL' THEN NULL WHEN 'SUPERVISING_BUREAU' THEN m.supervising WHEN 'HOME_BUREAU' THEN m.home ELSE m.common END,
  CASE WHEN m.status = 'REJECTED' AND pos = cardinality(m.chain) THEN 'REJECTED' ELSE 'APPROVED' END,
  CASE WHEN a.authority = 'GROUP_COUNCIL' THEN 'group-admin:' || m.g_no ELSE 'bureau-admin:' || j.code END,
  m.applied + pos * interval '3 days',
  CASE WHEN m.status = 'REJECTED' AND pos = cardinality(m.chain) THEN '办学条件暂不符合集团要求' END
FROM bench_gen.mem m CROSS JOIN LATERAL unnest(m.chain) WITH ORDINALITY a(authority, pos)
LEFT JOIN jurisdiction j ON j.id = CASE a.authority WHEN 'SUPERVISING_BUREAU' THEN m.supervising WHEN 'HOME_BUREAU' THEN m.home ELSE m.common END
WHERE m.role = 'MEMBER' AND (m.status IN ('ACTIVE','EXITED','REJECTED') OR (m.status = 'APPLIED' AND pos = 1 AND bench_gen.rnd(m.ord, 74) < 0.5))`);
  await g.q(`
INSERT INTO bench_gen.life (entity_type, id, natural_key, created_at, updated_at, n_upd)
SELECT 'EducationGroup', id, NULL, created_at, updated_at, n_upd FROM bench_gen.grp
UNION ALL SELECT 'GroupMembership', id, NULL, created_at, updated_at, n_upd FROM bench_gen.mem`);
}
