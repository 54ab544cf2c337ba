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

export const STATEMENTS: Record<string, string> = {
  // (a), (a'): every staff member (the nation's bureau sees all).
  staffPage: staffPage('TRUE'),
  // (a-county): staff whose home campus lies in the county, or is active in a group it supervises (rules.ts areaRules.Staff).
  staffPageCounty: staffPage(`s.home_campus_id IN (SELECT hc.id FROM campus hc WHERE ${within('hc.jurisdiction_id')}
    OR EXISTS (SELECT 1 FROM group_membership am JOIN education_group ag ON ag.id = am.group_id
      WHERE am.campus_id = hc.id AND am.status = 'ACTIVE' AND ${within('ag.jurisdiction_id')}))`),

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

  // (f): a group's dashboard ($1 group, $2/$3 the school year's first/last day, $4 snapshot day, $5 its label):
  // server/groups/stats.ts groupFigures + policyAt (each setting from the nearest jurisdiction setting it).
  groupDashboard: `
WITH g AS (SELECT * FROM education_group WHERE id = $1::uuid),
camp AS (SELECT m.role, c.id AS campus_id, c.student_count FROM group_membership m JOIN g ON g.id = m.group_id JOIN campus c ON c.id = m.campus_id
  WHERE m.status IN ('ACTIVE','EXITED') AND m.joined_on <= $4::date AND (m.left_on IS NULL OR m.left_on > $4::date)
    AND g.status <> 'PROPOSED' AND (g.dissolved_on IS NULL OR g.dissolved_on > $4::date)),
chain AS (SELECT p.*, ja.depth FROM g JOIN jurisdiction_ancestor ja ON ja.jurisdiction_id = g.jurisdiction_id JOIN group_policy p ON p.jurisdiction_id = ja.ancestor_id),
pol AS (SELECT
  (SELECT min_annual_rotation_rate FROM chain WHERE min_annual_rotation_rate IS NOT NULL ORDER BY depth LIMIT 1)::float8 AS min_rate,
  (SELECT min_backbone_share_of_posted FROM chain WHERE min_backbone_share_of_posted IS NOT NULL ORDER BY depth LIMIT 1)::float8 AS min_backbone,
  (SELECT funding_base_amount FROM chain WHERE funding_base_amount IS NOT NULL ORDER BY depth LIMIT 1) AS base,
  (SELECT funding_bands FROM chain WHERE funding_bands IS NOT NULL ORDER BY depth LIMIT 1) AS bands),
t AS (SELECT count(*)::int AS ft, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id AND p.group_id = $1::uuid
    AND p.status <> 'CANCELLED' AND p.start_date <= $3::date AND (p.end_date IS NULL OR p.end_date >= $2::date)))::int AS ft_posted
  FROM camp JOIN staff s ON s.home_campus_id = camp.campus_id AND s.full_time_teacher),
po AS (SELECT count(*)::int AS postings, count(DISTINCT p.staff_id)::int AS staff, count(DISTINCT p.staff_id) FILTER (WHERE s.backbone)::int AS backbone
  FROM posting p JOIN staff s ON s.id = p.staff_id
  WHERE p.group_id = $1::uuid AND p.status <> 'CANCELLED' AND p.start_date <= $3::date AND (p.end_date IS NULL OR p.end_date >= $2::date)),
res AS (SELECT count(*)::int AS n FROM resource r JOIN resource_library l ON l.id = r.library_id
  WHERE l.group_id = $1::uuid AND r.deleted_at IS NULL AND r.created_at < ($3::date + 1)),
u AS (SELECT count(*)::int AS n, count(*) FILTER (WHERE c.urban_rural = 'RURAL')::int AS rural
  FROM resource_use u JOIN resource r ON r.id = u.resource_id JOIN resource_library l ON l.id = r.library_id JOIN campus c ON c.id = u.campus_id
  WHERE l.group_id = $1::uuid AND r.deleted_at IS NULL AND u.used_at >= $2::date AND u.used_at < ($3::date + 1)),
fig AS (SELECT t.ft, po.postings, po.staff, res.n AS resources, u.n AS uses, u.rural,
    CASE WHEN t.ft > 0 THEN t.ft_posted::float8 / t.ft ELSE 0 END AS rotation,
    CASE WHEN po.staff > 0 THEN po.backbone::float8 / po.staff END AS backbone_share,
    (SELECT count(*) FILTER (WHERE role = 'MEMBER') FROM camp)::int AS members,
    (SELECT coalesce(sum(student_count), 0) FROM camp)::int AS students,
    -- Each member campus adds the amount of the highest band it reaches.
    (SELECT coalesce(sum((SELECT (b->>'amount')::int FROM jsonb_array_elements(pol.bands) b WHERE camp.student_count >= (b->>'minStudents')::int
      ORDER BY (b->>'minStudents')::int DESC LIMIT 1)), 0) FROM camp WHERE camp.role = 'MEMBER')::int AS campus_amount
  FROM t, po, res, u, pol)
SELECT json_build_object('group', json_build_object('id', g.id, 'name', g.name,
  'stats', json_build_object('schoolYear', $5::text, 'memberCount', fig.members, 'studentCount', fig.students, 'fullTimeTeacherCount', fig.ft,
    'postingCount', fig.postings, 'rotationRate', fig.rotation, 'backboneShareOfPosted', fig.backbone_share,
    'meetsRotationTarget', CASE WHEN pol.min_rate IS NULL AND pol.min_backbone IS NULL THEN NULL
      ELSE (pol.min_rate IS NULL OR fig.rotation >= pol.min_rate) AND (pol.min_backbone IS NULL OR coalesce(fig.backbone_share, 0) >= pol.min_backbone) END,
    'resourceCount', fig.resources, 'resourceUseCount', fig.uses, 'ruralResourceUseCount', fig.rural),
  'fundingEntitlement', CASE
    WHEN (pol.base IS NULL AND pol.bands IS NULL) OR NOT (g.status <> 'PROPOSED' AND (g.established_on IS NULL OR g.established_on <= $4::date)
      AND (g.dissolved_on IS NULL OR g.dissolved_on > $4::date))
    THEN json_build_object('baseAmount', 0, 'campusAmount', 0, 'total', 0)
    ELSE json_build_object('baseAmount', coalesce(pol.base, 0), 'campusAmount', fig.campus_amount, 'total', coalesce(pol.base, 0) + fig.campus_amount) END))::text
FROM g, fig, pol`,

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
