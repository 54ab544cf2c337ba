/**
 * Every failure the client reports is a HubError with a code a vendor can switch on.
 */

/** Codes of the hub's contract, the hub's own, Apollo's, and the client's (network, timeout). */
export type HubErrorCode =
  // The contract's codes.
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'POLICY_VIOLATION'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'RESYNC_REQUIRED'
  | 'INTERNAL_SERVER_ERROR'
  // The hub's: its database or rate-limit store is away for a moment (HTTP 503).
  | 'SERVICE_UNAVAILABLE'
  // Apollo Server's.
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_NOT_SUPPORTED'
  // The client's: no answer (connection refused or reset, DNS), or none within timeoutMs.
  | 'NETWORK_ERROR'
  | 'TIMEOUT';

/** One entry of a GraphQL response's `errors`. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

export interface HubErrorInit {
  code: HubErrorCode;
  message: string;
  field?: string;
  path?: ReadonlyArray<string | number>;
  requestId?: string;
  retryAfter?: number;
  data?: unknown;
  status?: number;
  errors?: GraphQLErrorEntry[];
  cause?: unknown;
}

export class HubError extends Error {
  /** What went wrong, from extensions.code (or the HTTP status, or the client). */
  readonly code: HubErrorCode;
  /** The input field at fault (extensions.field), e.g. `input.externalId`. */
  readonly field?: string;
  /** Where in the response the first error arose, e.g. ['groups', 'edges', 0, 'node', 'stats']. */
  readonly path?: ReadonlyArray<string | number>;
  /** The response's x-request-id header: quote it to the hub's operators. */
  readonly requestId?: string;
  /** Seconds to wait before trying again (extensions.retryAfter or the Retry-After header). */
  readonly retryAfter?: number;
  /**
   * What the hub did answer. A field error (e.g. FORBIDDEN on a figure) leaves the rest of
   * the response intact: it is here, in the shape the operation's result would have had.
   */
  readonly data?: unknown;
  /** The HTTP status, when a response arrived. */
  readonly status?: number;
  /** Every GraphQL error of the response (`code`, `message`, ... describe the first). */
  readonly errors: GraphQLErrorEntry[];

  constructor(init: HubErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'HubError';
    this.code = init.code;
    this.field = init.field;
    this.path = init.path;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.data = init.data;
    this.status = init.status;
    this.errors = init.errors ?? [];
  }
}

/** Also true for a HubError of another copy of the SDK (an ESM and a CommonJS one in one process). */
export function isHubError(e: unknown): e is HubError {
  return e instanceof HubError || (e instanceof Error && e.name === 'HubError' && typeof (e as HubError).code === 'string');
}

/** The code an HTTP status means when the body carries none (a proxy's page, an empty body). */
export function codeOfStatus(status: number): HubErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 502 || status === 503 || status === 504) return 'SERVICE_UNAVAILABLE';
  if (status >= 400 && status < 500) return 'BAD_USER_INPUT';
  return 'INTERNAL_SERVER_ERROR';
}
