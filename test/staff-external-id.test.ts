import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { newId } from '../server/db/ids';
import { decodeId, encodeId } from '../server/graphql/ids';
import { checkDigit } from '../server/staff/pii';
import { Client, startHub, TestHub } from './support/hub';

/** Staff.externalId: the vendor's own key, readable by whoever reads the staff member. */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

async function vendor(jurisdiction: string, scopes: string[]): Promise<Client> {
  const key = newApiKey();
  const [{ id }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [jurisdiction]);
  await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash) VALUES ($1, $2, 'VENDOR', $3, '{}', $4, $5)`,
    [newId(), `vendor ${key.slice(4, 10)}`, id, scopes, hashApiKey(key)]);
  return hub.as({ apiKey: key });
}

const BY_ID = `query($id: ID!) { staff(id: $id) { id name externalId } }`;

test('the key a vendor upserts by is the key every reader of the staff member sees', async () => {
  const [campus] = await hub.ds.query(`SELECT c.id, s.code FROM campus c JOIN school s ON s.id = c.school_id
    JOIN jurisdiction j ON j.id = s.jurisdiction_id WHERE j.code = '640502' ORDER BY c.id LIMIT 1`);
  const writer = await vendor('640502', ['staff:read', 'staff:write', 'campus:read']);
  const base = '64050219900101002';
  const input = { externalId: 'MIS-T-4711', homeCampusId: encodeId('Campus', campus.id), name: '杨柳', nationalId: base + checkDigit(base),
    role: 'TEACHER', title: 'SECOND', subjects: ['数学'], backbone: false, fullTimeTeacher: true };
  const created = (await writer.data(`mutation($input: UpsertStaffInput!) { upsertStaff(input: $input) { id externalId } }`, { input })).upsertStaff;
  expect(created.externalId).toBe('MIS-T-4711');
  const [row] = await hub.ds.query(`SELECT external_id FROM staff WHERE id = $1`, [decodeId(created.id)!.uuid]);
  expect(row.external_id).toBe('MIS-T-4711');

  const readers: Record<string, Client> = {
    vendor: writer,
    readOnlyVendor: await vendor('640502', ['staff:read']),
    county: hub.as({ sub: 't:sp', role: 'BUREAU_ADMIN', jurisdiction: '640502' }),
    schoolAdmin: hub.as({ sub: 't:sa', role: 'SCHOOL_ADMIN', school: campus.code }),
    analyst: hub.as({ sub: 't:an', role: 'ANALYST', jurisdiction: '640502' }),
  };
  for (const [who, c] of Object.entries(readers)) {
    const s = (await c.data(BY_ID, { id: created.id })).staff;
    expect([who, s?.externalId]).toEqual([who, 'MIS-T-4711']);
  }
  // The analyst sees the name masked, the vendor's key in full.
  expect((await readers.analyst.data(BY_ID, { id: created.id })).staff.name).toBe('杨**');

  // Who cannot read the staff member learns nothing of its key.
  const elsewhere = await vendor('110101', ['staff:read']);
  expect((await elsewhere.data(BY_ID, { id: created.id })).staff).toBeNull();
  const noScope = await vendor('640502', ['campus:read']);
  const refused = await noScope.gql(BY_ID, { id: created.id });
  expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(JSON.stringify(refused.data ?? null)).not.toContain('MIS-T-4711');
});

test("a vendor paging its staff gets each member's own key", async () => {
  const v = await vendor('640502', ['staff:read']);
  const page = (await v.data(`{ staffMembers(first: 200) { edges { node { id externalId } } } }`)).staffMembers.edges.map((e: any) => e.node);
  expect(page.length).toBeGreaterThan(10);
  const rows = await hub.ds.query(`SELECT id, external_id FROM staff WHERE id = ANY($1::uuid[])`, [page.map((n: any) => decodeId(n.id)!.uuid)]);
  const byId = new Map(rows.map((r: any) => [encodeId('Staff', r.id), r.external_id]));
  expect(page.map((n: any) => [n.id, n.externalId])).toEqual(page.map((n: any) => [n.id, byId.get(n.id)]));
  expect(new Set(page.map((n: any) => n.externalId)).size).toBeGreaterThan(1);
});
