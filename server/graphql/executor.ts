import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { BREAK, DocumentNode, execute, ExecutionResult, FormattedExecutionResult, getNamedType, GraphQLError, GraphQLSchema, isAbstractType, OperationDefinitionNode, printSchema, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
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
 * The JSON serializer of each successful result's data (graphql-jit compiles one per operation
 * from its selection, fast-json-stringify), looked up by the data object when Apollo writes the
 * answer (`stringifyResult`). Weak: an answer written is forgotten.
 */
const serializers = new WeakMap<object, (value: unknown) => string>();

/**
 * Apollo's `stringifyResult`: a successful compiled operation's answer through its own
 * serializer (a fifth of the time JSON.stringify took on a 500-row page, bench/), anything else
 * (errors, introspection by graphql-js) as Apollo writes it. Either way the same text.
 */
export function stringifyResult(value: FormattedExecutionResult): string {
  const serialize = value.data && !value.errors ? serializers.get(value.data) : undefined;
  if (!serialize) return JSON.stringify(value) + '\n';
  const body = serialize({ data: value.data });
  return value.extensions === undefined ? body + '\n' : `${body.slice(0, -1)},"extensions":${JSON.stringify(value.extensions)}}\n`;
}

/**
 * An operation compiled with its own serializer; graphql-jit cannot write one for a selection
 * with custom scalars (DateTime, Date, ...), and those operations serialize with JSON.stringify.
 */
function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult {
  if (!serializable(schema, document)) return compileQuery(schema, document, operationName);
  // graphql-jit answers a failed compilation with errors rather than throwing.
  const withSerializer = compileQuery(schema, document, operationName, { customJSONSerializer: true });
  return isCompiledQuery(withSerializer) ? withSerializer : compileQuery(schema, document, operationName);
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

/**
 * Whether graphql-jit's serializer writes this document's answers as JSON.stringify would. It
 * does not when a field's type is an interface or a union: it describes the field by merging
 * the possible types' selections (the last wins where two share a response name, and fields
 * come in that merged order: a field could vanish or move). Nor for a response name starting
 * with `__` other than __typename (`__proto__` came out as "[object Object]"), nor for
 * introspection (`__schema`, `__type`), which gains nothing from it.
 */
function serializable(schema: GraphQLSchema, document: DocumentNode): boolean {
  const types = new TypeInfo(schema);
  let ok = true;
  visit(document, visitWithTypeInfo(types, {
    Field(node) {
      const type = types.getType();
      const odd = (name: string) => name.startsWith('__') && name !== '__typename';
      if ((type && isAbstractType(getNamedType(type))) || odd((node.alias ?? node.name).value) || odd(node.name.value)) {
        ok = false;
        return BREAK;
      }
      return undefined;
    },
  }));
  return ok;
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
    const query = compiledFor(`${rc.queryHash}:${rc.operationName ?? ''}`, () => compile(schema, rc.document, rc.operationName ?? undefined));
    if (!isCompiledQuery(query)) return query as ExecutionResult as never;
    const result = await query.query(undefined, rc.context, rc.request.variables ?? {});
    if (!result.errors && result.data && query.stringify !== JSON.stringify) serializers.set(result.data, query.stringify);
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
