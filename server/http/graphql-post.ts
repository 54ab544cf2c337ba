import http from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { Context } from '../graphql/context';
import { AnswerBytes, AnswerSink } from './answer-bytes';
import { Drain } from './drain';
import { errorAnswer, errorBody } from './errors';
import { PrecheckRefusal } from './limits';
import { codesOfBody, distinctCodes, FinishedRequest, Logger, RequestRecord, trackRequest } from './logging';

/**
 * The lean path for the API's one hot request: `POST /graphql` with a JSON body (every SDK
 * and client request). It is served on node's http server directly, without Express: its
 * router, body parser and `res.send` (which hashes every answer for an ETag) cost nearly
 * half of a small request's CPU (README "Performance"). Everything else (GET /graphql,
 * other content types or encodings, GraphiQL, the workbench, probes) stays on Express, and
 * both paths share each step: the request's record and log line, drain tracking, the
 * precheck, the context (authentication, scope) and Apollo Server itself.
 * What a client sees is the same on both (test/graphql-post.test.ts compares them).
 */
export interface GraphQLPostDeps {
  apollo: ApolloServer<Context>;
  /** Apollo's answers as bytes (http/answer-bytes.ts). */
  answers: AnswerBytes;
  /** The request's GraphQL context (app.ts): authentication, scope, statistics. */
  context: (req: http.IncomingMessage & { body?: unknown }) => Promise<Context>;
  refusal: PrecheckRefusal;
  drainer: Drain;
  logger: Logger;
  observe?: (done: FinishedRequest) => void;
  /** The largest body accepted, in bytes (as Express's json parser: 1 MB). */
  limitBytes: number;
}

/** JSON in UTF-8, as body-parser reads it; other charsets go to Express (which refuses them in its words). */
const JSON_UTF8 = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** Whether the lean path serves this request; when not, Express does. */
export function takesGraphQLPost(req: http.IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if ((q < 0 ? url : url.slice(0, q)) !== '/graphql') return false;
  const type = req.headers['content-type'];
  if (typeof type !== 'string' || !JSON_UTF8.test(type)) return false;
  const encoding = req.headers['content-encoding'];
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}

class BodyRefused extends Error {
  constructor(readonly status: number, message: string, readonly close = false) {
    super(message);
  }
}
/** The client went away before its body arrived: nothing to answer (one value: 'close' follows every request). */
const ABORTED = Symbol('aborted');

/**
 * The body as text, bounded by `limit` bytes. A larger one is refused (413) only once it has
 * been read off, as body-parser does: a client still sending when the answer came and the
 * connection closed saw a reset (EPIPE), not the 413, and retried. What is read off is
 * bounded too (DRAIN_LIMIT): past it, the answer closes the connection.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  // Declared beyond what is worth reading off: refused at once, the connection closed.
  if (declared > DRAIN_LIMIT) return Promise.reject(new BodyRefused(413, 'The request body is too large', true));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > limit;
    let settled = false;
    const settle = (e: BodyRefused | typeof ABORTED | null, text?: string) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      if (e) reject(e);
      else resolve(text!);
    };
    const refuse = () => settle(new BodyRefused(413, 'The request body is too large', size > DRAIN_LIMIT));
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (!tooLarge) chunks.push(chunk);
      else if (size > DRAIN_LIMIT) {
        // Enough read off: stop reading, answer and close.
        req.pause();
        refuse();
      }
    };
    req.on('data', onData);
    req.once('end', () => (tooLarge ? refuse() : settle(null, (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8'))));
    req.once('error', () => settle(ABORTED));
    req.once('close', () => settle(ABORTED));
  });
}

/** How much of a refused body is read off before the connection is closed instead. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/** body-parser's strict JSON: empty is {}, otherwise an object or an array (a leading BOM is dropped). */
function parseJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(body)?.[1];
  if (first !== '{' && first !== '[') throw new BodyRefused(400, 'The request body is not valid JSON');
  try {
    return JSON.parse(body);
  } catch {
    throw new BodyRefused(400, 'The request body is not valid JSON');
  }
}

function reply(res: http.ServerResponse, record: RequestRecord, status: number, body: { errors: unknown[] }, headers: Record<string, string> = {}, close = false): void {
  if (record.codes === undefined) record.codes = distinctCodes(body.errors as { extensions?: Record<string, unknown> }[]);
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  if (close) res.setHeader('connection', 'close');
  res.end(text);
}

export function graphqlPost(deps: GraphQLPostDeps): http.RequestListener {
  const { apollo, answers, context, refusal, drainer, logger, observe, limitBytes } = deps;

  const serve = async (req: http.IncomingMessage & { body?: unknown }, res: http.ServerResponse, record: RequestRecord) => {
    let body: unknown;
    // Should the client leave before its body has arrived, the request is logged and counted
    // as Express's path has it (body-parser's 400): set before reading, since the response's
    // 'close' (which writes the log line) may come before the read's rejection is handled.
    res.statusCode = 400;
    record.codes = ['BAD_USER_INPUT'];
    try {
      body = parseJson(await readBody(req, limitBytes));
    } catch (e) {
      if (e instanceof BodyRefused) return reply(res, record, e.status, errorBody('BAD_USER_INPUT', e.message, { field: 'body' }), {}, e.close);
      return; // aborted: the client is gone
    }
    res.statusCode = 200;
    record.codes = undefined;
    req.body = body;
    const refused = refusal((body as { query?: unknown } | null)?.query);
    if (refused) return reply(res, record, 400, refused);

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    let sink: AnswerSink | undefined;
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: q < 0 ? '' : url.slice(q), body },
      context: async () => {
        const ctx = await context(req);
        sink = answers.open(ctx);
        return ctx;
      },
    });
    for (const [key, value] of answer.headers) res.setHeader(key, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      // An answer with data comes as bytes (http/answer-bytes.ts); any other is Apollo's string, encoded once
      // (Buffer.byteLength and then the socket's write each walked the string again: bench/).
      // The pieces stand for Apollo's empty string only (any other string is Apollo's own answer).
      const pieces = sink?.pieces && answer.body.string === '' ? sink.pieces : [Buffer.from(answer.body.string, 'utf8')];
      // Answers that did not pass Apollo's plugins (a failed authentication): codes from the body, as the Express path reads them.
      if (record.codes === undefined && res.statusCode >= 400) record.codes = codesOfBody(answer.body.string === '' ? Buffer.concat(pieces).toString('utf8') : answer.body.string);
      res.setHeader('content-length', pieces.reduce((n, p) => n + p.length, 0));
      // Corked: the pieces leave in one write with the head (end() uncorks).
      if (pieces.length > 1) res.cork();
      for (let i = 0; i < pieces.length - 1; i++) res.write(pieces[i]);
      res.end(pieces[pieces.length - 1]);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  };

  return (req, res) => {
    const record = trackRequest(req, res, '/graphql', logger, observe);
    drainer.track(res);
    serve(req, res, record).catch((err) => {
      // As Express's last handler answers (http/errors.ts): JSON, never a stack or SQL text.
      if (res.headersSent) return void res.destroy();
      const a = errorAnswer(err, record);
      reply(res, record, a.status, a.body, a.headers);
    });
  };
}
