import { startHub, TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

describe('the jurisdiction tree (reference data)', () => {
  test('is complete: the nation, 31 provinces, 342 cities and every county-level unit', async () => {
    const d = await hub.data(`{
      top: jurisdictions { totalCount edges { node { code name level parent { code } children { code } } } }
      provinces: jurisdictions(level: PROVINCE) { totalCount }
      cities: jurisdictions(level: CITY) { totalCount }
      counties: jurisdictions(level: COUNTY) { totalCount }
      zones: jurisdictions(level: ZONE) { totalCount } }`);
    expect(d.top.totalCount).toBe(1);
    expect(d.top.edges[0].node).toMatchObject({ code: '000000', level: 'NATION', parent: null });
    expect(d.top.edges[0].node.children).toHaveLength(31);
    expect(d.provinces.totalCount).toBe(31);
    expect(d.cities.totalCount).toBe(342);
    expect(d.counties.totalCount + d.zones.totalCount).toBeGreaterThanOrEqual(2974);
  });

  test('places of the seed documents sit where GB/T 2260 puts them', async () => {
    const d = await hub.data(`{
      bn: jurisdiction(code: "500113") { name level parent { code parent { code name } } }
      sp: jurisdiction(code: "640502") { name level parent { code name } }
      gz: jurisdiction(code: "620702") { name parent { name } }
      km: jurisdiction(code: "530100") { name level children { code } }
      zone: jurisdiction(code: "411373") { name level parent { code name } }
      none: jurisdiction(code: "999999") { code } }`);
    expect(d.bn).toEqual({ name: '巴南区', level: 'COUNTY', parent: { code: '500100', parent: { code: '500000', name: '重庆市' } } });
    expect(d.sp).toEqual({ name: '沙坡头区', level: 'COUNTY', parent: { code: '640500', name: '中卫市' } });
    expect(d.gz.parent.name).toBe('张掖市');
    expect(d.km.children.map((c: any) => c.code)).toEqual(expect.arrayContaining(['530102', '530128', '530129']));
    expect(d.zone).toEqual({ name: '南阳市职教园区', level: 'ZONE', parent: { code: '411300', name: '南阳市' } });
    expect(d.none).toBeNull();
  });

  test('campuses and groups of a jurisdiction include everything below it', async () => {
    const d = await hub.data(`{
      city: jurisdiction(code: "530100") { campuses { totalCount } groups { totalCount } }
      county: jurisdiction(code: "530129") { campuses { totalCount edges { node { jurisdiction { code } } } } groups { totalCount } }
      province: jurisdiction(code: "640000") { campuses { totalCount } groups { totalCount } } }`);
    const [{ n: kunming }] = await hub.ds.query(
      `SELECT count(*)::int AS n FROM campus c JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE j.code LIKE '5301%'`);
    expect(d.city.campuses.totalCount).toBe(kunming);
    expect(d.county.campuses.edges.every((e: any) => e.node.jurisdiction.code === '530129')).toBe(true);
    // The cross-county group is supervised by the city, not by the county it reaches into.
    expect(d.city.groups.totalCount).toBe(1);
    expect(d.county.groups.totalCount).toBe(0);
    expect(d.province.groups.totalCount).toBe(5);
  });

  test('is announced on the change feed with the division code as natural key', async () => {
    const d = await hub.data(`{ changes(first: 5000, entityTypes: ["Jurisdiction"]) { hasMore changes { naturalKey operation node { ... on Jurisdiction { code } } } } }`);
    expect(d.changes.hasMore).toBe(false);
    expect(d.changes.changes).toHaveLength(3349);
    const sp = d.changes.changes.find((c: any) => c.naturalKey === '640502');
    expect(sp).toEqual({ naturalKey: '640502', operation: 'UPSERT', node: { code: '640502' } });
  });
});
