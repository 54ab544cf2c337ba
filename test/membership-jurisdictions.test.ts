import { newId } from '../server/db/ids';
import { decodeId, encodeId } from '../server/graphql/ids';
import { startHub, TestHub } from './support/hub';
import { staffOfRecord } from './support/staff-of-record';

/**
 * Memberships carry their group's and their campus's jurisdiction (group_membership.
 * group_jurisdiction_id, campus_jurisdiction_id: migration 1734200000000), from which the scope
 * rules read the campuses a bureau's groups bring in from other counties (access/rules.ts
 * supervisedMembers). The copies must never drift from the rows they copy: here a campus and a
 * group move, a writer names a wrong value, and a membership is written through the API; then
 * the copies are compared with the group and campus rows, and a bureau's staff list with the
 * rule computed from those rows (never from the copies).
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

/** Memberships whose copies differ from their group's or campus's jurisdiction. */
async function drift(): Promise<number> {
  const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM group_membership m
    JOIN education_group g ON g.id = m.group_id JOIN campus c ON c.id = m.campus_id
    WHERE m.group_jurisdiction_id IS DISTINCT FROM g.jurisdiction_id OR m.campus_jurisdiction_id IS DISTINCT FROM c.jurisdiction_id`);
  return n;
}

const expected = (code: string) => staffOfRecord(hub.ds, code);

async function listed(code: string): Promise<string[]> {
  const c = hub.as({ sub: `t:mj-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
  const ids: string[] = [];
  for (let after: string | null = null; ;) {
    const r: any = (await c.data(`query($after: String) { staffMembers(first: 200, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { after })).staffMembers;
    ids.push(...r.edges.map((e: any) => decodeId(e.node.id)!.uuid));
    if (!r.pageInfo.hasNextPage) return ids;
    after = r.pageInfo.endCursor;
  }
}

test('the copies are filled for every membership and follow a campus and a group that move (ON UPDATE CASCADE)', async () => {
  const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM group_membership`);
  expect(n).toBeGreaterThan(0);
  expect(await drift()).toBe(0);
  // A member campus (not the lead) with staff moves to another county; its group's county must
  // keep listing its staff (through the group), and now as brought in from outside.
  const [m] = await hub.ds.query(`SELECT m.id::text, m.campus_id::text AS campus, m.group_id::text AS "group", j.code AS county, g.jurisdiction_id::text AS gj
    FROM group_membership m JOIN education_group g ON g.id = m.group_id JOIN jurisdiction j ON j.id = g.jurisdiction_id
    WHERE m.status = 'ACTIVE' AND m.campus_id <> g.lead_campus_id AND j.level = 'COUNTY'
      AND EXISTS (SELECT 1 FROM staff s WHERE s.home_campus_id = m.campus_id) ORDER BY m.id LIMIT 1`);
  const [to] = await hub.ds.query(`SELECT id::text, code FROM jurisdiction WHERE level = 'COUNTY' AND id <> $1 ORDER BY code LIMIT 1`, [m.gj]);
  await hub.ds.query(`UPDATE campus SET jurisdiction_id = $1 WHERE id = $2`, [to.id, m.campus]);
  const [after] = await hub.ds.query(`SELECT campus_jurisdiction_id::text AS cj, group_jurisdiction_id::text AS gj FROM group_membership WHERE id = $1`, [m.id]);
  expect(after).toEqual({ cj: to.id, gj: m.gj });
  const moved: Array<{ id: string }> = await hub.ds.query(`SELECT id::text FROM staff WHERE home_campus_id = $1`, [m.campus]);
  expect(moved.length).toBeGreaterThan(0);
  const want = await expected(m.county);
  expect(want).toEqual(expect.arrayContaining(moved.map((s) => s.id)));
  expect(await listed(m.county)).toEqual(want);

  // The group moves to the county its campus went to: the copies follow, and the first county
  // no longer lists the moved campus's staff.
  await hub.ds.query(`UPDATE education_group SET jurisdiction_id = $1 WHERE id = $2`, [to.id, m.group]);
  expect(await drift()).toBe(0);
  const [{ gj }] = await hub.ds.query(`SELECT group_jurisdiction_id::text AS gj FROM group_membership WHERE id = $1`, [m.id]);
  expect(gj).toBe(to.id);
  const now = await listed(m.county);
  expect(now).toEqual(await expected(m.county));
  expect(now).not.toEqual(expect.arrayContaining([moved[0].id]));
  expect(await listed(to.code)).toEqual(await expected(to.code));
});

test("a value a writer names is replaced by the group's and campus's, and the foreign keys hold them there", async () => {
  const [m] = await hub.ds.query(`SELECT id::text, group_jurisdiction_id::text AS gj, campus_jurisdiction_id::text AS cj FROM group_membership ORDER BY id LIMIT 1`);
  const [other] = await hub.ds.query(`SELECT id::text FROM jurisdiction WHERE id <> $1 AND id <> $2 ORDER BY code LIMIT 1`, [m.gj, m.cj]);
  await hub.ds.query(`UPDATE group_membership SET group_jurisdiction_id = $1, campus_jurisdiction_id = $1 WHERE id = $2`, [other.id, m.id]);
  const [{ gj, cj }] = await hub.ds.query(`SELECT group_jurisdiction_id::text AS gj, campus_jurisdiction_id::text AS cj FROM group_membership WHERE id = $1`, [m.id]);
  expect({ gj, cj }).toEqual({ gj: m.gj, cj: m.cj });
  // With the trigger out of the way (a bulk load that disables triggers), the foreign keys refuse them.
  await hub.ds.query(`ALTER TABLE group_membership DISABLE TRIGGER membership_jurisdictions`);
  try {
    for (const column of ['group_jurisdiction_id', 'campus_jurisdiction_id']) {
      await expect(hub.ds.query(`UPDATE group_membership SET ${column} = $1 WHERE id = $2`, [other.id, m.id])).rejects.toMatchObject({ code: '23503' });
    }
  } finally {
    await hub.ds.query(`ALTER TABLE group_membership ENABLE TRIGGER membership_jurisdictions`);
  }
});

test('a membership written through the API gets both copies, and its audit entry carries neither', async () => {
  // A new campus of 民乐县 applies to join a group of 甘州区 (cross-county, 跨县域).
  const [{ id: jid }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = '620722'`);
  const [group] = await hub.ds.query(`SELECT id::text, jurisdiction_id::text AS j FROM education_group WHERE name = '甘州区北街小学教育集团'`);
  const school = newId();
  const campus = newId();
  await hub.ds.query(`INSERT INTO school (id, code, name, type, type_code, jurisdiction_id) VALUES ($1, '2162072299', '民乐县测试小学', 'PRIMARY', '211', $2)`, [school, jid]);
  await hub.ds.query(`INSERT INTO campus (id, school_id, name, stages, urban_rural, jurisdiction_id, student_count) VALUES ($1, $2, '民乐县测试小学', '{PRIMARY}', 'RURAL', $3, 80)`,
    [campus, school, jid]);
  const bureau = hub.as({ sub: 't:mj-620722', role: 'BUREAU_ADMIN', jurisdiction: '620722' });
  const { id } = (await bureau.data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`,
    { g: encodeId('EducationGroup', group.id), c: encodeId('Campus', campus) })).applyForMembership;
  const uuid = decodeId(id)!.uuid;
  const [row] = await hub.ds.query(`SELECT group_jurisdiction_id::text AS gj, campus_jurisdiction_id::text AS cj FROM group_membership WHERE id = $1`, [uuid]);
  expect(row).toEqual({ gj: group.j, cj: jid });
  const audit = await hub.ds.query(`SELECT diff FROM audit_entry WHERE entity_id = $1`, [uuid]);
  expect(audit.length).toBeGreaterThan(0);
  expect(JSON.stringify(audit)).toContain('campus_id');
  expect(JSON.stringify(audit)).not.toMatch(/group_jurisdiction_id|campus_jurisdiction_id/);
});
