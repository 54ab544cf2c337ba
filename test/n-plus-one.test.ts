import { startHub, TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

/**
 * SQL statements per request must grow with query depth, not with result size: the same
 * nested query at first: 5 and first: 200 runs the same number of statements.
 */
const GROUPS_DEEP = `query($n: Int) { groups(first: $n) { totalCount edges { node { name
  memberships(first: $n) { totalCount edges { node { role campus { name school { code jurisdiction { code parent { code } } } } } } } } } } }`;
const POSTINGS_DEEP = `query($n: Int) { postings(first: $n) { totalCount edges { node { type
  staff { name homeCampus { name school { name } } } fromCampus { name } toCampus { name } group { name } } } } }`;
const CAMPUSES_WIDE = `query($n: Int) { campuses(first: $n) { edges { node { name fullTimeTeacherCount
  currentGroup { name stats(schoolYear: "2025-2026") { rotationRate } } leadershipQuota { overQuota }
  staff(first: $n) { totalCount edges { node { name currentPosting { toCampus { name } } postings { status } } } } } } } }`;

describe('statement counts do not depend on page size', () => {
  test.each([
    ['groups → memberships → campus → school → jurisdiction', GROUPS_DEEP, 'groups'],
    ['postings → staff → homeCampus', POSTINGS_DEEP, 'postings'],
  ])('%s', async (_name, query, root) => {
    const small = await hub.gql(query, { n: 5 });
    const large = await hub.gql(query, { n: 200 });
    expect(small.errors).toBeUndefined();
    expect(large.errors).toBeUndefined();
    // The large page really is larger...
    expect((large.data as any)[root].edges.length).toBeGreaterThan((small.data as any)[root].edges.length);
    // ...and costs exactly as many statements.
    expect(Number.isFinite(small.statements)).toBe(true);
    expect(large.statements).toBe(small.statements);
  });

  test('a wide query with computed fields stays within one statement per loader', async () => {
    // 97 campuses with thousands of staff and postings below them: a per-row cost would
    // run into the thousands. (Exact equality across sizes does not hold here: a loader's
    // cache may already hold what a small page needs.)
    const large = await hub.gql(CAMPUSES_WIDE, { n: 200 });
    expect(large.errors).toBeUndefined();
    const staffRows = (large.data as any).campuses.edges.reduce((n: number, e: any) => n + e.node.staff.edges.length, 0);
    expect(staffRows).toBeGreaterThan(1000);
    expect(large.statements).toBeLessThanOrEqual(20);
  });
});

describe('nested pages are fetched in their parent\'s statement (graphql/prefetch.ts)', () => {
  const PAGES = `query($n: Int) { groups(first: $n) { edges { node { id name memberships(first: $n) { edges { node { id
    campus { id name school { code } staff(first: $n) { edges { node { id name title } } } } } } } } } } }`;

  test('groups → memberships → campus → staff: one statement at any page size, three without the prefetch', async () => {
    const small = await hub.gql(PAGES, { n: 3 });
    const large = await hub.gql(PAGES, { n: 50 });
    expect(small.errors).toBeUndefined();
    expect(large.errors).toBeUndefined();
    const staff = (r: any) => r.data.groups.edges.flatMap((g: any) => g.node.memberships.edges.flatMap((m: any) => m.node.campus.staff.edges));
    expect(staff(large).length).toBeGreaterThan(staff(small).length);
    expect(staff(small).length).toBeGreaterThan(0);
    expect(small.statements).toBe(1);
    expect(large.statements).toBe(1);
    process.env.HUB_PREFETCH = '0';
    try {
      const off = await hub.gql(PAGES, { n: 50 });
      // The same answer, one statement per level plus one per relation.
      expect(off.data).toEqual(large.data);
      expect(off.statements).toBeGreaterThanOrEqual(3);
    } finally {
      delete process.env.HUB_PREFETCH;
    }
  });

  test('a lookup by id with its members and their campuses: one statement, and one more for the count it selects', async () => {
    const { groups } = await hub.data(`{ groups(first: 1) { edges { node { id } } } }`);
    const r = await hub.gql(`query($id: ID!) { group(id: $id) { id name leadCampus { name } memberships(first: 100) { totalCount edges { node { id campus { name school { code } } } } } } }`,
      { id: groups.edges[0].node.id });
    expect(r.errors).toBeUndefined();
    expect(r.data.group.memberships.edges.length).toBeGreaterThan(0);
    // totalCount is one more statement, asked only because it is selected.
    expect(r.statements).toBe(2);
  });
});
