/**
 * The hub's typed SDK (placeholder for the SDK issue: generated operations only, no sync or
 * pagination helpers yet). Regenerate with `npm run codegen`.
 */
import { GraphQLClient } from 'graphql-request';
import { getSdk } from './generated';

export * from './generated';

export function createHubClient(url: string, headers: Record<string, string> = {}) {
  return getSdk(new GraphQLClient(url, { headers }));
}
