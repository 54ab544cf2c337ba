import { startHub, TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

type GroupsPage = { groups: { totalCount: number; edges: Array<{ node: { id: string; name: string; mode: string; memberships: { totalCount: number } } }> } };

describe('groups from the seed documents', () => {
  test('lists the published groups with their modes and member counts', async () => {
    const d = await hub.data<GroupsPage>(`{ groups(first: 50) { totalCount edges { node { id name mode memberships { totalCount } } } } }`);
    expect(d.groups.totalCount).toBe(16);
    const byName = new Map(d.groups.edges.map((e) => [e.node.name, e.node]));
    // 沙坡头区 [002]: 中卫市第四中学 leads 3 members.
    expect(byName.get('中卫市第四中学教育集团')).toMatchObject({ mode: 'ALLIANCE', memberships: { totalCount: 4 } });
    // 南阳职教园区 [001]: the trusteeship lists 6 members (over its cap of 5), as published.
    expect(byName.get('皇路店镇中心学校教育集团')).toMatchObject({ mode: 'TRUSTEESHIP', memberships: { totalCount: 7 } });
    // 甘州区 [004]: the close-type group.
    expect(byName.get('甘州区甘泉街小学教育集团')).toMatchObject({ mode: 'CLOSE', memberships: { totalCount: 3 } });
    const perCounty = await hub.data(`{
      a: jurisdiction(code: "411373") { groups { totalCount } }
      b: jurisdiction(code: "640502") { groups { totalCount } }
      c: jurisdiction(code: "620702") { groups { totalCount } }
      d: jurisdiction(code: "530100") { groups { totalCount } } }`);
    expect([perCounty.a.groups.totalCount, perCounty.b.groups.totalCount, perCounty.c.groups.totalCount, perCounty.d.groups.totalCount])
      .toEqual([4, 5, 6, 1]);
  });

  test('a group shows its lead campus, members, jurisdiction and charter', async () => {
    const d = await hub.data(`{ groups(filter: { nameContains: "第四中学" }) { edges { node {
      status legalEntity establishedOn charter { title filedOn }
      jurisdiction { code name level }
      leadCampus { name school { name typeCode } }
      memberships(status: [ACTIVE]) { totalCount edges { node { role status joinedOn campus { name } } } } } } } }`);
    const g = d.groups.edges[0].node;
    expect(g).toMatchObject({ status: 'ACTIVE', legalEntity: false, jurisdiction: { code: '640502', name: '沙坡头区', level: 'COUNTY' } });
    expect(g.leadCampus.name).toBe('中卫市第四中学');
    expect(g.charter.title).toBe('中卫市第四中学教育集团章程');
    const roles = g.memberships.edges.map((e: any) => e.node.role).sort();
    expect(roles).toEqual(['LEAD', 'MEMBER', 'MEMBER', 'MEMBER']);
  });

  test('filters: mode, status and cross-county', async () => {
    const d = await hub.data(`{
      close: groups(filter: { modes: [CLOSE] }) { totalCount }
      trusteeship: groups(filter: { modes: [TRUSTEESHIP], statuses: [ACTIVE] }) { totalCount }
      proposed: groups(filter: { statuses: [PROPOSED] }) { totalCount }
      cross: groups(filter: { crossJurisdiction: true }) { totalCount edges { node { name crossJurisdiction memberJurisdictions { code } } } }
      local: groups(filter: { crossJurisdiction: false }) { totalCount } }`);
    expect(d.close.totalCount).toBe(1);
    expect(d.trusteeship.totalCount).toBe(1);
    expect(d.proposed.totalCount).toBe(0);
    expect(d.cross.totalCount).toBe(1);
    expect(d.cross.edges[0].node).toEqual({
      name: '昆明市明远实验小学教育集团',
      crossJurisdiction: true,
      memberJurisdictions: [{ code: '530102' }, { code: '530128' }, { code: '530129' }],
    });
    expect(d.local.totalCount).toBe(15);
  });

  test('a pending cross-county application lists the approvals still due, in order', async () => {
    const d = await hub.data(`{ groups(filter: { crossJurisdiction: true }) { edges { node {
      memberships(status: [APPLIED]) { edges { node { status pendingApprovals approvals { authority decision jurisdiction { code } } campus { jurisdiction { code } } } } } } } } }`);
    const m = d.groups.edges[0].node.memberships.edges[0].node;
    expect(m.campus.jurisdiction.code).toBe('530128');
    expect(m.approvals).toEqual([{ authority: 'GROUP_COUNCIL', decision: 'APPROVED', jurisdiction: null }]);
    // The common parent (昆明市) supervises the group, so that step is not repeated.
    expect(m.pendingApprovals).toEqual(['SUPERVISING_BUREAU', 'HOME_BUREAU']);
  });
});
