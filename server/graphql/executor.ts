import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { BREAK, DocumentNode, execute, ExecutionResult, GraphQLError, GraphQLSchema, OperationDefinitionNode, printSchema, visit } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

/**
 * graphql-jit's errors as graphql-js GraphQLErrors: Apollo reads `extensions.code` of every
 * error, and jit leaves `extensions` undefined when the cause has none (a database error).
 */
function asGraphQLError(e: GraphQLError): GraphQLError {
  const err = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined });
  (err as { locations?: unknown }).locations = e.locations;
  return err;
}

/**
 * Documents graphql-jit answers wrongly, which graphql-js runs instead (by document, as Apollo
 * caches them):
 * - an alias starting with `__` (valid GraphQL): graphql-jit drops the key;
 * - @skip or @include anywhere: graphql-jit keeps a condition on the field nodes themselves,
 *   which fragments share between places, so a fragment skipped at one place was dropped at
 *   every other place it is spread; and it orders a response's keys by a field's first
 *   occurrence even when that one is skipped, where the spec orders by the first included.
 */
const jitUnsafe = new WeakMap<DocumentNode, boolean>();
function needsGraphqlJs(document: DocumentNode): boolean {
  let found = jitUnsafe.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Field(node) {
        if (!node.alias?.value.startsWith('__')) return undefined;
        found = true;
        return BREAK;
      },
      Directive(node) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return undefined;
        found = true;
        return BREAK;
      },
    });
    jitUnsafe.set(document, found);
  }
  return found;
}

/** Compiled operations kept per process (by document hash and operation name); a bounded LRU. */
const MAX_COMPILED = 1000;

/**
 * Executes operations with graphql-jit: each distinct document is compiled once into a
 * JavaScript function of the schema's resolvers, which serves a 500-row page several times
 * faster than graphql-js's interpreter (bench/). Plugged into Apollo Server through its
 * executor interface (the "gateway" hook), so parsing, validation, limits, persisted
 * documents and error formatting stay Apollo's. Variables are coerced by graphql-js first,
 * so a bad variable answers exactly as before.
 */
export function compiledExecutor(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery>();

  const compiledFor = (key: string, make: () => CompiledQuery | ExecutionResult): CompiledQuery | ExecutionResult => {
    const hit = compiled.get(key);
    if (hit) {
      // Most recently used last: the first key is the one to evict.
      compiled.delete(key);
      compiled.set(key, hit);
      return hit;
    }
    const made = make();
    if (isCompiledQuery(made)) {
      compiled.set(key, made);
      if (compiled.size > MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    }
    return made;
  };

  const executor: GatewayExecutor = async (rc) => {
    const operation = rc.operation as OperationDefinitionNode | undefined;
    // No operation to run (an unknown operationName, several unnamed): graphql-js says why, as
    // before. Documents graphql-jit answers wrongly (needsGraphqlJs): graphql-js answers them.
    if (!operation || needsGraphqlJs(rc.document)) {
      return (await execute({ schema, document: rc.document, operationName: rc.request.operationName, variableValues: rc.request.variables, contextValue: rc.context })) as never;
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rc.request.variables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors as GraphQLError[] };
    const query = compiledFor(`${rc.queryHash}:${rc.operationName ?? ''}`, () => compileQuery(schema, rc.document, rc.operationName ?? undefined));
    if (!isCompiledQuery(query)) return query as ExecutionResult as never;
    const result = await query.query(undefined, rc.context, rc.request.variables ?? {});
    return (result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result) as never;
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async stop() {},
  };
}
