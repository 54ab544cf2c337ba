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

/** Documents with an alias starting with `__` (valid GraphQL), which graphql-jit answers wrongly; by document, as Apollo caches them. */
const withReservedAliases = new WeakMap<DocumentNode, boolean>();
function reservedAliases(document: DocumentNode): boolean {
  let found = withReservedAliases.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Field(node) {
        if (node.alias?.value.startsWith('__')) {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    });
    withReservedAliases.set(document, found);
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
    // before. An alias like `__proto__`: graphql-js answers it (graphql-jit drops the key).
    if (!operation || reservedAliases(rc.document)) {
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
