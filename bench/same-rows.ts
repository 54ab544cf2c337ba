import { entityKeys } from '../server/access/audience';
import { Sql } from '../server/db/sql';

/**
 * Scenario (g-rows): the write mix with PostGraphile and the floor writing the same rows as the
 * hub does. The hub's upsertStaff and createPosting each write the row, an audit entry and a
 * change-feed entry whose audience is the entity's keys (server/access/audience.ts; a posting
 * also re-announces its person), all in one transaction; PostGraphile's generated
 * createStaff/createPosting (scenario g) write the row alone. Here both call a PostgreSQL
 * function doing the hub's writes in one statement (PostGraphile exposes it as a custom
 * mutation, its own way of doing this): the same tables, indexes and audience keys, computed
 * by the hub's own SQL. What the functions leave out is what the hub decides before writing:
 * who may write, the group rules, the school year. Created by the runner before the servers
 * start, dropped when the run ends.
 *
 * PL/pgSQL with generic plans, as the hub's writes run (server/db/datasource.ts BEGIN_WRITE):
 * each function's statement is planned once per connection, not on every call (a LANGUAGE sql
 * function plans its body on each call: 2.2-2.3 ms of PostgreSQL CPU per write on 2026-12-03's
 * machine, bench/results/2026-12-03-ab/).
 */

/** The hub's SQL with its parameters (prefixes such as 'A:') written in as literals: a function body has no parameters. */
function inline(q: Sql): string {
  const { text, values } = q.render();
  return text.replace(/\$(\d+)\b/g, (_, i: string) => {
    const v = values[Number(i) - 1];
    if (typeof v !== 'string') throw new Error(`same-rows: parameter $${i} is not text`);
    return `'${v.replace(/'/g, "''")}'`;
  });
}

export const SAME_ROWS_FUNCTIONS = ['bench_staff_rows', 'bench_posting_rows'];

export function sameRowsSql(): string {
  const staffKeys = (alias: string) => inline(entityKeys('Staff', alias));
  const postingKeys = inline(entityKeys('Posting', 'p'));
  return `
CREATE OR REPLACE FUNCTION public.bench_staff_rows(staff_id uuid, campus_id uuid, external_id text, name text) RETURNS staff
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $f$
DECLARE r staff;
BEGIN
  WITH s AS (
    INSERT INTO staff (id, school_id, home_campus_id, external_id, name, role, title, subjects, backbone, full_time_teacher)
    SELECT bench_staff_rows.staff_id, c.school_id, c.id, bench_staff_rows.external_id, bench_staff_rows.name, 'TEACHER', 'FIRST', ARRAY['数学'], false, true
    FROM campus c WHERE c.id = bench_staff_rows.campus_id
    RETURNING *),
  audited AS (
    INSERT INTO audit_entry (id, actor, action, entity_type, entity_id, jurisdiction_ids, diff)
    SELECT gen_random_uuid(), 'BUREAU_ADMIN:bench-runner', 'upsertStaff', 'Staff', s.id,
      ARRAY(SELECT DISTINCT j FROM unnest(ARRAY[c.jurisdiction_id, sc.jurisdiction_id]) j),
      jsonb_build_object('before', NULL, 'after', to_jsonb(s) - 'created_at' - 'updated_at' - 'national_id_cipher')
    FROM s JOIN campus c ON c.id = s.home_campus_id JOIN school sc ON sc.id = s.school_id),
  fed AS (
    INSERT INTO change_event (entity_type, entity_id, natural_key, operation, audience, prior_audience)
    SELECT 'Staff', s.id, sc.code || '/' || s.external_id, 'UPSERT', coalesce(${staffKeys('s')}, '{}'::text[]), '{}'::text[]
    FROM s JOIN school sc ON sc.id = s.school_id)
  SELECT * INTO r FROM s;
  RETURN r;
END
$f$;

CREATE OR REPLACE FUNCTION public.bench_posting_rows(posting_id uuid, staff_id uuid, to_campus_id uuid, start_date date, end_date date) RETURNS posting
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $f$
DECLARE r posting;
BEGIN
  WITH p AS (
    INSERT INTO posting (id, staff_id, group_id, from_campus_id, to_campus_id, type, status, host_role, start_date, end_date, counts_as_rural_service)
    SELECT bench_posting_rows.posting_id, s.id, m.group_id, s.home_campus_id, bench_posting_rows.to_campus_id, 'ROTATION', 'PLANNED', 'TEACHER',
      bench_posting_rows.start_date, bench_posting_rows.end_date, false
    FROM staff s JOIN group_membership m ON m.campus_id = s.home_campus_id AND m.status = 'ACTIVE' WHERE s.id = bench_posting_rows.staff_id
    RETURNING *),
  audited AS (
    INSERT INTO audit_entry (id, actor, action, entity_type, entity_id, jurisdiction_ids, diff)
    SELECT gen_random_uuid(), 'BUREAU_ADMIN:bench-runner', 'createPosting', 'Posting', p.id,
      ARRAY(SELECT jurisdiction_id FROM campus WHERE id IN (p.from_campus_id, p.to_campus_id) UNION SELECT jurisdiction_id FROM education_group WHERE id = p.group_id),
      jsonb_build_object('before', NULL, 'after', to_jsonb(p) - 'created_at' - 'updated_at')
    FROM p),
  fed AS (
    INSERT INTO change_event (entity_type, entity_id, natural_key, operation, audience, prior_audience)
    SELECT 'Posting', p.id, NULL, 'UPSERT', coalesce(${postingKeys}, '{}'::text[]), '{}'::text[] FROM p),
  -- The person is re-announced when their keys changed (as the hub does: feed/audience.ts); the
  -- new posting is not visible to this statement's own reads, so its group is added by hand.
  reannounced AS (
    INSERT INTO change_event (entity_type, entity_id, natural_key, operation, audience, prior_audience)
    SELECT 'Staff', st.id, sc.code || '/' || st.external_id, 'UPSERT', k.keys, last.keys
    FROM p JOIN staff st ON st.id = p.staff_id JOIN school sc ON sc.id = st.school_id,
      LATERAL (SELECT ARRAY(SELECT DISTINCT x FROM unnest(coalesce(${staffKeys('st')}, '{}'::text[]) || ('G:' || p.group_id)) x ORDER BY 1) AS keys) k,
      LATERAL (SELECT coalesce((SELECT e.audience FROM change_event e WHERE e.entity_id = st.id ORDER BY e.txid DESC, e.seq DESC LIMIT 1), '{}'::text[]) AS keys) last
    WHERE k.keys IS DISTINCT FROM last.keys)
  SELECT * INTO r FROM p;
  RETURN r;
END
$f$;
`;
}

export const dropSameRowsSql = () => SAME_ROWS_FUNCTIONS.map((f) => `DROP FUNCTION IF EXISTS public.${f};`).join('\n');
