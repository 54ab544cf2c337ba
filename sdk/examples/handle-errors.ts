/**
 * Every error a vendor meets, and what to do about it. `whatToDo` is the switch to copy;
 * `demo` provokes the common ones against a hub and prints one JSON line per case.
 *
 *   HUB_URL=... HUB_API_KEY=hub_... node handle-errors.js
 */
import { createHubClient, HubError, HubErrorCode } from '@edu-group-hub/sdk';

export function whatToDo(e: HubError): string {
  const code: HubErrorCode = e.code;
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'the key is wrong, revoked or expired (or the token expired): get a new one; do not retry';
    case 'FORBIDDEN':
      return `outside what the key may read (${e.message}); partial data, if any, is in error.data`;
    case 'NOT_FOUND':
      return 'the id names nothing (any more): drop it locally';
    case 'BAD_USER_INPUT':
      return `fix the input${e.field ? ` (${e.field})` : ''}: ${e.message}`;
    case 'CONFLICT':
      return 'someone changed it first: read it again, then decide';
    case 'POLICY_VIOLATION':
      return `the bureau's rules forbid it: ${e.message}`;
    case 'RATE_LIMITED':
      return `budget spent even after the client's retries: wait ${e.retryAfter ?? '?'} s, send smaller pages`;
    case 'QUERY_TOO_COMPLEX':
      return 'ask for less at once (smaller first:, fewer nested lists or aliases)';
    case 'RESYNC_REQUIRED':
      return 'the stored cursor is too old: clear the local copy and sync from no cursor (sync does it with onResync)';
    case 'SERVICE_UNAVAILABLE':
    case 'NETWORK_ERROR':
    case 'TIMEOUT':
      return 'the hub is unreachable for now (the client already retried): try again later, keep the cursor';
    case 'GRAPHQL_PARSE_FAILED':
    case 'GRAPHQL_VALIDATION_FAILED':
      return `your own document is wrong for this schema: ${e.message}`;
    case 'PERSISTED_QUERY_NOT_FOUND':
    case 'PERSISTED_QUERY_NOT_SUPPORTED':
      return 'the hub does not know this document hash (the client resends the text by itself)';
    case 'INTERNAL_SERVER_ERROR':
      return `the hub failed: report request ${e.requestId ?? '(no id)'} to its operators`;
  }
}

export async function demo(): Promise<Array<{ case: string; code?: string; data?: boolean; advice?: string }>> {
  const url = process.env.HUB_URL ?? 'http://localhost:4000/graphql';
  const hub = createHubClient({ url, apiKey: process.env.HUB_API_KEY, maxRetries: 1 });
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['wrong key', () => createHubClient({ url, apiKey: 'hub_not-a-key' }).viewer()],
    ['kind outside the scopes', () => hub.evaluationCycles({ first: 1 })],
    ['page too large', () => hub.staffMembers({ first: 100_000 })],
    ['relation outside the scopes (partial data)', () => hub.request('{ campuses(first: 2) { edges { node { id name currentGroup { id } } } } }')],
    ['too many aliases', () => hub.request(`{ ${Array.from({ length: 40 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`)],
    ['unknown field', () => hub.request('{ viewer { nope } }')],
    ['cursor older than the feed keeps', () => hub.sync({
      // A feed cursor written in 2001: far beyond the 90-day retention.
      cursor: Buffer.from('f:1:1:1000000000').toString('base64url'),
      onUpsert: () => undefined,
      onDelete: () => undefined,
    })],
  ];
  const out = [];
  for (const [name, run] of cases) {
    try {
      await run();
      out.push({ case: name });
    } catch (e) {
      if (!(e instanceof HubError)) throw e;
      out.push({ case: name, code: e.code, data: e.data != null, advice: whatToDo(e) });
    }
  }
  return out;
}

if (process.argv[1] && /handle-errors\.[cm]?js$/.test(process.argv[1])) {
  demo().then((r) => r.forEach((c) => console.log(JSON.stringify(c))), (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
