import { createHubClient } from '../sdk/src';
import { NATIONAL_BUREAU, startHub, TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

test('the generated SDK reads groups, pages campuses and follows the change feed', async () => {
  const sdk = createHubClient(hub.url, await hub.headers(NATIONAL_BUREAU));
  const groups = await sdk.Groups({ first: 50, filter: { nameContains: '第四中学' } });
  expect(groups.groups.edges[0].node).toMatchObject({ name: '中卫市第四中学教育集团', mode: 'ALLIANCE', memberships: { totalCount: 4 } });

  const seen = new Set<string>();
  let after: string | null | undefined = null;
  do {
    const page = await sdk.Campuses({ first: 40, after });
    page.campuses.edges.forEach((e) => seen.add(e.node.id));
    after = page.campuses.pageInfo.hasNextPage ? page.campuses.pageInfo.endCursor : null;
  } while (after);
  expect(seen.size).toBe(97);

  const feed = await sdk.Changes({ first: 100, entityTypes: ['School'] });
  expect(feed.changes.changes.every((c) => c.entityType === 'School' && c.naturalKey?.length === 10)).toBe(true);
  expect(feed.changes.changes).toHaveLength(92);
  // Nothing new: the cursor stays where it is.
  const again = await sdk.Changes({ first: 100, entityTypes: ['School'], after: feed.changes.endCursor });
  expect(again.changes).toEqual({ endCursor: feed.changes.endCursor, hasMore: false, changes: [] });
});
