import { GraphQLError, GraphQLFormattedError } from 'graphql';

/** The contract's error codes (extensions.code). */
export type ErrorCode =
  | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT'
  | 'POLICY_VIOLATION' | 'RATE_LIMITED' | 'QUERY_TOO_COMPLEX' | 'RESYNC_REQUIRED'
  | 'INTERNAL_SERVER_ERROR';

export function hubError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** Bad input, naming the input field at fault (extensions.field). */
export function badInput(field: string, message: string): GraphQLError {
  return hubError('BAD_USER_INPUT', message, { field });
}

/** A required text input, trimmed; BAD_USER_INPUT naming the field when it is blank. */
export function requireText(field: string, value: string): string {
  const t = value.trim();
  if (!t) throw badInput(field, `${field.replace(/^input\./, '')} must not be empty`);
  return t;
}

export function notFound(what: string): GraphQLError {
  return hubError('NOT_FOUND', `${what} not found`);
}

const CLIENT_CODES = new Set<string>([
  'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'POLICY_VIOLATION',
  'RATE_LIMITED', 'QUERY_TOO_COMPLEX', 'RESYNC_REQUIRED', 'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * What a client sees of an error: our coded errors as they are (without stack traces);
 * anything unexpected (a driver error with SQL text, a bug) as a bare INTERNAL_SERVER_ERROR,
 * logged here with its detail for the operator.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const { stacktrace: _drop, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  if (CLIENT_CODES.has(code)) return { ...formatted, extensions: { ...extensions, code } };
  console.error('[internal error]', (error as { originalError?: unknown })?.originalError ?? error);
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
