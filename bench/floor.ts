/**
 * The SQL floor: a minimal HTTP server answering each benchmark scenario with ONE hand-written
 * SQL statement that builds the whole JSON answer in PostgreSQL (json_agg/json_build_object),
 * so its numbers are the database plus the thinnest HTTP layer. No GraphQL, no auth.
 *
 *   POST /q/<statement>  body: {"params": [...]}   ->  the statement's JSON text, as is
 *
 * Run: DATABASE_URL=... PORT=4703 node -r ts-node/register/transpile-only bench/floor.ts
 */
import http from 'node:http';
import { Pool } from 'pg';

/** Staff fields of scenarios (a): the same selection as the hub's and PostGraphile's queries. */
const STAFF_JSON = `json_build_object('id', s.id, 'externalId', s.external_id, 'name', s.name, 'role', s.role, 'title', s.title,
  'backbone', s.backbone, 'homeCampus', json_build_object('id', c.id, 'name', c.name, 'school', json_build_object('code', sc.code)))`;

/** A page of staff satisfying `filter`, after a key ($1, null: from the start), $2 rows. */
const staffPage = (filter: string) => `
SELECT json_build_object('staffMembers', coalesce(json_agg(${STAFF_JSON} ORDER BY s.id), '[]'))::text
FROM (SELECT s.* FROM staff s WHERE ${filter} AND s.id > coalesce($1::uuid, '00000000-0000-0000-0000-000000000000') ORDER BY s.id LIMIT $2) s
JOIN campus c ON c.id = s.home_campus_id JOIN school sc ON sc.id = c.school_id`;

/** `jcol` lies in the area of jurisdiction $3 (the hub's rules.within). */
const within = (jcol: string) => `EXISTS (SELECT 1 FROM jurisdiction_ancestor x WHERE x.ancestor_id = $3::uuid AND x.jurisdiction_id = ${jcol})`;

/** Campuses an ACTIVE membership of a group supervised in the area of $3 brings in. */
const supervisedMembers = `SELECT am.campus_id FROM group_membership am JOIN education_group ag ON ag.id = am.group_id
  WHERE am.status = 'ACTIVE' AND ${within('ag.jurisdiction_id')}`;

export const STATEMENTS: Record<string, string> = {
  // (a), (a'): every staff member (the nation's bureau sees all).
  staffPage: staffPage('TRUE'),
  // (a-county): staff whose home campus lies in the county, or is active in a group it supervises (rules.ts areaRules.Staff):
  // the first keys of each jurisdiction of the area from staff (home_jurisdiction_id, id), and of the campuses its groups
  // bring in from outside it, merged.
  staffPageCounty: staffPage(`s.id IN (SELECT k.id FROM (
      SELECT k.id FROM jurisdiction_ancestor x CROSS JOIN LATERAL (SELECT id FROM staff WHERE home_jurisdiction_id = x.jurisdiction_id
        AND id > coalesce($1::uuid, '00000000-0000-0000-0000-000000000000') ORDER BY id LIMIT $2) k WHERE x.ancestor_id = $3::uuid
      UNION ALL
      (SELECT id FROM staff WHERE home_campus_id IN (${supervisedMembers} EXCEPT SELECT bc.id FROM campus bc WHERE ${within('bc.jurisdiction_id')})
        AND id > coalesce($1::uuid, '00000000-0000-0000-0000-000000000000') ORDER BY id LIMIT $2)) k ORDER BY k.id LIMIT $2)`),

  // (a-city): the same rule for a large area: the test on each row, staff read in id order (a city holds a fair part of them).
  staffPageArea: staffPage(`(s.home_jurisdiction_id IN (SELECT x.jurisdiction_id FROM jurisdiction_ancestor x WHERE x.ancestor_id = $3::uuid)
    OR s.home_campus_id IN (${supervisedMembers}))`),
  // (a-vendor): a vendor key narrowed to schools ($4): staff whose home campus lies in the area and belongs to one of them.
  staffPageSchools: staffPage(`s.home_campus_id IN (SELECT c.id FROM campus c WHERE c.school_id = ANY($4::uuid[]) AND ${within('c.jurisdiction_id')})`),

  // (b): $1 groups, each with its first $2 memberships, their campus, school and jurisdiction.
  groupsMemberships: `
SELECT json_build_object('groups', coalesce(json_agg(json_build_object('id', g.id, 'name', g.name, 'mode', g.mode, 'status', g.status,
  'memberships', ms.list) ORDER BY g.id), '[]'))::text
FROM (SELECT * FROM education_group ORDER BY id LIMIT $1) g
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('id', m.id, 'role', m.role, 'status', m.status, 'campus', json_build_object(
    'id', c.id, 'name', c.name, 'school', json_build_object('code', s.code, 'name', s.name),
    'jurisdiction', json_build_object('code', j.code, 'name', j.name))) ORDER BY m.id), '[]') AS list
  FROM (SELECT * FROM group_membership WHERE group_id = g.id ORDER BY id LIMIT $2) m
  JOIN campus c ON c.id = m.campus_id JOIN school s ON s.id = c.school_id JOIN jurisdiction j ON j.id = c.jurisdiction_id) ms`,

  // (c): $1 groups -> first $2 memberships -> campus -> first $3 staff of the campus.
  groupsCampusStaff: `
SELECT json_build_object('groups', coalesce(json_agg(json_build_object('id', g.id, 'name', g.name, 'memberships', ms.list) ORDER BY g.id), '[]'))::text
FROM (SELECT * FROM education_group ORDER BY id LIMIT $1) g
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('id', m.id, 'campus', json_build_object('id', c.id, 'name', c.name, 'staff', st.list)) ORDER BY m.id), '[]') AS list
  FROM (SELECT * FROM group_membership WHERE group_id = g.id ORDER BY id LIMIT $2) m
  JOIN campus c ON c.id = m.campus_id
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object('id', s.id, 'name', s.name, 'title', s.title) ORDER BY s.id), '[]') AS list
    FROM (SELECT * FROM staff WHERE home_campus_id = c.id ORDER BY id LIMIT $3) s) st) ms`,

  // (d): one group ($1) with its first $2 memberships.
  groupById: `
SELECT json_build_object('group', (SELECT json_build_object('id', g.id, 'name', g.name, 'mode', g.mode, 'status', g.status,
    'jurisdiction', json_build_object('code', j.code, 'name', j.name), 'leadCampus', json_build_object('id', lc.id, 'name', lc.name),
    'memberships', (SELECT coalesce(json_agg(json_build_object('id', m.id, 'role', m.role, 'status', m.status, 'campus', json_build_object(
        'id', c.id, 'name', c.name, 'studentCount', c.student_count, 'school', json_build_object('code', s.code))) ORDER BY m.id), '[]')
      FROM (SELECT * FROM group_membership WHERE group_id = g.id ORDER BY id LIMIT $2) m
      JOIN campus c ON c.id = m.campus_id JOIN school s ON s.id = c.school_id))
  FROM education_group g JOIN jurisdiction j ON j.id = g.jurisdiction_id JOIN campus lc ON lc.id = g.lead_campus_id
  WHERE g.id = $1::uuid))::text`,

  // (e): a narrowed vendor key's feed page: $1 jurisdiction id, $2 its school ids, $3 readable entity types,
  // $4/$5 the cursor's (txid, seq) or null, $6 page size. Keys as server/access/audience.ts callerKeys states them.
  feedPage: `
WITH page AS (
  SELECT e.txid, e.seq, e.entity_type, e.entity_id, e.natural_key,
         CASE WHEN e.audience && k.keys THEN e.operation ELSE 'DELETE' END AS operation
  FROM change_event e, (SELECT ARRAY['PUBLIC'] || ARRAY(SELECT 'N:' || $1::text || ':' || s FROM unnest($2::uuid[]) s)
      || ARRAY['L:' || $1::text] || ARRAY(SELECT 'D:' || x.ancestor_id FROM jurisdiction_ancestor x WHERE x.jurisdiction_id = $1::uuid) AS keys) k
  WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot())
    AND (e.txid, e.seq) > (coalesce($4::text, '0')::xid8, coalesce($5::bigint, 0))
    AND e.entity_type = ANY($3::text[]) AND (e.audience && k.keys OR e.prior_audience && k.keys)
  ORDER BY e.txid, e.seq LIMIT $6::int + 1),
served AS (SELECT * FROM page ORDER BY txid, seq LIMIT $6)
SELECT json_build_object('changes', json_build_object(
  'changes', (SELECT coalesce(json_agg(json_build_object('entityType', entity_type, 'entityId', entity_id, 'naturalKey', natural_key,
      'operation', operation) ORDER BY txid, seq), '[]') FROM served),
  'endCursor', coalesce((SELECT txid::text || ':' || seq FROM served ORDER BY txid DESC, seq DESC LIMIT 1), $4::text || ':' || $5::text),
  'hasMore', (SELECT count(*) FROM page) > $6))::text`,

  // (f): a group's dashboard ($1 group, $2/$3 the school year's first/last day, $4 its label), as the hub answers it:
  // server/groups/stats.ts groupFigures + rotationJudgement, groups/resolver.ts fundingEntitlement, policy/resolve.ts
  // mergePolicy (each setting whole from the nearest jurisdiction setting any part of it) and countsTowardRotation.
  // - Days are half-open [from, until): the group operates from established_on (else the year's start) until
  //   dissolved_on (memberships/sql.ts groupSpan, operatingDays; 0 when PROPOSED); a membership (ACTIVE or EXITED)
  //   covers joined_on until left_on within those days (membershipSpans). A year without a day of operation has no
  //   figures (zeros, null rates, resources too).
  // - Students: each campus's enrolment of the year, else of the nearest earlier year recorded, else its latest counts
  //   (schools/enrolment.ts enrolmentIn).
  // - Postings that took place are ACTIVE or COMPLETED, PLANNED apart (postings/counted.ts), overlapping the group's
  //   days (counts) or the teacher's campus's membership days (rates); rates and the backbone share count only the
  //   posting types of the rotation setting (all types when it lists none).
  // - Funding: pro rata by days over the year's days, rounded to the yuan once each (Math.round): the base for the
  //   days operated, each member campus's band (by its students that year) for its days as a member.
  groupDashboard: `
WITH g AS (SELECT * FROM education_group WHERE id = $1::uuid),
yr AS (SELECT $2::date AS y0, ($3::date + 1) AS y1, ($3::date - $2::date + 1) AS ydays),
gs AS (SELECT greatest(coalesce(g.established_on, yr.y0), yr.y0) AS g_from, least(coalesce(g.dissolved_on, yr.y1), yr.y1) AS g_until,
    CASE WHEN g.status = 'PROPOSED' THEN 0
      ELSE greatest(0, least(coalesce(g.dissolved_on, yr.y1), yr.y1) - greatest(coalesce(g.established_on, yr.y0), yr.y0)) END AS op_days
  FROM g, yr),
sp AS (SELECT m.campus_id, m.role, x.from_day, x.until_day, x.until_day - x.from_day AS days
  FROM g JOIN group_membership m ON m.group_id = g.id CROSS JOIN gs CROSS JOIN yr
  CROSS JOIN LATERAL (SELECT greatest(m.joined_on, gs.g_from) AS from_day, least(coalesce(m.left_on, yr.y1), gs.g_until) AS until_day) x
  WHERE m.status IN ('ACTIVE','EXITED') AND g.status <> 'PROPOSED' AND x.until_day > x.from_day),
camp AS (SELECT sp.campus_id, sp.role, sum(sp.days)::int AS days, coalesce(en.student_count, c.student_count) AS students
  FROM sp JOIN campus c ON c.id = sp.campus_id
  LEFT JOIN LATERAL (SELECT e.student_count FROM campus_enrolment e WHERE e.campus_id = c.id AND e.school_year <= $4::text
    ORDER BY e.school_year DESC LIMIT 1) en ON true
  GROUP BY 1, 2, 4),
chain AS (SELECT p.*, ja.depth FROM g JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = g.jurisdiction_id JOIN group_policy p ON p.jurisdiction_id = ja.ancestor_id),
rot AS (SELECT * FROM chain WHERE min_annual_rotation_rate IS NOT NULL OR min_backbone_share_of_posted IS NOT NULL OR rotation_posting_types IS NOT NULL
  ORDER BY depth LIMIT 1),
fund AS (SELECT * FROM chain WHERE funding_base_amount IS NOT NULL OR funding_bands IS NOT NULL ORDER BY depth LIMIT 1),
pol AS (SELECT (SELECT min_annual_rotation_rate FROM rot)::float8 AS min_rate, (SELECT min_backbone_share_of_posted FROM rot)::float8 AS min_backbone,
  coalesce((SELECT rotation_posting_types FROM rot), ARRAY['ROTATION','SECONDMENT','SHADOWING','TEACHING_SUPPORT']) AS types,
  EXISTS (SELECT 1 FROM fund) AS funded, coalesce((SELECT funding_base_amount FROM fund), 0) AS base,
  coalesce((SELECT funding_bands FROM fund), '[]'::jsonb) AS bands),
t AS (SELECT count(*)::int AS ft, count(*) FILTER (WHERE posted)::int AS ft_posted, count(*) FILTER (WHERE planned)::int AS ft_planned
  FROM (SELECT st.id,
      bool_or(EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = st.id AND p.group_id = $1::uuid AND p.status IN ('ACTIVE','COMPLETED')
        AND p.start_date < sp.until_day AND (p.end_date IS NULL OR p.end_date >= sp.from_day) AND p.type = ANY(pol.types))) AS posted,
      bool_or(EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = st.id AND p.group_id = $1::uuid AND p.status = 'PLANNED'
        AND p.start_date < sp.until_day AND (p.end_date IS NULL OR p.end_date >= sp.from_day) AND p.type = ANY(pol.types))) AS planned
    FROM sp JOIN staff st ON st.home_campus_id = sp.campus_id AND st.full_time_teacher CROSS JOIN pol
    GROUP BY st.id) x),
po AS (SELECT count(*) FILTER (WHERE k.took)::int AS postings, count(*) FILTER (WHERE k.planned)::int AS planned,
    count(DISTINCT p.staff_id) FILTER (WHERE k.took AND p.type = ANY(pol.types))::int AS staff,
    count(DISTINCT p.staff_id) FILTER (WHERE k.took AND p.type = ANY(pol.types) AND s.backbone)::int AS backbone
  FROM g CROSS JOIN gs CROSS JOIN pol JOIN posting p ON p.group_id = g.id AND g.status <> 'PROPOSED' LEFT JOIN staff s ON s.id = p.staff_id
  CROSS JOIN LATERAL (SELECT gs.g_from < gs.g_until AND p.start_date < gs.g_until AND (p.end_date IS NULL OR p.end_date >= gs.g_from) AS overlaps) o
  CROSS JOIN LATERAL (SELECT o.overlaps AND p.status IN ('ACTIVE','COMPLETED') AS took, o.overlaps AND p.status = 'PLANNED' AS planned) k),
res AS (SELECT count(*)::int AS n FROM resource r JOIN resource_library l ON l.id = r.library_id
  WHERE l.group_id = $1::uuid AND r.deleted_at IS NULL AND r.created_at < ($3::date + 1)),
u AS (SELECT count(*)::int AS n, count(*) FILTER (WHERE c.urban_rural = 'RURAL')::int AS rural
  FROM resource_use u JOIN resource r ON r.id = u.resource_id JOIN resource_library l ON l.id = r.library_id JOIN campus c ON c.id = u.campus_id
  WHERE l.group_id = $1::uuid AND r.deleted_at IS NULL AND u.used_at >= $2::date AND u.used_at < ($3::date + 1)),
fig AS (SELECT gs.op_days > 0 AS operated, gs.op_days, yr.ydays, t.ft, t.ft_posted, t.ft_planned, po.postings, po.planned, po.staff, po.backbone,
    res.n AS resources, u.n AS uses, u.rural,
    (SELECT count(DISTINCT campus_id) FROM camp WHERE role = 'MEMBER')::int AS members,
    (SELECT coalesce(sum(students), 0) FROM (SELECT DISTINCT campus_id, students FROM camp) d)::int AS students,
    -- Each member campus: the amount of the highest band it reaches that year, times its days.
    (SELECT coalesce(sum(camp.days * coalesce((SELECT (b->>'amount')::bigint FROM jsonb_array_elements(pol.bands) b
      WHERE camp.students >= (b->>'minStudents')::int ORDER BY (b->>'minStudents')::int DESC LIMIT 1), 0)), 0)
      FROM camp WHERE camp.role = 'MEMBER') AS campus_money
  FROM gs, yr, t, po, res, u, pol),
f AS (SELECT fig.*, CASE WHEN operated AND ft > 0 THEN ft_posted::float8 / ft END AS rate,
    CASE WHEN operated AND ft > 0 THEN ft_planned::float8 / ft END AS planned_rate,
    CASE WHEN operated AND staff > 0 THEN backbone::float8 / staff END AS backbone_share
  FROM fig)
SELECT json_build_object('group', json_build_object('id', g.id, 'name', g.name,
  'stats', json_build_object('schoolYear', $4::text, 'operatingDays', f.op_days,
    'memberCount', CASE WHEN f.operated THEN f.members ELSE 0 END, 'studentCount', CASE WHEN f.operated THEN f.students ELSE 0 END,
    'fullTimeTeacherCount', CASE WHEN f.operated THEN f.ft ELSE 0 END,
    'postingCount', CASE WHEN f.operated THEN f.postings ELSE 0 END, 'plannedPostingCount', CASE WHEN f.operated THEN f.planned ELSE 0 END,
    'rotationRate', coalesce(f.rate, 0), 'teacherRotationRate', f.rate, 'plannedRotationRate', f.planned_rate,
    'backboneShareOfPosted', f.backbone_share,
    -- rotationJudgement: each minimum set is met, missed or (null figure) not judged; three-valued AND; null when none is set.
    'meetsRotationTarget', CASE WHEN pol.min_rate IS NULL AND pol.min_backbone IS NULL THEN NULL
      ELSE (pol.min_rate IS NULL OR f.rate >= pol.min_rate) AND (pol.min_backbone IS NULL OR f.backbone_share >= pol.min_backbone) END,
    'resourceCount', CASE WHEN f.operated THEN f.resources ELSE 0 END, 'resourceUseCount', CASE WHEN f.operated THEN f.uses ELSE 0 END,
    'ruralResourceUseCount', CASE WHEN f.operated THEN f.rural ELSE 0 END),
  'fundingEntitlement', CASE WHEN NOT pol.funded OR NOT f.operated THEN json_build_object('baseAmount', 0, 'campusAmount', 0, 'total', 0)
    ELSE (SELECT json_build_object('baseAmount', a.base, 'campusAmount', a.campus, 'total', a.base + a.campus)
      FROM (SELECT floor(pol.base::numeric * f.op_days / f.ydays + 0.5)::bigint AS base, floor(f.campus_money::numeric / f.ydays + 0.5)::bigint AS campus) a) END))::text
FROM g, f, pol`,

  // (g): the write mix, one INSERT each. A new staff member ($1 id, $2 home campus, $3 external id, $4 name).
  insertStaff: `
INSERT INTO staff (id, school_id, home_campus_id, external_id, name, role, title, subjects, backbone, full_time_teacher)
SELECT $1::uuid, c.school_id, c.id, $3, $4, 'TEACHER', 'FIRST', ARRAY['数学'], false, true FROM campus c WHERE c.id = $2::uuid
RETURNING json_build_object('id', id)::text`,
  // A posting of staff $2 to campus $3 in the group its home campus is active in ($1 id, $4/$5 period).
  insertPosting: `
INSERT INTO posting (id, staff_id, group_id, from_campus_id, to_campus_id, type, status, host_role, start_date, end_date, counts_as_rural_service)
SELECT $1::uuid, s.id, m.group_id, s.home_campus_id, $3::uuid, 'ROTATION', 'PLANNED', 'TEACHER', $4::date, $5::date, false
FROM staff s JOIN group_membership m ON m.campus_id = s.home_campus_id AND m.status = 'ACTIVE' WHERE s.id = $2::uuid
RETURNING json_build_object('id', id)::text`,
  // (g-rows): the hub's rows of each write (row, audit entry, feed entries), by bench/same-rows.ts's functions.
  staffRows: `SELECT json_build_object('id', (bench_staff_rows($1::uuid, $2::uuid, $3, $4)).id)::text`,
  postingRows: `SELECT json_build_object('id', (bench_posting_rows($1::uuid, $2::uuid, $3::uuid, $4::date, $5::date)).id)::text`,
};

function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10, options: '-c jit=off' });
  const server = http.createServer((req, res) => {
    const m = /^\/q\/(\w+)$/.exec(req.url ?? '');
    const text = m && STATEMENTS[m[1]];
    if (req.method !== 'POST' || !text) {
      res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let params: unknown[];
      try {
        params = JSON.parse(Buffer.concat(chunks).toString('utf8')).params ?? [];
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad body"}');
        return;
      }
      // rowMode array: the single text column is handed over as is, never parsed and re-serialised.
      pool.query({ text, values: params, rowMode: 'array' }).then(
        (r) => res.writeHead(200, { 'content-type': 'application/json', 'x-sql-statements': '1' }).end(r.rows[0]?.[0] ?? 'null'),
        (e: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message })),
      );
    });
  });
  const port = Number(process.env.PORT || 4703);
  server.listen(port, '127.0.0.1', () => console.log(`[floor] listening on http://127.0.0.1:${port}`));
  const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
