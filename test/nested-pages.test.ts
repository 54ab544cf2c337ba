import pg from 'pg';
import { plansMadeSoFar } from '../server/graphql/prefetch';
import { startHub, TestHub } from './support/hub';

/**
 * Nested pages fetched in their parent's statement (graphql/prefetch.ts PagePlan): what a page
 * fetched at one place must never do at another. Each answer is compared with the hub's answer
 * with the prefetch off (HUB_PREFETCH=0, read per request: every nested page then runs its
 * connection's own batched statement), and checked against the rule it must keep.
 */
let hub: TestHub;
let groupId: string;
beforeAll(async () => {
  hub = await startHub();
  // The group with the most memberships (several pages' worth at first: 2).
  const [g] = await hub.ds.query(`SELECT group_id::text AS id FROM group_membership GROUP BY group_id ORDER BY count(*) DESC, group_id LIMIT 1`);
  groupId = Buffer.from(`EducationGroup:${g.id}`).toString('base64url');
});
afterAll(() => hub.stop());

async function bothWays(query: string, variables?: Record<string, unknown>) {
  const on = await hub.gql(query, variables);
  process.env.HUB_PREFETCH = '0';
  try {
    const off = await hub.gql(query, variables);
    return { on, off };
  } finally {
    delete process.env.HUB_PREFETCH;
  }
}

/** The SQL texts the hub's connections run while `fn` runs (the hub runs in this process, on this `pg`). */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const texts: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    texts.push(typeof q === 'string' ? q : q?.text ?? '');
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return texts;
}

describe('a page fetched with its parent', () => {
  test('is not served at another place that asks more of it (a lookup loader and a fragment shared by two places)', async () => {
    const q = `query($id: ID!) { group(id: $id) { ...F }
      node(id: $id) { ... on EducationGroup { ...F memberships(first: 2) { edges { node { joinedOn status role } } } } } }
      fragment F on EducationGroup { memberships(first: 2) { edges { node { id } } } }`;
    const { on, off } = await bothWays(q, { id: groupId });
    expect(on.errors).toBeUndefined();
    expect(on.data).toEqual(off.data);
    // The second place's fields are there: every membership has a status and a role.
    for (const e of (on.data as any).node.memberships.edges) {
      expect(typeof e.node.status).toBe('string');
      expect(typeof e.node.role).toBe('string');
    }
  });

  test('is not served through a joined row another list handed to the relation loader', async () => {
    const q = `{ groups(first: 50) { edges { node { memberships(first: 50) { edges { node { campus { id currentGroup { id } school { code } ...S } } } } } } }
      evaluationCycles(first: 10) { edges { node { evaluations(first: 50) { edges { node { id campus { id school { code name } ...S staff(first: 2) { edges { node { name role } } } } } } } } } } }
      fragment S on Campus { staff(first: 2) { edges { node { id } } } }`;
    const { on, off } = await bothWays(q);
    expect(on.errors).toBeUndefined();
    expect(on.data).toEqual(off.data);
    const evaluations = (on.data as any).evaluationCycles.edges.flatMap((c: any) => c.node.evaluations.edges);
    const campuses = evaluations.map((e: any) => e.node.campus).filter(Boolean);
    expect(campuses.length).toBeGreaterThan(0);
    for (const c of campuses) expect(typeof c.school.name).toBe('string');
  });

  test('takes its arguments from its own field, not from a field of the same name on another type', async () => {
    const q = `{ campuses(first: 10) { edges { node { id ... on Node { ... on Posting { staff { name } } }
      staff(first: 3, filter: { backbone: true }) { totalCount edges { node { id backbone } } } } } } }`;
    const { on, off } = await bothWays(q);
    expect(on.errors).toBeUndefined();
    expect(on.data).toEqual(off.data);
    const staff = (on.data as any).campuses.edges.flatMap((c: any) => c.node.staff.edges.map((e: any) => e.node));
    expect(staff.length).toBeGreaterThan(0);
    for (const s of staff) expect(s.backbone).toBe(true);
  });

  test('under @skip or @include(if: false) is not fetched (the cost limit does not count it)', async () => {
    const q = `query($y: Boolean!) { groups(first: 20) { edges { node { id
      memberships(first: 20) @skip(if: $y) { edges { node { id campus { staff(first: 20) { edges { node { id } } } } } } }
      ... @include(if: $y) { postings(first: 5) { edges { node { id } } } } } } } }`;
    const skipped = await statementsOf(() => hub.data(q, { y: true }));
    const run = await statementsOf(() => hub.data(q, { y: false }));
    const pages = (texts: string[]) => texts.filter((t) => /json_agg/.test(t));
    // With the memberships skipped only the postings page runs; with them asked, only they (and the staff under them) do.
    expect(pages(skipped).some((t) => /FROM group_membership/.test(t))).toBe(false);
    expect(pages(skipped).some((t) => /FROM posting/.test(t))).toBe(true);
    expect(pages(run).some((t) => /FROM group_membership/.test(t) && /FROM staff/.test(t))).toBe(true);
    expect(pages(run).some((t) => /FROM posting/.test(t))).toBe(false);
    // And the answers are what they were.
    for (const y of [true, false]) {
      const { on, off } = await bothWays(q, { y });
      expect(on.errors).toBeUndefined();
      expect(on.data).toEqual(off.data);
    }
  });

  test('pages a parent row with its own arguments at each alias, and follows `after`', async () => {
    const first = await hub.data(`query($id: ID!) { group(id: $id) { memberships(first: 2) { pageInfo { hasNextPage endCursor } edges { node { id } } } } }`, { id: groupId });
    const after = first.group.memberships.pageInfo.endCursor;
    expect(first.group.memberships.pageInfo.hasNextPage).toBe(true);
    const q = `query($after: String) { groups(first: 50) { edges { node { id a: memberships(first: 1) { edges { node { id } } }
      b: memberships(first: 2, after: $after) { pageInfo { hasNextPage } edges { cursor node { id } } } } } } }`;
    const { on, off } = await bothWays(q, { after });
    expect(on.errors).toBeUndefined();
    expect(on.data).toEqual(off.data);
    const group = (on.data as any).groups.edges.find((g: any) => g.node.id === groupId);
    expect(group).toBeDefined();
    // The page after the first two: none of them again.
    const seen = new Set(first.group.memberships.edges.map((e: any) => e.node.id));
    expect(group.node.b.edges.length).toBeGreaterThan(0);
    for (const e of group.node.b.edges) expect(seen.has(e.node.id)).toBe(false);
    expect(group.node.a.edges.length).toBe(1);
  });
});

describe('what a page costs', () => {
  test('a lookup with pages fetches them for its own id only, not for rows looked up elsewhere in the query', async () => {
    const campuses = await hub.ds.query(`SELECT id::text FROM campus ORDER BY id LIMIT 2`);
    const [a, b] = campuses.map((c: { id: string }) => Buffer.from(`Campus:${c.id}`).toString('base64url'));
    const q = `query($a: ID!, $b: ID!) { campus(id: $a) { id staff(first: 5) { edges { node { id } } } } other: node(id: $b) { id } }`;
    const texts = await statementsOf(() => hub.data(q, { a, b }));
    const lookups = texts.filter((t) => /FROM campus t\b/.test(t));
    expect(lookups.some((t) => /json_agg/.test(t))).toBe(true);
    // The statement with the pages asks for one id; the other lookup has a statement without pages.
    for (const t of lookups.filter((x) => /json_agg/.test(x))) expect(t).not.toMatch(/t\.id = ANY/);
    const { on, off } = await bothWays(q, { a, b });
    expect(on.errors).toBeUndefined();
    expect(on.data).toEqual(off.data);
  });

  test('a lookup with pages reads only the columns its place selects, and answers every field as a full read does', async () => {
    // Few columns: the statement names only them (the group's and the joined lead campus's).
    const few = `query($id: ID!) { group(id: $id) { id name leadCampus { id name } memberships(first: 2) { edges { node { id } } } } }`;
    const texts = await statementsOf(() => hub.data(few, { id: groupId }));
    const lookup = texts.find((t) => /FROM education_group t\b/.test(t) && /json_agg/.test(t));
    expect(lookup).toBeDefined();
    for (const unread of ['t.charter_uri', 't.legal_entity', 't.created_at', '.address', '.stages']) expect(lookup).not.toContain(unread);
    // Every field, read at a place with pages: the same answer as with each read on its own (prefetch off).
    const all = `query($id: ID!) { group(id: $id) { id name mode status legalEntity establishedOn dissolvedOn createdAt updatedAt crossJurisdiction
        charter { title uri filedOn } jurisdiction { code } memberJurisdictions { code }
        leadCampus { id name address stages urbanRural urbanRuralCode studentCount classCount createdAt updatedAt school { code } jurisdiction { code } currentGroup { id } }
        memberships(first: 2) { edges { node { id role status campus { name address } } } } } }`;
    const { on, off } = await bothWays(all, { id: groupId });
    expect(on.errors).toBeUndefined();
    expect(on.data).toEqual(off.data);
    const g = (on.data as any).group;
    const [row] = await hub.ds.query(`SELECT g.name, g.legal_entity, c.address FROM education_group g JOIN campus c ON c.id = g.lead_campus_id
      WHERE g.id = $1`, [Buffer.from(groupId, 'base64url').toString().split(':')[1]]);
    expect(g.name).toBe(row.name);
    expect(g.legalEntity).toBe(row.legal_entity);
    expect(g.leadCampus.address).toBe(row.address);
  });

  test('a batched page for many parents fetches no pages under rows it does not serve', async () => {
    // Several counties' campuses in one windowed statement: the staff pages under them are left to their own statement.
    const q = `{ jurisdiction(code: "640500") { children { code campuses(first: 1) { edges { node { id staff(first: 2) { edges { node { id } } } } } } } } }`;
    const texts = await statementsOf(() => hub.data(q));
    const windowed = texts.filter((t) => /PARTITION BY/.test(t));
    expect(windowed.length).toBeGreaterThan(0);
    for (const t of windowed) expect(t).not.toMatch(/json_agg/);
    const { on, off } = await bothWays(q);
    expect(on.errors).toBeUndefined();
    expect(on.data).toEqual(off.data);
    expect((on.data as any).jurisdiction.children.length).toBeGreaterThan(1);
  });

  test('a document asked again and again is planned once per place, on either executor', async () => {
    // `__x` sends the document to graphql-js (graphql/executor.ts), which makes its field-node arrays anew per request.
    const q = `{ campuses(first: 20) { edges { node { __x: id staff(first: 1) { edges { node { id } } } } } } }`;
    await hub.data(q);
    const before = plansMadeSoFar();
    for (let i = 0; i < 30; i++) await hub.data(q);
    expect(plansMadeSoFar() - before).toBe(0);
  });
});
