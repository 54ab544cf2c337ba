import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { classifyDbError } from '../db/failures';
import { describeError, logFor, loggedBefore } from '../http/logging';

/** The contract's error codes (extensions.code). */
export type ErrorCode =
  | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT'
  | 'POLICY_VIOLATION' | 'RATE_LIMITED' | 'QUERY_TOO_COMPLEX' | 'RESYNC_REQUIRED'
  | 'SERVICE_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';

export function hubError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** Bad input, naming the input field at fault (extensions.field). */
export function badInput(field: string, message: string): GraphQLError {
  return hubError('BAD_USER_INPUT', message, { field });
}

/**
 * A required text input, trimmed; BAD_USER_INPUT naming the field when it is blank or longer
 * than `max` characters (names and titles 200; URIs and reasons say their own).
 */
export function requireText(field: string, value: string, max = 200): string {
  const t = value.trim();
  if (!t) throw badInput(field, `${field.replace(/^input\./, '')} must not be empty`);
  if ([...t].length > max) throw badInput(field, `${field.replace(/^input\./, '')} must not be longer than ${max} characters`);
  return t;
}

export function notFound(what: string): GraphQLError {
  return hubError('NOT_FOUND', `${what} not found`);
}

const CLIENT_CODES = new Set<string>([
  'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'POLICY_VIOLATION',
  'RATE_LIMITED', 'QUERY_TOO_COMPLEX', 'RESYNC_REQUIRED', 'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE', 'SERVICE_UNAVAILABLE',
]);

/** Apollo's codes for requests it cannot read, and the part of the request at fault. */
const APOLLO_REQUEST_CODES: Record<string, string> = { BAD_REQUEST: 'body', OPERATION_RESOLUTION_FAILURE: 'operationName' };

/** The answer while the database cannot be reached: retryable, HTTP 503 (see http/limits.ts for the status). */
export function serviceUnavailable(): GraphQLError {
  return hubError('SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly', { retryable: true });
}

/**
 * A hub error reported by a validation rule (cost, depth, NUL characters...): Apollo wraps it
 * as GRAPHQL_VALIDATION_FAILED, but the client should see the rule's own code and details.
 */
function ruleError(error: unknown): GraphQLError | undefined {
  const inner = (error as { originalError?: unknown })?.originalError;
  if (inner instanceof GraphQLError && CLIENT_CODES.has(String(inner.extensions?.code))) return inner;
  return undefined;
}

/** The client-facing form of errors the pipeline or the database raise without one of our codes. */
function clientForm(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | undefined {
  const { message, path, locations } = formatted;
  const at = { path, locations };
  const inner = ruleError(error);
  if (inner) {
    const { http: _http, ...extensions } = inner.extensions as Record<string, unknown>;
    return { message: inner.message, ...at, extensions };
  }
  // graphql-js's parse({ maxTokens }) (http/limits.ts) stops with a syntax error.
  const tokens = /Document contains more tha[nt] (\d+) tokens/.exec(message); // sic: graphql 16 writes "more that"
  if (tokens) {
    return { message: `The document has more than ${tokens[1]} tokens`, extensions: { code: 'QUERY_TOO_COMPLEX', limit: Number(tokens[1]), rule: 'tokens' } };
  }
  switch (classifyDbError(error)) {
    case 'unavailable':
      return { ...at, message: 'The database is unavailable; retry shortly', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } };
    case 'timeout':
      return {
        ...at,
        message: 'The query ran past the statement timeout; ask for less (smaller pages, fewer nested lists, narrower filters)',
        extensions: { code: 'QUERY_TOO_COMPLEX', rule: 'statementTimeout' },
      };
    case 'bad-input':
      // A backstop: input checks should have named the field before the database saw it.
      return { ...at, message: 'A value in the request is not valid input', extensions: { code: 'BAD_USER_INPUT' } };
  }
  // Apollo's own refusals without a code carry a 4xx status (an APQ hash mismatch, an unknown APQ version).
  const status = Number((error as { extensions?: { http?: { status?: number } } })?.extensions?.http?.status);
  if (status >= 400 && status < 500 && (formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR') === 'INTERNAL_SERVER_ERROR') {
    if (/sha does not match|persisted query version/i.test(message)) {
      return { message, extensions: { code: 'BAD_USER_INPUT', field: /sha/.test(message) ? 'extensions.persistedQuery.sha256Hash' : 'extensions.persistedQuery.version' } };
    }
    return { message, extensions: { code: 'BAD_USER_INPUT', field: 'body' } };
  }
  return undefined;
}

/**
 * What a client sees of an error: our coded errors as they are (without stack traces);
 * anything unexpected (a driver error with SQL text, a bug) as a bare INTERNAL_SERVER_ERROR,
 * logged here with its detail for the operator (in the server's log only).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const { stacktrace: _drop, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const mapped = clientForm(formatted, error);
  if (mapped) return mapped;
  // Apollo's own words for a malformed request body or operation choice, in the contract's code.
  const contractual = APOLLO_REQUEST_CODES[code];
  if (contractual) return { ...formatted, extensions: { ...extensions, code: 'BAD_USER_INPUT', field: contractual, reason: code } };
  if (CLIENT_CODES.has(code)) {
    // A variable the request could not coerce: name it (Apollo's message starts 'Variable "$x" ...').
    const variable = code === 'BAD_USER_INPUT' && !extensions.field && /^Variable "\$(\w+)"/.exec(formatted.message);
    return { ...formatted, extensions: { ...extensions, code, ...(variable ? { field: variable[1] } : {}) } };
  }
  // Logged once, at error level, under the request's id (http/logging.ts ties the error to its
  // request); a SQL error was logged with its statement already (db/datasource.ts).
  if (!loggedBefore(error)) logFor(error).error({ err: describeError((error as { originalError?: unknown })?.originalError ?? error) }, 'internal error');
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
