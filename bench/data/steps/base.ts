import { Gen } from '../gen';

/**
 * The working schema: hash-based pseudo-randomness (the same shapes on every run), uuid v7
 * ids built from a creation time (ids sort by creation time, as the app's do), the run's
 * timeline, and the counties of the area with their weights.
 *
 * Timeline: the hub went live `DAYS` days ago; schools and campuses were imported first, then
 * groups, staff, postings, libraries and resources, evaluations; later writes update them up
 * to the last hour before today (UTC). All of it stays inside the change feed's 90-day retention
 * window (older superseded entries would be pruned at the hub's start, feed/retention.ts).
 */
export const DAYS = 60;
/** The last write: an hour before midnight UTC, up to a day before the run (days on the timeline). */
export const END = DAYS - 1 / 24;

export async function createWorkspace(g: Gen): Promise<void> {
  // Midnight UTC: runs on the same day make the same ids (API keys narrowed to school ids stay valid).
  const [{ t0 }] = await g.q(`SELECT (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '${DAYS} days')::text AS t0`);
  await g.q(`DROP SCHEMA IF EXISTS bench_gen CASCADE`);
  await g.q(`CREATE SCHEMA bench_gen`);
  await g.q(`
-- Uniform in [0,1), from a number and a salt: deterministic, so two runs make the same shapes.
CREATE FUNCTION bench_gen.rnd(a bigint, s bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashint8extended(a, s) & 281474976710655)::float8 / 281474976710656.0 $$;
CREATE FUNCTION bench_gen.pick(xs text[], u float8) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT xs[1 + floor(u * cardinality(xs))::int] $$;
-- The instant d days into the timeline.
CREATE FUNCTION bench_gen.day(d float8) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT '${t0}'::timestamptz + d * interval '1 day' $$;
-- UUID v7 as the app makes them (server/db/ids.ts): 48-bit Unix milliseconds, version 7,
-- variant 10, then pseudo-random bits from (a, s).
CREATE FUNCTION bench_gen.uuid7(ts timestamptz, a bigint, s bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (lpad(to_hex(floor(extract(epoch FROM ts) * 1000)::bigint), 12, '0')
    || '7' || substr(lpad(to_hex(hashint8extended(a, s)), 16, '0'), 1, 3)
    || substr('89ab', 1 + (hashint8extended(a, s) & 3)::int, 1)
    || substr(lpad(to_hex(hashint8extended(a, s + 1)), 16, '0'), 2, 15))::uuid $$;
-- A date in China's calendar as the instant 09:00 local time.
CREATE FUNCTION bench_gen.at9(d date) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (d::text || ' 09:00:00+08')::timestamptz $$;

-- Every generated entity once: when it was created, last written and how often in between;
-- the change feed is made from this (steps/feed.ts).
CREATE UNLOGGED TABLE bench_gen.life (
  entity_type text NOT NULL, id uuid NOT NULL, natural_key text,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, n_upd int NOT NULL, deleted boolean NOT NULL DEFAULT false
);`);

  // Counties and zones of the area, weighted (city districts are denser), with their place in
  // their city (for a neighbouring county of the same city) and a slice of [0,1) for placing schools.
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.county AS
WITH c AS (
  SELECT j.id, j.code, j.name, j.parent_id AS city_id, p.code AS city_code, p.name AS city_name,
    (j.name LIKE '%区') AS district
  FROM jurisdiction j
  JOIN jurisdiction p ON p.id = j.parent_id
  JOIN jurisdiction_ancestor a ON a.jurisdiction_id = j.id
  JOIN jurisdiction area ON area.id = a.ancestor_id AND area.code = '${g.scale.area}'
  WHERE j.level IN ('COUNTY', 'ZONE')
), w AS (
  SELECT c.*, 0.35 + 1.4 * bench_gen.rnd(code::bigint, 11) ^ 2 + CASE WHEN district THEN 0.9 ELSE 0 END AS weight,
    (row_number() OVER (PARTITION BY city_id ORDER BY code) - 1)::int AS idx_in_city,
    (count(*) OVER (PARTITION BY city_id))::int AS n_in_city
  FROM c
)
SELECT w.*, (sum(weight) OVER (ORDER BY code) - weight) / sum(weight) OVER () AS lo,
  sum(weight) OVER (ORDER BY code) / sum(weight) OVER () AS hi
FROM w`);
  const [{ n }] = await g.q(`SELECT count(*)::int AS n FROM bench_gen.county`);
  if (!n) throw new Error(`no counties under ${g.scale.area}: is the reference data loaded?`);
}
