import { encodeId } from '../server/graphql/ids';
import { As, startHub, TestHub } from './support/hub';

/**
 * The change feed follows scope, not just writes (issue 8, "the server side of sync"): when an
 * entity leaves a caller's scope of record the caller's feed announces a DELETE for it, and
 * when one enters, an UPSERT, even though the entity itself was not written.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const bureauOf = (code: string): As => ({ sub: `t:bureau-${code}`, role: 'BUREAU_ADMIN', jurisdiction: code });
const gid = encodeId;
const one = async (q: string, p: unknown[] = []) => (await hub.ds.query(q, p))[0];

/** Reads the caller's feed from `after` to its end: entity id → the last operation it saw. */
async function follow(who: As, after: string | null): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (;;) {
    const d = await hub.as(who).data(`query($after: String) { changes(after: $after, first: 5000) { endCursor hasMore changes { entityId operation } } }`, { after });
    for (const c of d.changes.changes) seen.set(c.entityId, c.operation);
    after = d.changes.endCursor;
    if (!d.changes.hasMore) return seen;
  }
}
const head = async (who: As) => (await hub.as(who).data(`{ changes(first: 0) { endCursor } }`)).changes.endCursor as string;

test('members leaving a cross-county group: the group\'s admin loses their campuses and staff, their county loses the group', async () => {
  const g = await one(`SELECT id FROM education_group WHERE name = '昆明市明远实验小学教育集团'`);
  const groupAdmin: As = { sub: 't:ga', role: 'GROUP_ADMIN', group: gid('EducationGroup', g.id) };
  const xundian = bureauOf('530129');
  const members = await hub.ds.query(`SELECT m.id, m.campus_id FROM group_membership m JOIN campus c ON c.id = m.campus_id JOIN jurisdiction j ON j.id = c.jurisdiction_id
    WHERE m.group_id = $1 AND m.status = 'ACTIVE' AND j.code = '530129'`, [g.id]);
  expect(members.length).toBeGreaterThan(0);
  const [fromAdmin, fromCounty] = [await head(groupAdmin), await head(xundian)];
  // Before: the group's admin reads these campuses and their staff; 寻甸 reads the group.
  for (const m of members) {
    await hub.as(bureauOf('530100')).data(`mutation($id: ID!) { exitMembership(id: $id, on: "2026-11-23", reason: "调整") { status } }`, { id: gid('GroupMembership', m.id) });
  }
  const campusIds = members.map((m: any) => m.campus_id);
  const adminSaw = await follow(groupAdmin, fromAdmin);
  for (const c of campusIds) expect(adminSaw.get(gid('Campus', c))).toBe('DELETE');
  // Staff of those campuses not posted in the group leave the admin's scope; those posted in it stay.
  const staff = await hub.ds.query(`SELECT s.id, EXISTS (SELECT 1 FROM posting p WHERE p.staff_id = s.id AND p.group_id = $2) AS posted
    FROM staff s WHERE s.home_campus_id = ANY($1::uuid[])`, [campusIds, g.id]);
  expect(staff.length).toBeGreaterThan(0);
  for (const s of staff) expect(adminSaw.get(gid('Staff', s.id))).toBe(s.posted ? undefined : 'DELETE');
  const countySaw = await follow(xundian, fromCounty);
  expect(countySaw.get(gid('EducationGroup', g.id))).toBe('DELETE');
  // Its own campuses stay its own.
  for (const c of campusIds) expect(countySaw.get(gid('Campus', c))).not.toBe('DELETE');
  // The lists agree with what the feed said.
  const listed = (await hub.as(xundian).data(`{ groups(first: 500) { edges { node { id } } } }`)).groups.edges.map((e: any) => e.node.id);
  expect(listed).not.toContain(gid('EducationGroup', g.id));
});

test('admission: the new member\'s county gains the group, the supervising county gains the campus and its staff', async () => {
  const siZhong = await one(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`);
  const g = gid('EducationGroup', siZhong.id);
  const zn = bureauOf('640521');
  const sp = bureauOf('640502');
  const made = await hub.as(zn).data(`mutation { upsertSchool(input: { code: "2164052177", name: "中宁县同步测试小学", type: PRIMARY, jurisdictionCode: "640521" }) { campuses { id } } }`);
  const campus = made.upsertSchool.campuses[0].id;
  const person = await hub.as(zn).data(`mutation($c: ID!) { upsertStaff(input: { externalId: "SYNC-1", homeCampusId: $c, name: "同步测试", role: TEACHER, title: SECOND, subjects: [], backbone: false, fullTimeTeacher: true }) { id } }`, { c: campus });
  const [fromZn, fromSp] = [await head(zn), await head(sp)];
  const m = await hub.as(zn).data(`mutation($g: ID!, $c: ID!) { applyForMembership(groupId: $g, campusId: $c) { id } }`, { g, c: campus });
  // An application brings nothing.
  expect((await follow(zn, fromZn)).get(g)).toBeUndefined();
  for (const who of [{ sub: 't:ga', role: 'GROUP_ADMIN', group: g } as As, sp, zn, bureauOf('640500')]) {
    await hub.as(who).data(`mutation($id: ID!) { decideMembership(id: $id, decision: APPROVED) { status } }`, { id: m.applyForMembership.id });
  }
  expect((await follow(zn, fromZn)).get(g)).toBe('UPSERT');
  const spSaw = await follow(sp, fromSp);
  expect(spSaw.get(campus)).toBe('UPSERT');
  expect(spSaw.get(person.upsertStaff.id)).toBe('UPSERT');
});

test('a campus that moves county leaves the old county\'s feed and enters the new one\'s, with its staff', async () => {
  const campus = await one(`SELECT c.id, c.name, s.code FROM campus c JOIN school s ON s.id = c.school_id JOIN jurisdiction j ON j.id = c.jurisdiction_id
    WHERE j.code = '640502' AND NOT EXISTS (SELECT 1 FROM group_membership m WHERE m.campus_id = c.id AND m.status = 'ACTIVE')
      AND EXISTS (SELECT 1 FROM staff st WHERE st.home_campus_id = c.id) LIMIT 1`);
  expect(campus).toBeTruthy();
  const staff = await hub.ds.query(`SELECT id FROM staff WHERE home_campus_id = $1`, [campus.id]);
  const [from502, from521] = [await head(bureauOf('640502')), await head(bureauOf('640521'))];
  await hub.as(bureauOf('640500')).data(`mutation($input: UpsertCampusInput!) { upsertCampus(input: $input) { id } }`,
    { input: { schoolCode: campus.code, name: campus.name, jurisdictionCode: '640521' } });
  const old = await follow(bureauOf('640502'), from502);
  const neu = await follow(bureauOf('640521'), from521);
  // The school stays registered in 沙坡头区: the old county keeps it; the campus and its staff go.
  expect(old.get(gid('Campus', campus.id))).toBe('DELETE');
  expect(neu.get(gid('Campus', campus.id))).toBe('UPSERT');
  for (const s of staff) {
    expect(old.get(gid('Staff', s.id))).toBe('DELETE');
    expect(neu.get(gid('Staff', s.id))).toBe('UPSERT');
  }
});
