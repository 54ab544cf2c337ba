import { decryptPii, isValidNationalId } from '../server/staff/pii';
import { piiKey } from '../server/staff/pii-key';
import { startHub, TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

describe('node(id) and single-entity lookups', () => {
  test('every Node type is reachable by its global id', async () => {
    const d = await hub.data(`{
      jurisdiction(code: "640502") { id }
      school(code: "2164050203") { id name }
      groups(first: 1) { edges { node { id leadCampus { id } memberships(first: 1) { edges { node { id } } }
        postings(first: 1) { edges { node { id staff { id } } } } libraries { id resources(first: 1) { edges { node { id } } } } } } }
      evaluationCycles(first: 1) { edges { node { id evaluations(first: 1) { edges { node { id } } } } } } }`);
    const g = d.groups.edges[0].node;
    const ids: Record<string, string> = {
      Jurisdiction: d.jurisdiction.id,
      School: d.school.id,
      Campus: g.leadCampus.id,
      EducationGroup: g.id,
      GroupMembership: g.memberships.edges[0].node.id,
      Posting: g.postings.edges[0].node.id,
      Staff: g.postings.edges[0].node.staff.id,
      ResourceLibrary: g.libraries[0].id,
      Resource: g.libraries[0].resources.edges[0].node.id,
      EvaluationCycle: d.evaluationCycles.edges[0].node.id,
      Evaluation: d.evaluationCycles.edges[0].node.evaluations.edges[0].node.id,
    };
    for (const [type, id] of Object.entries(ids)) {
      const r = await hub.data(`query($id: ID!) { node(id: $id) { __typename id } }`, { id });
      expect(r.node).toEqual({ __typename: type, id });
    }
    const typed = await hub.data(`query($g: ID!, $c: ID!, $s: ID!, $y: ID!) { group(id: $g) { id } campus(id: $c) { id } staff(id: $s) { id } evaluationCycle(id: $y) { id } }`,
      { g: ids.EducationGroup, c: ids.Campus, s: ids.Staff, y: ids.EvaluationCycle });
    expect(typed).toEqual({ group: { id: ids.EducationGroup }, campus: { id: ids.Campus }, staff: { id: ids.Staff }, evaluationCycle: { id: ids.EvaluationCycle } });
    // An id of another type, or garbage, finds nothing.
    const wrong = await hub.data(`query($c: ID!) { group(id: $c) { id } node(id: "garbage") { id } school(code: "0000000000") { id } }`, { c: ids.Campus });
    expect(wrong).toEqual({ group: null, node: null, school: null });
  });

  test('a withdrawn (soft-deleted) resource no longer exists, but stays on the change feed', async () => {
    const [{ id }] = await hub.ds.query(`SELECT id FROM resource WHERE deleted_at IS NOT NULL LIMIT 1`);
    const gid = Buffer.from(`Resource:${id}`).toString('base64url');
    const d = await hub.data(`query($id: ID!) { node(id: $id) { id } resources(first: 500) { totalCount edges { node { id } } } }`, { id: gid });
    expect(d.node).toBeNull();
    expect(d.resources.edges.map((e: any) => e.node.id)).not.toContain(gid);
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM change_event WHERE entity_id = $1 AND operation = 'DELETE'`, [id]);
    expect(n).toBe(1);
  });
});

describe('staff personal data', () => {
  test('ID numbers are valid, encrypted at rest, masked in the API and never revealed without pii:read', async () => {
    const d = await hub.data(`{ staffMembers(first: 100) { totalCount edges { node { id name nationalId nationalIdMasked } } } }`);
    expect(d.staffMembers.totalCount).toBeGreaterThan(1000);
    for (const { node } of d.staffMembers.edges) {
      expect(node.nationalId).toBeNull();
      expect(node.nationalIdMasked).toMatch(/^\*{14}[\dX]{4}$/); // at most the last four characters
    }
    const rows = await hub.ds.query(`SELECT national_id_cipher, national_id_masked FROM staff LIMIT 200`);
    for (const r of rows) {
      const raw = (r.national_id_cipher as Buffer).toString('latin1');
      expect(raw).not.toMatch(/\d{17}[\dX]/);
      const plain = decryptPii(r.national_id_cipher, piiKey());
      expect(isValidNationalId(plain)).toBe(true);
      expect(`${'*'.repeat(14)}${plain.slice(-4)}`).toBe(r.national_id_masked);
    }
  });

  test('staff filters', async () => {
    const d = await hub.data(`{
      all: staffMembers { totalCount }
      principals: staffMembers(filter: { roles: [PRINCIPAL] }) { totalCount }
      backboneMath: staffMembers(first: 500, filter: { backbone: true, subject: "数学" }) { totalCount edges { node { backbone subjects } } }
      senior: staffMembers(filter: { titles: [SENIOR, SENIOR_PROFESSOR] }) { totalCount } }`);
    // One principal per campus, except a campus headed by an executive principal (执行校长) posted in.
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM campus c WHERE NOT EXISTS
      (SELECT 1 FROM posting p WHERE p.to_campus_id = c.id AND p.host_role = 'PRINCIPAL' AND p.status = 'ACTIVE')`);
    expect(n).toBeLessThan(97);
    expect(d.principals.totalCount).toBe(n);
    expect(d.backboneMath.totalCount).toBeGreaterThan(0);
    for (const { node } of d.backboneMath.edges) {
      expect(node.backbone).toBe(true);
      expect(node.subjects).toContain('数学');
    }
    expect(d.senior.totalCount).toBeLessThan(d.all.totalCount);
  });
});

describe('campus filters and postings', () => {
  test('grouped, urban/rural, stage, type and name filters', async () => {
    const d = await hub.data(`{
      all: campuses { totalCount }
      grouped: campuses(filter: { grouped: true }) { totalCount }
      ungrouped: campuses(filter: { grouped: false }) { totalCount edges { node { currentGroup { id } } } }
      rural: campuses(first: 500, filter: { urbanRural: [RURAL] }) { edges { node { urbanRural } } }
      kg: campuses(first: 500, filter: { schoolTypes: [KINDERGARTEN] }) { edges { node { school { type } } } }
      junior: campuses(first: 500, filter: { stages: [JUNIOR] }) { edges { node { stages } } }
      named: campuses(filter: { nameContains: "初中部" }) { edges { node { name school { name } } } } }`);
    expect(d.grouped.totalCount + d.ungrouped.totalCount).toBe(d.all.totalCount);
    expect(d.ungrouped.totalCount).toBe(7);
    expect(d.ungrouped.edges.every((e: any) => e.node.currentGroup === null)).toBe(true);
    expect(d.rural.edges.every((e: any) => e.node.urbanRural === 'RURAL')).toBe(true);
    expect(d.kg.edges.every((e: any) => e.node.school.type === 'KINDERGARTEN')).toBe(true);
    expect(d.junior.edges.every((e: any) => e.node.stages.includes('JUNIOR'))).toBe(true);
    expect(d.named.edges.length).toBeGreaterThan(0);
    expect(d.named.edges.every((e: any) => e.node.name === '初中部')).toBe(true);
  });

  test('postings: school-year overlap, status, and weak-school service', async () => {
    const d = await hub.data(`{
      y: postings(first: 500, filter: { schoolYear: "2025-2026" }) { totalCount edges { node { startDate endDate } } }
      active: postings(first: 500, filter: { statuses: [ACTIVE] }) { totalCount edges { node { status staff { currentPosting { status } } } } }
      out: postings(first: 500, filter: { types: [TEACHING_SUPPORT] }) { edges { node { countsAsRuralService fromCampus { id } group { leadCampus { id } } } } } }`);
    expect(d.y.totalCount).toBeGreaterThan(0);
    for (const { node } of d.y.edges) {
      expect(node.startDate <= '2026-08-31').toBe(true);
      expect(node.endDate === null || node.endDate >= '2025-09-01').toBe(true);
    }
    expect(d.active.edges.every((e: any) => e.node.staff.currentPosting.status === 'ACTIVE')).toBe(true);
    // Service by lead-campus staff at a member campus counts as weak-school service [000 §三(七)].
    for (const { node } of d.out.edges) expect(node.countsAsRuralService).toBe(node.fromCampus.id === node.group.leadCampus.id);
  });
});

describe('errors', () => {
  test('an unexpected failure answers INTERNAL_SERVER_ERROR with no stack trace or SQL', async () => {
    // A database fault, simulated on a copy of the demo: a table the query needs is gone.
    const broken = await startHub({ writes: true });
    try {
      await broken.ds.query(`ALTER TABLE resource_use RENAME TO resource_use_gone`);
      const r = await broken.gql(`{ resources(first: 1) { edges { node { useCount } } } }`);
      expect(r.errors?.[0].message).toBe('Internal server error');
      expect(r.errors?.[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      expect(JSON.stringify(r)).not.toMatch(/resource_use|SELECT|relation|stack|\.ts:/);
    } finally {
      await broken.stop();
    }
    // A forged cursor is bad input, not a failure.
    const cursor = Buffer.from(`f:99999999999999999999999:1:${Math.floor(Date.now() / 1000)}`).toString('base64url');
    const bad = await hub.gql(`query($c: String) { changes(after: $c) { hasMore } }`, { c: cursor });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  test('bad input names the field; malformed dates never reach the database', async () => {
    const r = await hub.gql(`{ jurisdiction(code: "640502") { groups { edges { node { fundingEntitlement(schoolYear: "2025") { total } } } } } }`);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'schoolYear' });
    const d = await hub.gql(`mutation($d: Date!) { exitMembership(id: "x", on: $d, reason: "r") { id } }`, { d: '2025-02-30' });
    expect(d.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
