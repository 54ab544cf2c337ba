import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import { Authenticator, AuthConfig } from '../access/authenticate';
import { Caller } from '../access/caller';
import { Scope } from '../access/scope';
import { Db, RequestStats } from '../db/datasource';
import { compiledExecutor } from '../graphql/executor';
import { JurisdictionDirectory } from '../jurisdictions/directory';
import { classifyDbError, RETRY_AFTER_SECONDS } from '../db/failures';
import { Context } from '../graphql/context';
import { formatError, hubError, serviceUnavailable } from '../graphql/errors';
import { hubSchema } from '../graphql/schema';
import { bodyAlwaysSet, jsonErrorHandler, notFound } from './errors';
import { graphiqlRouter } from './graphiql';
import { demoDevCallers, DevCaller, workbenchPageRouter } from './workbench-page';
import { workbenchDataRouter } from '../workbench/routes';
import { withStatus } from './input';
import { Limits, limitProtections, limitsPlugin, precheckMiddleware, precheckRefusal, readLimits } from './limits';
import { graphqlPost, takesGraphQLPost } from './graphql-post';
import { loadPersistedDocuments, PersistedDocumentCache, PersistedDocuments, persistedOnlyRefusal, runsPersistedDocument } from './persisted-documents';
import { createRateLimiter, RateLimitConfig } from './rate-limit';
import { AnswerBytes } from './answer-bytes';
import { drain, readShutdownTimeout } from './drain';
import { attachLog, bindRecord, Logger, processLogger, recordOf, requestLogging, requestRecordPlugin } from './logging';
import { createMetrics, metricsEnabled } from './metrics';
import { readiness, ReadinessCheck } from './readiness';

export interface HubServer {
  url: string;
  port: number;
  /** The persisted documents this server accepts by hash (loaded at start). */
  persistedDocuments: PersistedDocuments;
  /** The server's logger (HttpOptions.logger, else one configured from the environment). */
  logger: Logger;
  /**
   * Graceful: /ready answers 503 at once, new connections are refused, idle keep-alive
   * connections close, requests already received get their complete answer (with
   * `Connection: close`), then Apollo and the rate limiter stop. Bounded by the shutdown
   * timeout, after which remaining connections are destroyed. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * The HTTP face of the hub: POST/GET /graphql (Apollo Server on Express 5), GET /graphiql
 * (bundled, works offline), GET /health (liveness), GET /ready (readiness) and GET /metrics.
 * Stateless: everything a request needs comes from the database, so replicas can be added.
 */
export interface HttpOptions {
  port: number;
  host?: string;
  auth: AuthConfig;
  exposeStatementCount?: boolean;
  fixedNow?: Date;
  /** Overrides of the request limits read from the environment (http/limits.ts). */
  limits?: Partial<Omit<Limits, 'rate'>> & { rate?: Partial<RateLimitConfig> };
  /** The persisted-documents manifest (default: HUB_PERSISTED_DOCUMENTS, else sdk/persisted-documents.json). */
  persistedDocuments?: string;
  /** Where request lines and errors are logged (default: processLogger(), configured by HUB_LOG_LEVEL / HUB_LOG_FORMAT). */
  logger?: Logger;
  /**
   * Extra readiness checks of GET /ready, beside the database and migrations: null when ready,
   * else a human-readable reason (e.g. "PII_ENCRYPTION_KEY does not decrypt ..."). Each is
   * bounded by a timeout; a check that throws fails with its message.
   */
  readiness?: ReadinessCheck[];
  /** GET /metrics (default: HUB_METRICS, on unless 0). */
  metrics?: boolean;
  /** How long stop() lets requests in flight finish (default: HUB_SHUTDOWN_TIMEOUT_MS, else 10000). */
  shutdownTimeoutMs?: number;
  /**
   * POST /graphql with JSON on the lean path (http/graphql-post.ts); false: through Express like
   * every other request, for comparison (default: HUB_LEAN_POST, on unless 0).
   */
  leanPost?: boolean;
  /** The workbench's sign-in picker (default: the demo's callers with the development secret, else none). */
  devCallers?: (() => Promise<DevCaller[]>) | null;
}

/**
 * The caller of a request, or the client error / outage that stops it: credentials the
 * database cannot even compare (a NUL in a claim) are UNAUTHENTICATED, an unreachable
 * database is 503 (not 401 or 500), so clients know to retry.
 */
async function authenticate(authenticator: Authenticator, headers: http.IncomingHttpHeaders, stats: RequestStats): Promise<Caller> {
  try {
    return await authenticator.authenticate(headers, stats);
  } catch (e) {
    if (e instanceof GraphQLError) throw e;
    switch (classifyDbError(e)) {
      case 'unavailable':
      case 'timeout': // a lookup by key timing out: the database is overloaded
        throw withStatus(serviceUnavailable(), 503, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      case 'bad-input':
        throw withStatus(hubError('UNAUTHENTICATED', 'malformed credentials'), 401);
    }
    throw e;
  }
}

/** The largest request body (JSON) either path accepts, in bytes (1 MB). */
const BODY_LIMIT_BYTES = 1024 * 1024;

export async function startHttpServer(ds: DataSource, opts: HttpOptions): Promise<HubServer> {
  const app = express();
  // POST /graphql with JSON takes the lean path (http/graphql-post.ts); everything else is Express's.
  let lean: http.RequestListener | undefined;
  const httpServer = http.createServer((req, res) => (lean && takesGraphQLPost(req) ? lean(req, res) : app(req, res)));
  const logger = opts.logger ?? processLogger();
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? readShutdownTimeout();
  const drainer = drain(httpServer);
  const db = new Db(ds);
  const authenticator = new Authenticator(ds, opts.auth);
  const env = readLimits();
  const limits: Limits = { ...env, ...opts.limits, rate: { ...env.rate, ...opts.limits?.rate } };
  const limiter = createRateLimiter(ds, limits.rate);
  await limiter.ready();
  // The division tree in memory before the first request (scope rules and jurisdiction claims read it).
  await JurisdictionDirectory.of(ds);
  const protections = limitProtections(limits);
  const schema = await hubSchema();
  const persisted = loadPersistedDocuments(opts.persistedDocuments);
  const metrics = (opts.metrics ?? metricsEnabled()) ? createMetrics({ ds, limiter, persisted, logger }) : undefined;
  const ready = readiness({ ds, checks: opts.readiness, stopping: () => drainer.stopping, logger });
  // The lean path's answers as bytes without one large string (http/answer-bytes.ts).
  const answers = new AnswerBytes();
  const apollo = new ApolloServer<Context>({
    logger,
    stringifyResult: answers.stringify,
    // The schema, executed by compiled operations (graphql/executor.ts); HUB_JIT=0: by graphql-js, for comparison.
    ...(process.env.HUB_JIT === '0' ? { schema } : { gateway: compiledExecutor(schema) }),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: limits.introspection,
    // Counted by the parser itself, before a large document costs anything more.
    parseOptions: { maxTokens: limits.maxTokens },
    // The SDK's documents by hash (the manifest), then automatic persisted queries (http/persisted-documents.ts).
    persistedQueries: { cache: new PersistedDocumentCache(persisted.byHash) },
    validationRules: protections.validationRules,
    // No drain plugin: stop() drains the HTTP server itself (http/drain.ts), before Apollo stops.
    plugins: [
      // Apollo's landing pages load from a CDN; bureau networks are often offline.
      ApolloServerPluginLandingPageDisabled(),
      // Nothing uses cache hints; the plugin's per-field hook wrapped every resolver (bench/).
      ApolloServerPluginCacheControlDisabled(),
      ...protections.plugins,
      limitsPlugin(limits, limiter),
      requestRecordPlugin(),
      answers.plugin(),
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response, contextValue }) {
              // The context is missing when authentication failed (no statement counted then).
              const stats = (contextValue as Context | undefined)?.stats;
              if (opts.exposeStatementCount && stats) response.http.headers.set('x-sql-statements', String(stats.statements));
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  // Request id and the request's log line first; then `Connection: close` once stopping.
  app.use(requestLogging(logger, metrics?.observe));
  app.use(drainer.middleware());
  // Liveness: the process serves HTTP; nothing else (a database outage must not get a healthy
  // process restarted). Whether to send this replica traffic is /ready's question.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', ready.handler());
  if (metrics) app.get('/metrics', metrics.handler());
  // Before /graphql: a browser's GET /graphql is sent to GraphiQL (http/graphiql.ts).
  app.use(graphiqlRouter());
  // Every GraphQL request needs a caller; the access module turns it into a SQL scope.
  const contextFor = async (req: http.IncomingMessage & { body?: unknown }): Promise<Context> => {
    const record = recordOf(req);
    const stats = new RequestStats();
    // The request's id and log travel with its stats down to the database layer (statement errors).
    if (record) {
      stats.requestId = record.id;
      stats.log = record;
      record.stats = stats;
    }
    try {
      const caller = await authenticate(authenticator, req.headers, stats);
      if (record) record.caller = { role: caller.role, subject: caller.subject, apiClientId: caller.apiClientId };
      if (caller.persistedOnly && !runsPersistedDocument(persisted, req)) throw persistedOnlyRefusal();
      const context = new Context(db, Scope.forCaller(caller, await JurisdictionDirectory.of(ds)), opts.fixedNow ?? new Date(), stats);
      if (record) bindRecord(context, record);
      return context;
    } catch (e) {
      // An unexpected failure here becomes an internal error: logged under this request's id.
      if (record) attachLog(e, record);
      throw e;
    }
  };
  const refusal = precheckRefusal(schema, limits, protections.precheck);
  app.use(
    '/graphql',
    express.json({ limit: BODY_LIMIT_BYTES }),
    bodyAlwaysSet(),
    precheckMiddleware(refusal),
    expressMiddleware(apollo, { context: ({ req }) => contextFor(req) }),
  );
  if (opts.leanPost ?? process.env.HUB_LEAN_POST !== '0') lean = graphqlPost({ apollo, answers, context: contextFor, refusal, drainer, logger, observe: metrics?.observe, limitBytes: BODY_LIMIT_BYTES });
  // The analysts' workbench at / (http/workbench-page.ts) and its JSON (workbench/routes.ts), after /graphql: API requests never pass through their routes.
  app.use(workbenchDataRouter({ devCallers: opts.devCallers !== undefined ? opts.devCallers : demoDevCallers(ds, opts.auth) }));
  app.use(workbenchPageRouter());
  app.use(notFound());
  app.use(jsonErrorHandler());

  await new Promise<void>((resolve) => httpServer.listen(opts.port, opts.host ?? '0.0.0.0', resolve));
  const port = (httpServer.address() as { port: number }).port;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    persistedDocuments: persisted,
    logger,
    stop: () => (stopped ??= (async () => {
      await drainer.stop(shutdownTimeoutMs);
      await apollo.stop();
      await limiter.close();
    })()),
  };
}
