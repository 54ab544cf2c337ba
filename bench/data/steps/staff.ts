import { Gen, textArray } from '../gen';
import { GIVEN, PRIMARY_SUBJECTS, SECONDARY_SUBJECTS, SURNAMES, VOCATIONAL_SUBJECTS } from '../names';
import { checkDigit, encryptPii, maskNationalId } from '../../../server/staff/pii';
import { piiKey } from '../../../server/staff/pii-key';
import { END } from './base';

/**
 * Staff: per campus a principal, vice-principals and middle managers by size, teachers and a
 * few support staff. Each campus's staff were imported together (consecutive ids). ID numbers
 * (GB 11643, born in the campus's county) are encrypted as the app does it (AES-256-GCM with
 * the hub's PII key: PII_ENCRYPTION_KEY, else .data/pii.key), so the server decrypts them;
 * about 3% have none on record.
 */
export async function generateStaff(g: Gen): Promise<void> {
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.staff AS
WITH c AS (
  SELECT c.*, row_number() OVER (ORDER BY bench_gen.rnd(c.c_no, 81)) AS import_rank, count(*) OVER () AS campuses,
    sum(c.staff_n) OVER (PARTITION BY c.school_id ORDER BY c.j ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_in_school
  FROM bench_gen.campus c
), s AS (
  SELECT c.id AS home_campus_id, c.school_id, c.school_code, c.county_code, c.type, c.stages, c.c_no, c.staff_n, i,
    coalesce(c.before_in_school, 0) + i AS no_in_school,
    -- Imported campus by campus over days 6-30, two seconds apart within a campus.
    bench_gen.day(6 + 24 * (c.import_rank - 1)::float8 / c.campuses) + i * interval '2 seconds' AS created_at,
    CASE WHEN i = 1 THEN 'PRINCIPAL'
      WHEN i <= 1 + CASE WHEN c.staff_n >= 40 THEN 2 WHEN c.staff_n >= 20 THEN 1 ELSE 0 END THEN 'VICE_PRINCIPAL'
      WHEN i <= 1 + CASE WHEN c.staff_n >= 40 THEN 2 WHEN c.staff_n >= 20 THEN 1 ELSE 0 END + c.staff_n / 12 THEN 'MIDDLE_MANAGER'
      WHEN i > c.staff_n - ceil(c.staff_n * 0.06) AND c.staff_n > 4 THEN 'OTHER'
      ELSE 'TEACHER' END AS role
  FROM c CROSS JOIN LATERAL generate_series(1, c.staff_n) i
)
SELECT s.*, row_number() OVER (ORDER BY s.created_at) AS ord FROM s`);
  await g.q(`
CREATE UNLOGGED TABLE bench_gen.staff2 AS
SELECT s.*,
  bench_gen.uuid7(s.created_at, s.ord, 106) AS id,
  s.school_code || '-' || lpad(s.no_in_school::text, 4, '0') AS external_id,
  bench_gen.pick(${textArray(SURNAMES)}, bench_gen.rnd(s.ord, 82)) || bench_gen.pick(${textArray(GIVEN)}, bench_gen.rnd(s.ord, 83))
    || CASE WHEN bench_gen.rnd(s.ord, 84) < 0.6 THEN bench_gen.pick(${textArray(GIVEN)}, bench_gen.rnd(s.ord, 85)) ELSE '' END AS name,
  CASE WHEN s.role = 'OTHER' THEN 'UNRATED' ELSE (
    SELECT CASE WHEN x > 1.3 THEN 'SENIOR_PROFESSOR' WHEN x > 0.85 THEN 'SENIOR' WHEN x > 0.5 THEN 'FIRST'
      WHEN x > 0.2 THEN 'SECOND' WHEN x > 0.1 THEN 'THIRD' ELSE 'UNRATED' END
    FROM (SELECT bench_gen.rnd(s.ord, 86) + CASE WHEN s.role IN ('PRINCIPAL','VICE_PRINCIPAL') THEN 0.35 ELSE 0 END AS x) t) END AS title,
  CASE WHEN s.role = 'OTHER' THEN '{}'::text[]
    WHEN s.type = 'KINDERGARTEN' THEN ARRAY['保教']
    ELSE (SELECT array_agg(DISTINCT x) FROM unnest(ARRAY[bench_gen.pick(l.xs, bench_gen.rnd(s.ord, 87))]
      || CASE WHEN bench_gen.rnd(s.ord, 88) < 0.15 THEN ARRAY[bench_gen.pick(l.xs, bench_gen.rnd(s.ord, 89))] ELSE '{}'::text[] END) x) END AS subjects,
  s.role IN ('TEACHER','MIDDLE_MANAGER') AND bench_gen.rnd(s.ord, 90) < 0.2 AS backbone,
  s.role IN ('TEACHER','MIDDLE_MANAGER') AS full_time_teacher,
  CASE WHEN bench_gen.rnd(s.ord, 91) >= 0.03 THEN s.county_code
    || (DATE '1966-01-01' + floor(bench_gen.rnd(s.ord, 92) * 13000)::int)::text
    || lpad((s.ord % 1000)::text, 3, '0') END AS nid17,
  n.n_upd,
  CASE WHEN n.n_upd > 0 THEN s.created_at + (bench_gen.day(${END}) - s.created_at) * (0.3 + 0.7 * bench_gen.rnd(s.ord, 94))
    ELSE s.created_at END AS updated_at
FROM bench_gen.staff s
CROSS JOIN LATERAL (SELECT floor(3.2 * bench_gen.rnd(s.ord, 93))::int AS n_upd) n
CROSS JOIN LATERAL (SELECT CASE WHEN 'VOCATIONAL' = ANY(s.stages) THEN ${textArray(VOCATIONAL_SUBJECTS)}
  WHEN 'JUNIOR' = ANY(s.stages) OR 'SENIOR' = ANY(s.stages) THEN ${textArray(SECONDARY_SUBJECTS)}
  ELSE ${textArray(PRIMARY_SUBJECTS)} END AS xs) l`);
  await g.q(`DROP TABLE bench_gen.staff`);
  await g.q(`ALTER TABLE bench_gen.staff2 RENAME TO staff`);
  await g.q(`CREATE UNIQUE INDEX ON bench_gen.staff (ord)`);

  // ID numbers: encrypted here in batches (the key never reaches the database), joined in when staff rows are written.
  const key = piiKey();
  const [{ n }] = await g.q(`SELECT count(*)::int AS n FROM bench_gen.staff`);
  const batch = 20_000;
  await g.q(`CREATE UNLOGGED TABLE bench_gen.pii (ord bigint PRIMARY KEY, cipher bytea, masked text)`);
  for (let lo = 0; lo < n; lo += batch) {
    const rows: Array<{ ord: string; nid17: string | null }> = await g.q(
      // nid17 spells the birth date YYYY-MM-DD: the digits only.
      `SELECT ord, replace(nid17, '-', '') AS nid17 FROM bench_gen.staff WHERE ord > $1 AND ord <= $2 AND nid17 IS NOT NULL`, [lo, lo + batch]);
    const ords: string[] = [];
    const ciphers: Buffer[] = [];
    const masks: string[] = [];
    for (const r of rows) {
      const id = r.nid17! + checkDigit(r.nid17!);
      ords.push(r.ord);
      ciphers.push(encryptPii(id, key));
      masks.push(maskNationalId(id));
    }
    await g.q(`INSERT INTO bench_gen.pii SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[])`, [ords, ciphers, masks]);
    g.progress.update((lo + batch) / n, `ID numbers ${Math.min(n, lo + batch)}/${n}`);
  }
  await g.q(`
INSERT INTO staff (id, school_id, home_campus_id, external_id, name, national_id_cipher, national_id_masked, role, title, subjects,
  backbone, full_time_teacher, created_at, updated_at)
SELECT s.id, s.school_id, s.home_campus_id, s.external_id, s.name, p.cipher, p.masked, s.role, s.title, s.subjects, s.backbone,
  s.full_time_teacher, s.created_at, s.updated_at
FROM bench_gen.staff s LEFT JOIN bench_gen.pii p ON p.ord = s.ord ORDER BY s.id`);
  await g.q(`
INSERT INTO bench_gen.life (entity_type, id, natural_key, created_at, updated_at, n_upd)
SELECT 'Staff', id, school_code || '/' || external_id, created_at, updated_at, n_upd FROM bench_gen.staff`);
  await g.q(`CREATE INDEX ON bench_gen.staff (home_campus_id, i)`);
}
