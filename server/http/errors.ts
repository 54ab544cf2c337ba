import express from 'express';
import { classifyDbError, RETRY_AFTER_SECONDS } from '../db/failures';
import { describeError, ErrorLog, loggedBefore, processLogger, recordOf } from './logging';

/**
 * Everything outside GraphQL answers JSON too, in the GraphQL error shape: a client (or an
 * attacker) never sees Express's HTML page, a stack trace or a server path.
 */
export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { code, ...extra } }] };
}

/** Unknown paths (and unknown GraphiQL assets). */
export function notFound(): express.RequestHandler {
  return (_req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', 'Not found: the hub serves POST/GET /graphql, GET /graphiql, GET /health and GET /ready'));
  };
}

/** body-parser's error types (https://github.com/expressjs/body-parser#errors) and what the client is told. */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON',
  'entity.too.large': 'The request body is too large',
  'entity.verify.failed': 'The request body could not be verified',
  'encoding.unsupported': 'The request body has an unsupported Content-Encoding',
  'charset.unsupported': 'The request body has an unsupported charset; send UTF-8',
  'request.aborted': 'The request was aborted',
  'request.size.invalid': 'The request body is shorter or longer than its Content-Length',
  'parameters.too.many': 'The request has too many parameters',
  'stream.encoding.set': 'The request body could not be read',
};

/** The last middleware: JSON for every error, 4xx for the client's, 503 while the database is away. */
export function jsonErrorHandler(): express.ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const a = errorAnswer(err, recordOf(req));
    res.set(a.headers);
    res.status(a.status).json(a.body);
  };
}

/**
 * What a client is told about an error that escaped every handler (both the Express routes and
 * the lean POST /graphql path): its own mistakes as 4xx, an unreachable database as 503, else a
 * plain 500, logged once under the request's id.
 */
export function errorAnswer(err: unknown, log: ErrorLog | undefined): { status: number; headers: Record<string, string>; body: ReturnType<typeof errorBody> } {
  const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string };
  const status = Number(e?.status ?? e?.statusCode);
  if (status >= 400 && status < 500) {
    const message = (e.type && BODY_ERRORS[e.type]) ?? (e.expose && e.message ? e.message : 'Bad request');
    return { status, headers: {}, body: errorBody('BAD_USER_INPUT', message, { field: 'body' }) };
  }
  if (classifyDbError(err) === 'unavailable') {
    return { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) }, body: errorBody('SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly', { retryable: true }) };
  }
  // Once, at error level, under the request's id; SQL text stays in the server's log.
  if (!loggedBefore(err)) (log ?? processLogger()).error({ err: describeError(err) }, 'internal error');
  return { status: 500, headers: {}, body: errorBody('INTERNAL_SERVER_ERROR', 'Internal server error') };
}

/**
 * Express 5 leaves `req.body` unset when the content type is not JSON; Apollo's integration
 * would then answer a plain-text 500. With it defined (and empty), Apollo answers 400 JSON.
 */
export function bodyAlwaysSet(): express.RequestHandler {
  return (req, _res, next) => {
    if (!('body' in req) || req.body === undefined) req.body = {};
    next();
  };
}
