/**
 * What a database error means for the client, judged from the driver's error (or TypeORM's
 * wrapper of it): the hub answers each kind with its own code instead of a bare 500.
 */
export type DbFailure =
  /** The database is down, restarting or unreachable: retry later (HTTP 503). */
  | 'unavailable'
  /** The statement ran into statement_timeout (57014): the request asked for too much. */
  | 'timeout'
  /** Data PostgreSQL refuses that can only have come from the client (a NUL byte, a bad date...). */
  | 'bad-input';

/** Node socket errors seen when the server is gone or goes away mid-query. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** SQLSTATEs of client input: 22021 invalid byte sequence (NUL), 22P02 invalid text representation, 22007/22008 datetime. */
const INPUT_STATES = new Set(['22021', '22P02', '22007', '22008']);
/** pg's own messages when a connection dies or cannot be had (they carry no code). */
const CONNECTION_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down|in recovery mode)/i;

export function classifyDbError(error: unknown): DbFailure | null {
  for (let e = error as any, depth = 0; e && depth < 5; e = e.driverError ?? e.originalError ?? e.cause, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (SOCKET_CODES.has(code)) return 'unavailable';
    // 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 08xxx: connection exceptions;
    // 53300: too many connections.
    if (/^57P0[123]$/.test(code) || code.startsWith('08') || code === '53300') return 'unavailable';
    if (code === '57014') return 'timeout';
    if (INPUT_STATES.has(code)) return 'bad-input';
    if (!code && typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return 'unavailable';
    // TypeORM releases a transaction's query runner when its connection emits an error (the
    // server went away between two statements); the next statement then fails with this.
    if (e.name === 'QueryRunnerAlreadyReleasedError' || e.name === 'QueryRunnerProviderAlreadyReleasedError') return 'unavailable';
  }
  return null;
}

/** Seconds a client should wait before retrying while the database is unavailable. */
export const RETRY_AFTER_SECONDS = 2;
