import { AnyDocument, documentText, matchedKind } from './document.js';
import { HubError } from './errors.js';
import { ConnectionOperation, operations, Operations } from './generated/operations.js';
import { paginator, Paginate } from './paginate.js';
import { DEFAULT_RETRY, isRetryable, retryDelay, sleep } from './retry.js';
import { sync, SyncOptions, SyncEntityType, SyncResult } from './sync.js';
import { FetchLike, GraphQLRequestBody, post, TransportOptions, wasNotSent } from './transport.js';

export const SDK_VERSION = '0.1.0';

export interface HubClientOptions {
  /** The hub's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** An API key (sent as X-Api-Key). */
  apiKey?: string;
  /** A bearer token, or a function returning a fresh one before each request. */
  token?: string | (() => string | Promise<string>);
  /** Per attempt; default 30 000. */
  timeoutMs?: number;
  /** Further attempts after a transient failure (network, timeout, 429, 503); default 3. */
  maxRetries?: number;
  /** Default: the global fetch (Node ≥ 20, browsers). */
  fetch?: FetchLike;
  /** Sent as User-Agent (where the runtime allows), e.g. "某厂商 MIS/2.3". */
  userAgent?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /**
   * Send the SDK's own operations by their sha256 first (persisted documents / APQ): the
   * text follows only when the hub answers PERSISTED_QUERY_NOT_FOUND. Default true.
   */
  persistedDocuments?: boolean;
}

export interface RequestOptions {
  /** Cancels the request and any retry waits. */
  signal?: AbortSignal;
}

type Args<V> = {} extends V ? [variables?: V, options?: RequestOptions] : [variables: V, options?: RequestOptions];

/** One method per Query and Mutation field, returning that field's value. */
export type OperationMethods = {
  [K in keyof Operations]: (...args: Args<Operations[K]['variables']>) => Promise<Operations[K]['result']>;
};

export type HubClient = OperationMethods & {
  /**
   * Any document of your own (a string, a TypedDocumentNode with source text, or one of the
   * SDK's *Document constants): returns the whole `data`. Queries are retried like the SDK's
   * own; a document with a mutation only when the hub certainly did nothing (429, refused
   * connection), unless `idempotent: true` says sending it twice is harmless.
   */
  request<TResult, TVariables>(
    document: AnyDocument<TResult, TVariables>,
    ...args: {} extends TVariables ? [variables?: TVariables, options?: RequestOptions & { idempotent?: boolean }] : [variables: TVariables, options?: RequestOptions & { idempotent?: boolean }]
  ): Promise<TResult>;
  /** Every node of a connection, page after page (500 a page unless `first` says otherwise). */
  paginate: Paginate;
  /** Follows the change feed from `cursor` (none: a full initial load) until caught up. */
  sync<K extends SyncEntityType = SyncEntityType>(options: SyncOptions<K>): Promise<SyncResult>;
};

/**
 * The hub's client. Errors: every method throws HubError; when the hub answered some data
 * with errors (a field error), the error carries that data (`error.data`) rather than
 * returning half a result silently.
 */
export function createHubClient(options: HubClientOptions): HubClient {
  if (!options?.url) throw new TypeError('createHubClient: url is required');
  const fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!fetchImpl) throw new TypeError('createHubClient: no global fetch here: pass options.fetch');
  const policy = { ...DEFAULT_RETRY, maxRetries: options.maxRetries ?? DEFAULT_RETRY.maxRetries };
  // Cleared when the hub shows it does not take hashes at all.
  let sendHashes = options.persistedDocuments ?? true;

  const transport: TransportOptions = {
    url: options.url,
    fetch: fetchImpl,
    timeoutMs: options.timeoutMs ?? 30_000,
    async headers() {
      const h: Record<string, string> = { ...options.headers };
      // Browsers own their User-Agent; elsewhere name the SDK unless told otherwise.
      if (options.userAgent !== undefined || !('document' in globalThis)) {
        h['user-agent'] = options.userAgent ?? `edu-group-hub-sdk/${SDK_VERSION}`;
      }
      if (options.apiKey) h['x-api-key'] = options.apiKey;
      if (options.token) h.authorization = `Bearer ${typeof options.token === 'function' ? await options.token() : options.token}`;
      return h;
    },
  };

  /** One attempt, persisted first when the document has a hash. */
  async function attempt(text: string, hash: string | undefined, variables: unknown, signal?: AbortSignal): Promise<unknown> {
    if (hash && sendHashes) {
      try {
        return await post(transport, { variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, signal);
      } catch (e) {
        if (!(e instanceof HubError)) throw e;
        if (e.code === 'PERSISTED_QUERY_NOT_SUPPORTED') sendHashes = false;
        else if (e.code !== 'PERSISTED_QUERY_NOT_FOUND') throw e;
      }
    }
    const body: GraphQLRequestBody = { query: text, variables };
    if (hash && sendHashes) body.extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    return post(transport, body, signal);
  }

  async function execute(text: string, hash: string | undefined, variables: unknown, idempotent: boolean, signal?: AbortSignal): Promise<unknown> {
    for (let n = 0; ; n++) {
      try {
        return await attempt(text, hash, variables, signal);
      } catch (e) {
        if (!(e instanceof HubError) || signal?.aborted || n >= policy.maxRetries || !isRetryable(e, idempotent, wasNotSent(e))) throw e;
        await sleep(retryDelay(n, policy, e.retryAfter), signal);
      }
    }
  }

  const client = {} as Record<string, unknown>;
  for (const [name, op] of Object.entries(operations)) {
    client[name] = async (variables?: unknown, opts?: RequestOptions) => {
      const data = (await execute(op.document.text, op.document.hash, variables ?? {}, op.idempotent, opts?.signal)) as Record<string, unknown>;
      return op.byKind ? matchedKind(data) : data[name];
    };
  }
  client.request = (document: AnyDocument<unknown, never>, variables?: unknown, opts?: RequestOptions & { idempotent?: boolean }) => {
    const { text, hash } = documentText(document);
    // A vendor's own mutation could do harm twice; its queries may be retried.
    const idempotent = opts?.idempotent ?? !/\bmutation\b/.test(text.replace(/#[^\n\r]*/g, ''));
    return execute(text, hash, variables ?? {}, idempotent, opts?.signal);
  };
  const hub = client as unknown as HubClient;
  client.paginate = paginator(hub, Object.entries(operations).filter(([, op]) => op.connection).map(([name]) => name as ConnectionOperation));
  client.sync = (opts: SyncOptions<SyncEntityType>) => sync(hub, opts);
  return hub;
}
