import crypto from 'node:crypto';
import type http from 'node:http';
import type express from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import pino, { DestinationStream, Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * Structured logs (README "Operations: logs, metrics, readiness"): pino, one JSON line per
 * event in production, readable lines in development. Every HTTP request gets a request id
 * (accepted from `X-Request-Id` when it is a sane token, else generated), echoed in the
 * response's `X-Request-Id` and carried to the database layer (RequestStats), so a SQL error
 * or an internal error is logged once, at error level, under the id of its request.
 */
export type { Logger } from 'pino';

/** What the database layer and error formatting need of a logger (a pino logger is one). */
export interface ErrorLog {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

/**
 * HUB_LOG_LEVEL (default info; `silent` allowed; HUB_QUIET=1, as the test suite sets it,
 * means silent unless HUB_LOG_LEVEL is set), HUB_LOG_FORMAT (`json` | `pretty`; default:
 * json when NODE_ENV=production, else pretty).
 */
export function readLogConfig(env: NodeJS.ProcessEnv = process.env): { level: LogLevel; format: LogFormat } {
  const rawLevel = env.HUB_LOG_LEVEL?.trim().toLowerCase();
  const level = rawLevel || (env.HUB_QUIET === '1' ? 'silent' : 'info');
  if (!(LEVELS as readonly string[]).includes(level)) throw new Error(`HUB_LOG_LEVEL must be one of ${LEVELS.join(', ')}, got ${env.HUB_LOG_LEVEL}`);
  const rawFormat = env.HUB_LOG_FORMAT?.trim().toLowerCase();
  if (rawFormat && rawFormat !== 'json' && rawFormat !== 'pretty') throw new Error(`HUB_LOG_FORMAT must be json or pretty, got ${env.HUB_LOG_FORMAT}`);
  const format = (rawFormat as LogFormat | undefined) ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty');
  return { level: level as LogLevel, format };
}

export interface LoggerOptions {
  /** Default: HUB_LOG_LEVEL (see readLogConfig). */
  level?: LogLevel;
  /** Default: HUB_LOG_FORMAT / NODE_ENV (see readLogConfig). */
  format?: LogFormat;
  /** Where lines go (default stdout): any object with write(line), e.g. a test's capture. */
  destination?: DestinationStream;
  /** A `name` field on every line (e.g. "hub"). */
  name?: string;
  env?: NodeJS.ProcessEnv;
}

/** Field paths never written, should a caller's headers or credentials ever be passed to a log call. */
const REDACT = [
  'authorization', 'token', 'apiKey', 'password', 'secret',
  'headers.authorization', 'headers["x-api-key"]', 'headers.cookie',
  '*.authorization', '*.token', '*.apiKey', '*["x-api-key"]',
];

/**
 * A logger configured from the environment (or `opts`). JSON lines go to standard output
 * (standardOutput); pretty lines, for a developer's terminal, are written synchronously.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const config = readLogConfig(opts.env);
  const level = opts.level ?? config.level;
  const format = opts.format ?? config.format;
  const common = {
    level,
    ...(opts.name ? { name: opts.name } : {}),
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (format === 'pretty') {
    const stream = pretty({
      destination: opts.destination ?? 1,
      sync: true,
      colorize: !opts.destination && Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
      // pino-pretty shows a `caller` field as <...>: the request's caller, in a few words.
      customPrettifiers: {
        caller: (c: unknown) => {
          const v = c as Partial<CallerSummary> | string;
          return typeof v === 'object' && v ? [v.role, v.subject, v.apiClientId].filter(Boolean).join(' ') : String(v);
        },
      },
    });
    return pino(common, stream);
  }
  return pino(
    { ...common, formatters: { level: (label) => ({ level: label }) } },
    opts.destination ?? standardOutput(),
  );
}

/** What standard output may hold back before lines are dropped (a reader that stopped reading). */
const STDOUT_BACKLOG_BYTES = 16 * 1024 * 1024;
let droppedLines = 0;
/** Log lines dropped because standard output did not keep up (`hub_log_lines_dropped_total`). */
export function logLinesDropped(): number {
  return droppedLines;
}

/**
 * Standard output for JSON lines, written behind the requests: each write takes every line
 * that came while the one before it was under way. Written one at a time (sync), every line was
 * a write call waking the pipe's reader (a container's log collector): a fifth of a small
 * request's CPU under load (bench/, scenario d). Nothing is lost when the process exits: pino
 * writes what is left synchronously on exit, process.exit included (test/production.test.ts);
 * only a kill -9 can lose the last moment's lines. A reader that stops reading costs memory up
 * to STDOUT_BACKLOG_BYTES; past it lines are dropped and counted, where a synchronous write
 * would have stalled every request.
 */
function standardOutput(): DestinationStream {
  const out = pino.destination({ dest: 1, sync: false, maxLength: STDOUT_BACKLOG_BYTES });
  out.on('drop', () => void droppedLines++);
  return out;
}

let processLog: Logger | undefined;
/**
 * The process's logger (created from the environment on first use): the server's default
 * (HttpOptions.logger), and where errors outside any request go. main.ts can log through it too.
 */
export function processLogger(): Logger {
  return (processLog ??= createLogger());
}

/**
 * An error as the logs show it: type, message, SQLSTATE and stack. Never its enumerable
 * properties: a driver error carries the statement's parameters (personal data).
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

/** The errors an error wraps (GraphQL's originalError, TypeORM's driverError, cause), itself first. */
function* chain(error: unknown): Generator<object> {
  for (let e = error as any, depth = 0; e && typeof e === 'object' && depth < 6; e = e.originalError ?? e.driverError ?? e.cause, depth++) yield e;
}

const logged = new WeakSet<object>();
/** Marks an error as logged already (a SQL error logged with its statement): not logged again on its way out. */
export function markLogged(error: unknown): void {
  if (error && typeof error === 'object') logged.add(error);
}
/** Whether the error, or one it wraps, was logged already. */
export function loggedBefore(error: unknown): boolean {
  for (const e of chain(error)) if (logged.has(e)) return true;
  return false;
}

const requestLogs = new WeakMap<object, ErrorLog>();
/** Ties an error to the log of the request it happened in (graphql/errors.ts logs internal errors there). */
export function attachLog(error: unknown, log: ErrorLog): void {
  if (error && typeof error === 'object') requestLogs.set(error, log);
}
/** The log of the request an error happened in, else the process's. */
export function logFor(error: unknown): ErrorLog {
  for (const e of chain(error)) {
    const log = requestLogs.get(e);
    if (log) return log;
  }
  return processLogger();
}

/** X-Request-Id values accepted from a client or proxy: a plain token of at most 128 characters. */
const SANE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The request id: the client's X-Request-Id when it is a sane token, else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_ID.test(header) ? header : crypto.randomUUID();
}

/** Who called, as the logs show it: never a token or key. */
export interface CallerSummary {
  role: string;
  subject: string;
  apiClientId: string | null;
}

/** What one HTTP request did, filled in as it runs and written as one line when it ends. */
export class RequestRecord implements ErrorLog {
  readonly startedAt = process.hrtime.bigint();
  caller?: CallerSummary;
  /** The operation's name as the document gives it (null: anonymous). */
  operation?: string | null;
  /** query | mutation | subscription, once Apollo resolved the operation. */
  operationType?: string;
  cost?: number;
  /** extensions.code of the response's errors, in order, repeats removed. */
  codes?: string[];
  /** Statements the request ran (its RequestStats). */
  stats?: { statements: number };
  private child?: Logger;

  constructor(readonly id: string, private readonly logger: Logger) {}

  /** A logger whose lines carry this request's id (created on first use: most requests never need one). */
  get log(): Logger {
    return (this.child ??= this.logger.child({ requestId: this.id }));
  }

  // The record is the request's ErrorLog (RequestStats.log, attachLog): its child logger is made only when used.
  error(fields: Record<string, unknown>, message: string): void {
    this.log.error(fields, message);
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.log.warn(fields, message);
  }

  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }
}

const RECORD = Symbol('hub.requestRecord');
const contextRecords = new WeakMap<object, RequestRecord>();

export function recordOf(req: http.IncomingMessage): RequestRecord | undefined {
  return (req as unknown as { [RECORD]?: RequestRecord })[RECORD];
}
/**
 * Ties the request's GraphQL context to its record (Apollo's plugins see the context, not the
 * request). Keyed by the context's `stats`: Apollo hands its plugins a shallow copy of the context.
 */
export function bindRecord(context: { stats: object }, record: RequestRecord): void {
  contextRecords.set(context.stats, record);
}
export function recordOfContext(context: unknown): RequestRecord | undefined {
  const stats = (context as { stats?: unknown } | undefined)?.stats;
  return stats && typeof stats === 'object' ? contextRecords.get(stats) : undefined;
}

/** Paths without a log line: probes, scrapes and the static files of GraphiQL and the workbench. */
const UNLOGGED = /^\/(health|ready|metrics)\/?$|^\/(graphiql|workbench)\/assets\//;

/** The error codes of a JSON error body (non-GraphQL answers: refusals before Apollo, 404s, 500s). */
export function codesOfBody(body: unknown): string[] | undefined {
  let parsed = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (body.length > 65_536) return undefined;
    try {
      parsed = JSON.parse(body.toString());
    } catch {
      return undefined;
    }
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? distinctCodes(errors) : undefined;
}

export function distinctCodes(errors: ReadonlyArray<{ extensions?: Record<string, unknown> } | null | undefined>): string[] {
  const codes: string[] = [];
  for (const e of errors) {
    const code = e?.extensions?.code;
    if (typeof code === 'string' && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

/** One finished request, as the request log line and the metrics see it. */
export interface FinishedRequest {
  record: RequestRecord;
  method: string;
  path: string;
  status: number;
  ms: number;
  /** The client went away before the answer was complete. */
  aborted: boolean;
}

/**
 * The first middleware: assigns the request id (X-Request-Id in and out), and when the
 * response ends writes one line: id, method, path, status, duration, caller, operation, cost,
 * error codes, statements. `observe` sees every request (metrics), logged or not.
 */
export function requestLogging(logger: Logger, observe?: (done: FinishedRequest) => void): express.RequestHandler {
  return (req, res, next) => {
    const record = trackRequest(req, res, req.path, logger, observe);
    // Answers that do not pass Apollo's plugins (refusals before it, 404s, context failures)
    // are small JSON bodies: their codes are read from the body when the status is an error.
    const send = res.send;
    res.send = function (this: express.Response, body?: unknown) {
      if (record.codes === undefined && this.statusCode >= 400) record.codes = codesOfBody(body);
      return send.call(this, body);
    } as typeof res.send;
    next();
  };
}

/**
 * The logger request lines go to: the same destination and bindings, without the redaction
 * every other line passes (REDACT). A request line holds only the fields trackRequest puts in
 * it, none a credential; redacting it anyway (wildcard paths walk every nested object) took
 * half of the line's cost, 7.5 of 15 µs.
 */
const lineLoggers = new WeakMap<Logger, Logger>();
function lineLogger(logger: Logger): Logger {
  let lines = lineLoggers.get(logger);
  if (!lines) lineLoggers.set(logger, (lines = logger.child({}, { redact: { paths: [], censor: '[redacted]' } })));
  return lines;
}

/**
 * Starts a request's record (its id in and out) and writes its line when the response ends:
 * used by the Express middleware above and by the lean POST /graphql path (http/graphql-post.ts).
 */
export function trackRequest(req: http.IncomingMessage, res: http.ServerResponse, rawPath: string, logger: Logger, observe?: (done: FinishedRequest) => void): RequestRecord {
  const record = new RequestRecord(requestIdFrom(req.headers['x-request-id']), logger);
  (req as unknown as { [RECORD]: RequestRecord })[RECORD] = record;
  res.setHeader('x-request-id', record.id);
  const path = rawPath.slice(0, 200);
  const method = req.method ?? '';
  let done = false;
  const finish = (aborted: boolean) => {
    if (done) return;
    done = true;
    const finished: FinishedRequest = { record, method, path, status: res.statusCode, ms: record.elapsedMs(), aborted };
    observe?.(finished);
    if (UNLOGGED.test(path) || !logger.isLevelEnabled('info')) return;
    lineLogger(logger).info(
      {
        requestId: record.id,
        method,
        path,
        status: res.statusCode,
        ms: Math.round(finished.ms * 10) / 10,
        ...(aborted ? { aborted: true } : {}),
        ...(record.caller ? { caller: record.caller } : {}),
        ...(record.operationType ? { operation: record.operation?.slice(0, 100) ?? null, operationType: record.operationType } : {}),
        ...(record.cost !== undefined ? { cost: record.cost } : {}),
        ...(record.codes?.length ? { errors: record.codes } : {}),
        ...(record.stats ? { statements: record.stats.statements } : {}),
      },
      'request',
    );
  };
  res.once('finish', () => finish(false));
  res.once('close', () => finish(!res.writableFinished));
  return record;
}

/**
 * Fills the request's record from Apollo's pipeline: the operation, the codes of the answer's
 * errors (as the client sees them), and ties each error to the request's log, so an internal
 * error is logged under the request's id (graphql/errors.ts formatError).
 */
export function requestRecordPlugin(): ApolloServerPlugin<any> {
  return {
    async requestDidStart({ contextValue }) {
      const record = recordOfContext(contextValue);
      if (!record) return;
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors) attachLog(e, record);
        },
        async willSendResponse({ response, operation }) {
          if (operation) {
            record.operationType = operation.operation;
            record.operation = operation.name?.value ?? null;
          }
          record.codes = response.body.kind === 'single' ? distinctCodes(response.body.singleResult.errors ?? []) : [];
        },
      };
    },
  };
}
