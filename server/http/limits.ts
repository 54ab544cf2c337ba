import { LRUCache } from 'lru-cache';
import { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import express from 'express';
import { DocumentNode, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, parse, TypeInfo, ValidationContext, ValidationRule, visit } from 'graphql';
import { RETRY_AFTER_SECONDS } from '../db/failures';
import { Context } from '../graphql/context';
import { badInput, formatError, hubError, serviceUnavailable } from '../graphql/errors';
import { queryCost, roundTripError } from './cost';
import { assertNoNulVariables, noNulLiteralsRule, withStatus } from './input';
import { recordOfContext } from './logging';
import { callerKey, RateDecision, RateLimitConfig, RateLimiter } from './rate-limit';

/**
 * What one request may ask of the hub, checked before it runs (README "Limits and errors").
 * The defaults let every query of the test suite, the SDK and the README examples through,
 * with room, and refuse the queries that took the hub down (issue 7, finding 4).
 */
export interface Limits {
  /** Nesting of fields (edges and node count as levels). */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens in the document (checked by the parser, before anything else). */
  maxTokens: number;
  /** Field selections in the document, repeats and fragments included. */
  maxFields: number;
  /** The query's estimated cost (http/cost.ts). */
  maxCost: number;
  /** Introspection, and with it "Did you mean ...?" suggestions in validation errors. */
  introspection: boolean;
  rate: RateLimitConfig;
}

/**
 * Measured over the test suite (issue 7): depth ≤ 11, aliases ≤ 7, cost ≤ 2,167,601 (the
 * n-plus-one test's campuses → staff → postings at first: 200, far beyond any real page).
 * The rate budget lets a caller run a few maximum-cost queries a minute, or millions of small ones.
 */
export const DEFAULT_LIMITS = {
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 50,
  maxTokens: 5_000,
  maxFields: 1_000,
  maxCost: 3_000_000,
  // About one point per row served: a page of 500 flat rows costs at least 500. Measured on the
  // demo, a row of the change feed takes ≈ 36 µs, so 6M points are on the order of 3 minutes of
  // one core: one maximum-cost query a minute, or 12,000 flat pages of 500.
  ratePoints: 6_000_000,
  rateWindowSeconds: 60,
} as const;

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got ${raw}`);
  return n;
}

export function readLimits(env: NodeJS.ProcessEnv = process.env): Limits {
  return {
    maxDepth: whole(env, 'HUB_MAX_DEPTH', DEFAULT_LIMITS.maxDepth),
    maxAliases: whole(env, 'HUB_MAX_ALIASES', DEFAULT_LIMITS.maxAliases),
    maxDirectives: whole(env, 'HUB_MAX_DIRECTIVES', DEFAULT_LIMITS.maxDirectives),
    maxTokens: whole(env, 'HUB_MAX_TOKENS', DEFAULT_LIMITS.maxTokens),
    maxFields: whole(env, 'HUB_MAX_FIELDS', DEFAULT_LIMITS.maxFields),
    maxCost: whole(env, 'HUB_MAX_COST', DEFAULT_LIMITS.maxCost),
    introspection: env.HUB_INTROSPECTION !== '0',
    rate: {
      points: whole(env, 'HUB_RATE_LIMIT_POINTS', DEFAULT_LIMITS.ratePoints),
      windowSeconds: whole(env, 'HUB_RATE_LIMIT_WINDOW_SECONDS', DEFAULT_LIMITS.rateWindowSeconds),
      redisUrl: env.REDIS_URL || undefined,
    },
  };
}

/** graphql-armor reports "Syntax Error: Query depth limit of 15 exceeded, found 16."; we answer QUERY_TOO_COMPLEX. */
function armorRejection(rule: string, limit: number) {
  return (ctx: ValidationContext | null, error: GraphQLError) => {
    const found = /found (\d+)/.exec(error.message);
    const message = error.message.replace(/^Syntax Error: /, '');
    ctx?.reportError(hubError('QUERY_TOO_COMPLEX', message, { rule, limit, ...(found ? { found: Number(found[1]) } : {}) }));
  };
}

/**
 * The checks that refuse a document before graphql's own validation, whose rules (overlapping
 * fields above all) cost tens of milliseconds on an alias bomb: depth, aliases and directives
 * (graphql-armor's counting), round trips (http/cost.ts). Each is a walk over the operation
 * only, no type-info traversal, so a refusal costs little more than parsing.
 */
export type Precheck = (schema: GraphQLSchema, document: DocumentNode) => GraphQLError[];

/**
 * Runs the precheck in front of Apollo (and of authentication): Apollo's plugin hooks cannot
 * end a request before validation (an error thrown there becomes a 500), and a refused
 * document should cost neither a validation pass nor a database lookup. Documents that do not
 * parse go on to Apollo, which answers them in its own words.
 */
export function precheckMiddleware(refusal: PrecheckRefusal): express.RequestHandler {
  return (req, res, next) => {
    // GET: read the query string as Apollo does (URLSearchParams, no parameter limit), so padding
    // the URL cannot hide the document from the precheck (Express's parser stops at 1,000 keys).
    const query = req.method === 'POST'
      ? (req.body as { query?: unknown } | undefined)?.query
      : new URL(req.originalUrl, 'http://hub').searchParams.get('query');
    const errors = refusal(query);
    if (!errors) return next();
    res.status(400).json(errors);
  };
}

/**
 * The precheck of a request's `query`: null when it may go on to Apollo, else the 400 body
 * refusing it. Shared by the Express route and the lean POST /graphql path (http/graphql-post.ts).
 */
export type PrecheckRefusal = (query: unknown) => { errors: unknown[] } | null;
export function precheckRefusal(schema: GraphQLSchema, limits: Limits, precheck: Precheck): PrecheckRefusal {
  // Bounded by count and by size (a document is at most limits.maxTokens tokens).
  const passed = new LRUCache<string, true>({ max: 1000, maxSize: 8_000_000, sizeCalculation: (_v, k) => k.length + 1 });
  return (query) => {
    if (typeof query !== 'string' || query === '') return null;
    // A document that passed once passes again: the same text is checked once per process.
    if (passed.has(query)) return null;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: limits.maxTokens });
    } catch {
      return null;
    }
    const errors = precheck(schema, document);
    if (!errors.length) {
      passed.set(query, true);
      return null;
    }
    return { errors: errors.map((e) => formatError(e.toJSON(), e)) };
  };
}

/** Validation rules, plugins and the pre-validation check the limits add to Apollo Server. */
export function limitProtections(limits: Limits): { validationRules: ValidationRule[]; plugins: ApolloServerPlugin<Context>[]; precheck: Precheck } {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, onReject: [armorRejection('depth', limits.maxDepth)], propagateOnRejection: false },
    maxAliases: { n: limits.maxAliases, onReject: [armorRejection('aliases', limits.maxAliases)], propagateOnRejection: false },
    maxDirectives: { n: limits.maxDirectives, onReject: [armorRejection('directives', limits.maxDirectives)], propagateOnRejection: false },
    // Suggestions name fields: only for callers who could read the schema anyway.
    blockFieldSuggestion: { enabled: !limits.introspection },
    // Tokens: graphql's parse({ maxTokens }) (cheaper: no second lexer pass). Cost: http/cost.ts.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
  }).protect();
  const counters = armor.validationRules;
  const precheck: Precheck = (schema, document) => {
    const errors: GraphQLError[] = [];
    const context = new ValidationContext(schema, document, new TypeInfo(schema), (e) => errors.push(e));
    // armor's rules count from the operation node down by themselves: hand them each operation
    // rather than running a full validation pass.
    for (const op of document.definitions) {
      if (op.kind !== Kind.OPERATION_DEFINITION) continue;
      for (const rule of counters) {
        const visitor = rule(context) as { OperationDefinition?: { enter?: (node: OperationDefinitionNode) => void } };
        visitor.OperationDefinition?.enter?.call(visitor, op);
      }
    }
    const trip = roundTripError(schema, document);
    if (trip) errors.push(trip);
    // Field selections, repeats included: validating thousands of them (overlap checks are
    // quadratic) costs seconds before any cost is charged.
    let fields = 0;
    visit(document, { Field: () => void fields++ });
    if (fields > limits.maxFields) {
      errors.push(tooComplex(`The document selects ${fields} fields; the limit is ${limits.maxFields}`, { rule: 'fields', fields, limit: limits.maxFields }));
    }
    return errors;
  };
  return {
    validationRules: [noNulLiteralsRule],
    plugins: armor.plugins as ApolloServerPlugin<Context>[],
    precheck,
  };
}

const tooComplex = (message: string, extra: Record<string, unknown>) => withStatus(hubError('QUERY_TOO_COMPLEX', message, extra), 400);

/** Costs by document, operation and variables: a function of them, computed once per process. */
const costs = new LRUCache<string, number>({ max: 5000, maxSize: 16_000_000, sizeCalculation: (_v, k) => k.length + 1 });

/** The cost of the operation, or the client error its variables make. */
function costOf(ctx: GraphQLRequestContextDidResolveOperation<Context>): number {
  let variables: string;
  try {
    variables = JSON.stringify(ctx.request.variables ?? {});
  } catch {
    // Nested thousands deep, they overflow the stack (a RangeError): a client's mistake, not ours.
    throw withStatus(badInput('variables', 'The variables are nested too deeply'), 400);
  }
  const key = `${ctx.queryHash}\u0000${ctx.request.operationName ?? ''}\u0000${variables}`;
  const known = costs.get(key);
  if (known !== undefined) return known;
  try {
    const cost = queryCost(ctx.schema, ctx.document, ctx.request.variables, ctx.request.operationName ?? undefined);
    costs.set(key, cost);
    return cost;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const variable = /^Variable "\$(\w+)"/.exec(message);
    if (variable) throw withStatus(badInput(variable[1], message), 400);
    if (/maximum allowed number of nodes/.test(message)) throw tooComplex('The document expands to too many fields', { rule: 'fields' });
    // graphql-js refusing the request's values (e.g. null for a directive's non-null `if`): the client's mistake.
    if (e instanceof GraphQLError) throw withStatus(badInput('variables', message), 400);
    throw e;
  }
}

function setRateHeaders(response: GraphQLRequestContextWillSendResponse<Context>['response'], rate: RateDecision, windowSeconds: number) {
  const h = response.http.headers;
  h.set('ratelimit-limit', String(rate.limit));
  h.set('ratelimit-remaining', String(rate.remaining));
  h.set('ratelimit-reset', String(rate.resetSeconds));
  h.set('ratelimit-policy', `${rate.limit};w=${windowSeconds}`);
  if (!rate.allowed) h.set('retry-after', String(Math.max(rate.resetSeconds, 1)));
}

/**
 * Per request, before execution: no subscriptions, no NUL in variables, the cost within its
 * limit, then the caller's budget (HTTP 429 when spent). After: `extensions.cost`, the RateLimit
 * headers, and HTTP 503 with Retry-After when the database was unreachable.
 */
export function limitsPlugin(limits: Limits, limiter: RateLimiter | undefined): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let cost: number | undefined;
      let rate: RateDecision | undefined;
      return {
        async didResolveOperation(ctx) {
          if (!ctx.operation) return;
          if (ctx.operation.operation === 'subscription') {
            throw withStatus(badInput('query', 'The hub serves no subscriptions; poll `changes` for updates'), 400);
          }
          assertNoNulVariables(ctx.request.variables);
          cost = costOf(ctx);
          // The request's log line and metrics report the estimate, refused or not (http/logging.ts).
          const record = recordOfContext(ctx.contextValue);
          if (record) record.cost = cost;
          if (cost > limits.maxCost) {
            throw tooComplex(`The query costs ${cost}, over the limit of ${limits.maxCost}: ask for smaller pages or fewer nested lists`, {
              rule: 'cost',
              cost,
              limit: limits.maxCost,
            });
          }
          if (!limiter) return;
          try {
            rate = await limiter.consume(callerKey(ctx.contextValue.scope.caller), cost);
          } catch {
            // The shared store cannot be reached: nothing can be counted, so nothing is served.
            throw withStatus(serviceUnavailable(), 503, { 'retry-after': String(RETRY_AFTER_SECONDS) });
          }
          if (!rate.allowed) {
            throw withStatus(
              hubError('RATE_LIMITED', `Rate limit of ${rate.limit} cost points per ${limits.rate.windowSeconds} s spent; retry in ${Math.max(rate.resetSeconds, 1)} s`, {
                retryAfter: Math.max(rate.resetSeconds, 1),
                cost,
                limit: rate.limit,
              }),
              429,
            );
          }
        },
        async willSendResponse({ response }) {
          if (rate) setRateHeaders(response, rate, limits.rate.windowSeconds);
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (cost !== undefined && !result.errors?.some((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX' || e.extensions?.code === 'RATE_LIMITED')) {
            result.extensions = { ...result.extensions, cost };
          }
          if (result.errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          }
        },
      };
    },
  };
}
