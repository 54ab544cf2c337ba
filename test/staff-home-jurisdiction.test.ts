import { decodeId, encodeId } from '../server/graphql/ids';
import { Client, startHub, TestHub } from './support/hub';
import { staffOfRecord } from './support/staff-of-record';

/**
 * A bureau's staff page is read branch by branch (access/rules.ts staffOfRecord, graphql/
 * connection.ts pageKeysFirst): one branch per jurisdiction of its area, over the copy of the
 * home campus's jurisdiction each staff row carries (staff.home_jurisdiction_id), and one for
 * the campuses its groups bring in from other counties. Here the pages, cursor after cursor,
 * are compared with the rule computed from the campuses themselves (never from the copy), on a
 * county with staff brought in across the county line; then the copy is shown to follow a
 * campus that moves and a person whose home campus changes, and to refuse being set by hand.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const expected = (code: string, extra?: string) => staffOfRecord(hub.ds, code, extra);

/** Every page of staffMembers, `first` at a time, following the cursors. */
async function allPages(c: Client, first: number, filter?: Record<string, unknown>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const r: any = (await c.data(`query($first: Int, $after: String, $filter: StaffFilter) { staffMembers(first: $first, after: $after, filter: $filter) {
      edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { first, after, filter })).staffMembers;
    ids.push(...r.edges.map((e: any) => decodeId(e.node.id)!.uuid));
    pages++;
    if (!r.pageInfo.hasNextPage) return { ids, pages };
    after = r.pageInfo.endCursor;
    if (pages > 500) throw new Error('no end of pages');
  }
}

let county: string;
let outsider: { campus: string; to: string };

beforeAll(async () => {
  // A group's non-lead member campus moves to another county (cross-county, 跨县域): its staff
  // stay of record for the group's supervising county, through the group.
  const [m] = await hub.ds.query(`
    SELECT m.campus_id::text AS campus, j.code AS county, g.jurisdiction_id::text AS gj
    FROM group_membership m JOIN education_group g ON g.id = m.group_id JOIN jurisdiction j ON j.id = g.jurisdiction_id
    WHERE m.status = 'ACTIVE' AND m.campus_id <> g.lead_campus_id AND j.level = 'COUNTY'
      AND EXISTS (SELECT 1 FROM staff s WHERE s.home_campus_id = m.campus_id)
    ORDER BY m.id LIMIT 1`);
  const [to] = await hub.ds.query(`SELECT id::text FROM jurisdiction WHERE level = 'COUNTY' AND id <> $1 AND id IN (SELECT jurisdiction_id FROM campus) ORDER BY code LIMIT 1`, [m.gj]);
  await hub.ds.query(`UPDATE campus SET jurisdiction_id = $1 WHERE id = $2`, [to.id, m.campus]);
  county = m.county;
  outsider = { campus: m.campus, to: to.id };
});

test('the staff copy follows a campus that moves (ON UPDATE CASCADE)', async () => {
  const rows = await hub.ds.query(`SELECT DISTINCT home_jurisdiction_id::text AS j FROM staff WHERE home_campus_id = $1`, [outsider.campus]);
  expect(rows).toEqual([{ j: outsider.to }]);
  const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM staff s JOIN campus c ON c.id = s.home_campus_id WHERE c.jurisdiction_id <> s.home_jurisdiction_id`);
  expect(n).toBe(0);
});

test("a county's staff, page after page, are exactly its staff of record, in id order, once each", async () => {
  const want = await expected(county);
  const brought: Array<{ id: string }> = await hub.ds.query(`SELECT id::text FROM staff WHERE home_campus_id = $1`, [outsider.campus]);
  // The comparison means something: staff brought in from the other county are among them.
  expect(brought.length).toBeGreaterThan(0);
  expect(want).toEqual(expect.arrayContaining(brought.map((b) => b.id)));
  for (const role of ['BUREAU_ADMIN', 'ANALYST'] as const) {
    const c = hub.as({ sub: `t:hj-${role}`, role, jurisdiction: county });
    for (const first of [7, 50, 500]) {
      const { ids, pages } = await allPages(c, first);
      expect({ role, first, ids }).toEqual({ role, first, ids: want });
      expect(pages).toBe(Math.floor(want.length / first) + 1);
    }
    // totalCount counts the same set.
    expect((await c.data(`{ staffMembers(first: 1) { totalCount } }`)).staffMembers.totalCount).toBe(want.length);
  }
  // The county the campus moved to lists them as its own too.
  const [{ code: toCode }] = await hub.ds.query(`SELECT code FROM jurisdiction WHERE id = $1`, [outsider.to]);
  const other = hub.as({ sub: 't:hj-other', role: 'BUREAU_ADMIN', jurisdiction: toCode });
  expect((await allPages(other, 40)).ids).toEqual(await expected(toCode));
});

test("a city's staff (an area of more than 8 jurisdictions, read one jurisdiction at a time) and a province's are exactly their staff of record", async () => {
  // The city over the county the group answers to when it is read by branches (rules.ts
  // BRANCHED_AREA), else the city with most staff that is; and that city's province (its rule stays on the row).
  const [city] = await hub.ds.query(`
    SELECT j.code, p.code AS province, (SELECT count(*) FROM jurisdiction_ancestor x WHERE x.ancestor_id = j.id)::int AS size
    FROM jurisdiction j JOIN jurisdiction p ON p.id = j.parent_id
    WHERE j.level = 'CITY' AND (SELECT count(*) FROM jurisdiction_ancestor x WHERE x.ancestor_id = j.id) BETWEEN 9 AND 32
    ORDER BY EXISTS (SELECT 1 FROM jurisdiction_ancestor x JOIN jurisdiction c ON c.id = x.jurisdiction_id WHERE x.ancestor_id = j.id AND c.code = $1) DESC,
      (SELECT count(*) FROM staff s JOIN jurisdiction_ancestor x ON x.jurisdiction_id = s.home_jurisdiction_id WHERE x.ancestor_id = j.id) DESC
    LIMIT 1`, [county]);
  expect(city.size).toBeGreaterThan(8);
  for (const code of [city.code, city.province]) {
    const want = await expected(code);
    expect(want.length).toBeGreaterThan(0);
    const c = hub.as({ sub: `t:hj-area-${code}`, role: 'ANALYST', jurisdiction: code });
    for (const first of [9, 500]) expect({ code, first, ids: (await allPages(c, first)).ids }).toEqual({ code, first, ids: want });
    expect((await c.data(`{ staffMembers(first: 1) { totalCount } }`)).staffMembers.totalCount).toBe(want.length);
  }
});

test('filters apply to every branch of the page', async () => {
  const c = hub.as({ sub: 't:hj-filter', role: 'BUREAU_ADMIN', jurisdiction: county });
  const want = await expected(county, `s.role = 'TEACHER' AND s.backbone`);
  expect(want.length).toBeGreaterThan(1);
  expect((await allPages(c, 3, { roles: ['TEACHER'], backbone: true })).ids).toEqual(want);
});

test("a person whose home campus changes is listed by the new campus's county, not the old one's", async () => {
  const [{ from, fromCode }] = await hub.ds.query(`SELECT c.id::text AS from, j.code AS "fromCode" FROM campus c JOIN jurisdiction j ON j.id = c.jurisdiction_id
    WHERE j.code <> $1 AND NOT EXISTS (SELECT 1 FROM group_membership m WHERE m.campus_id = c.id AND m.status = 'ACTIVE') ORDER BY c.id LIMIT 1`, [county]);
  const [to] = await hub.ds.query(`SELECT c.id::text, c.school_id::text AS school FROM campus c JOIN jurisdiction j ON j.id = c.jurisdiction_id
    WHERE j.code = $1 ORDER BY c.id LIMIT 1`, [county]);
  // A school of the source campus's county moves a teacher to a campus of the other county: done
  // here by the home campus column itself (a person's home school is fixed by upsertStaff's key).
  const [{ id }] = await hub.ds.query(`SELECT s.id::text FROM staff s WHERE s.home_campus_id = $1 ORDER BY s.id LIMIT 1`, [from]);
  await hub.ds.query(`UPDATE staff SET school_id = $1, home_campus_id = $2 WHERE id = $3`, [to.school, to.id, id]);
  const [{ j }] = await hub.ds.query(`SELECT home_jurisdiction_id::text AS j FROM staff WHERE id = $1`, [id]);
  const [{ cj }] = await hub.ds.query(`SELECT jurisdiction_id::text AS cj FROM campus WHERE id = $1`, [to.id]);
  expect(j).toBe(cj);
  const byId = async (code: string) => (await allPages(hub.as({ sub: `t:hj-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code }), 500)).ids;
  expect(await byId(county)).toContain(id);
  expect(await byId(fromCode)).not.toContain(id);
});

test('the copy is never what a writer says: a value given is replaced by the campus\'s, and the foreign key holds it there', async () => {
  const [s] = await hub.ds.query(`SELECT id::text, home_jurisdiction_id::text AS j FROM staff ORDER BY id LIMIT 1`);
  const [other] = await hub.ds.query(`SELECT id::text FROM jurisdiction WHERE id <> $1 ORDER BY code LIMIT 1`, [s.j]);
  await hub.ds.query(`UPDATE staff SET home_jurisdiction_id = $1 WHERE id = $2`, [other.id, s.id]);
  const [{ j }] = await hub.ds.query(`SELECT home_jurisdiction_id::text AS j FROM staff WHERE id = $1`, [s.id]);
  expect(j).toBe(s.j);
  // With the trigger out of the way (a bulk load that disables triggers), the foreign key refuses it.
  await hub.ds.query(`ALTER TABLE staff DISABLE TRIGGER staff_home_jurisdiction`);
  try {
    await expect(hub.ds.query(`UPDATE staff SET home_jurisdiction_id = $1 WHERE id = $2`, [other.id, s.id])).rejects.toMatchObject({ code: '23503' });
  } finally {
    await hub.ds.query(`ALTER TABLE staff ENABLE TRIGGER staff_home_jurisdiction`);
  }
});

test('the audit trail of upsertStaff does not carry the copy', async () => {
  const [campus] = await hub.ds.query(`SELECT c.id::text, j.code FROM campus c JOIN school s ON s.id = c.school_id JOIN jurisdiction j ON j.id = s.jurisdiction_id ORDER BY c.id LIMIT 1`);
  const bureau = hub.as({ sub: 't:hj-audit', role: 'BUREAU_ADMIN', jurisdiction: campus.code });
  const input = { externalId: 'HJ-AUDIT-1', homeCampusId: encodeId('Campus', campus.id), name: '审计', role: 'TEACHER', title: 'SECOND', subjects: [], backbone: false, fullTimeTeacher: true };
  const { id } = (await bureau.data(`mutation($input: UpsertStaffInput!) { upsertStaff(input: $input) { id } }`, { input })).upsertStaff;
  const rows = await hub.ds.query(`SELECT diff FROM audit_entry WHERE entity_id = $1`, [decodeId(id)!.uuid]);
  expect(rows.length).toBe(1);
  expect(JSON.stringify(rows[0].diff)).toContain('home_campus_id');
  expect(JSON.stringify(rows[0].diff)).not.toContain('home_jurisdiction_id');
});
