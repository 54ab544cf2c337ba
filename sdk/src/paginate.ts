import type { HubClient, RequestOptions } from './client.js';
import type { ConnectionOperation, Operations } from './generated/operations.js';

/** The element type of a connection-returning method, e.g. StaffFieldsFragment for staffMembers. */
export type NodeOf<K extends ConnectionOperation> = Operations[K]['result']['edges'][number]['node'];

/** hub.paginate.staffMembers({ filter }): every node, in the list's order, fetching page after page. */
export type Paginate = {
  [K in ConnectionOperation]: (variables?: Omit<Operations[K]['variables'], 'after'>, options?: RequestOptions) => AsyncGenerator<NodeOf<K>, void, undefined>;
};

/** The largest page the hub serves. */
export const MAX_PAGE = 500;

export function paginator(hub: HubClient, names: ConnectionOperation[]): Paginate {
  const out = {} as Record<string, unknown>;
  for (const name of names) {
    out[name] = async function* (variables: Record<string, unknown> = {}, options?: RequestOptions) {
      const method = hub[name] as unknown as (v: Record<string, unknown>, o?: RequestOptions) => Promise<Operations[ConnectionOperation]['result']>;
      let after: string | null = null;
      for (;;) {
        const page = await method({ ...variables, first: variables.first ?? MAX_PAGE, after }, options);
        for (const edge of page.edges) yield edge.node;
        // Keyset cursors: rows written while we page never shift the ones we have not seen.
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return;
        after = page.pageInfo.endCursor;
      }
    };
  }
  return out as Paginate;
}
