import { v7 } from 'uuid';
import { startHub, TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

const PAGE = `query($first: Int, $after: String) { campuses(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name } } } }`;

async function allCampusIds(pageSize: number, during?: (page: number) => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; ; page++) {
    const d: any = await hub.data(PAGE, { first: pageSize, after });
    ids.push(...d.campuses.edges.map((e: any) => e.node.id));
    if (during) await during(page);
    if (!d.campuses.pageInfo.hasNextPage) break;
    after = d.campuses.pageInfo.endCursor;
  }
  return ids;
}

describe('Relay connections', () => {
  test('pages cover the whole set exactly once and totalCount counts it all', async () => {
    const first = await hub.data(PAGE, { first: 10 });
    const total = first.campuses.totalCount;
    expect(total).toBe(97);
    const ids = await allCampusIds(10);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(first.campuses.edges[9].cursor).toBe(first.campuses.pageInfo.endCursor);
  });

  test('defaults to 50 and allows at most 500', async () => {
    const d = await hub.data(`{ campuses { edges { cursor } pageInfo { hasNextPage } } }`);
    expect(d.campuses.edges).toHaveLength(50);
    expect(d.campuses.pageInfo.hasNextPage).toBe(true);
    const tooMany = await hub.gql(`{ campuses(first: 501) { totalCount } }`);
    expect(tooMany.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const negative = await hub.gql(`{ staffMembers(first: -1) { totalCount } }`);
    expect(negative.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  test('a cursor that is not ours is bad input on "after"', async () => {
    const r = await hub.gql(`{ groups(after: "bm90LWEtY3Vyc29y") { totalCount } }`);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(r.errors?.[0].message).not.toMatch(/select|from|where/i);
  });

  test('rows inserted mid-pagination neither shift nor repeat the rows not yet seen', async () => {
    const before = await allCampusIds(500);
    const [{ school_id, jurisdiction_id }] = await hub.ds.query(`SELECT school_id, jurisdiction_id FROM campus LIMIT 1`);
    // An id earlier than every existing one (another replica's clock) and a current one.
    const early = '00000000-0000-7000-8000-000000000001';
    const inserted: string[] = [];
    try {
      const seen = await allCampusIds(7, async (page) => {
        if (page !== 2) return;
        for (const [id, name] of [[early, '分页测试早校区'], [v7(), '分页测试新校区']]) {
          await hub.ds.query(
            `INSERT INTO campus (id, school_id, name, stages, urban_rural, jurisdiction_id) VALUES ($1, $2, $3, '{PRIMARY}', 'URBAN', $4)`,
            [id, school_id, name, jurisdiction_id],
          );
          inserted.push(id);
        }
      });
      // Every row that existed before appears exactly once, in the same order.
      const old = seen.filter((id) => before.includes(id));
      expect(old).toEqual(before);
      expect(new Set(seen).size).toBe(seen.length);
    } finally {
      await hub.ds.query(`DELETE FROM campus WHERE id = ANY($1::uuid[])`, [inserted]);
    }
  });

  test('nested connections page independently per parent', async () => {
    const q = `query($after: String) { groups(filter: { nameContains: "兴仁" }) { edges { node {
      memberships(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } } } }`;
    const p1 = (await hub.data(q)).groups.edges[0].node.memberships;
    expect(p1.totalCount).toBe(7);
    expect(p1.edges).toHaveLength(3);
    const p2 = (await hub.data(q, { after: p1.pageInfo.endCursor })).groups.edges[0].node.memberships;
    const p3 = (await hub.data(q, { after: p2.pageInfo.endCursor })).groups.edges[0].node.memberships;
    const ids = [...p1.edges, ...p2.edges, ...p3.edges].map((e: any) => e.node.id);
    expect(new Set(ids).size).toBe(7);
    expect(p3.pageInfo.hasNextPage).toBe(false);
  });
});
