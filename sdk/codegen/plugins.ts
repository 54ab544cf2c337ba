import crypto from 'node:crypto';
import type { CodegenPlugin, Types } from '@graphql-codegen/plugin-helpers';
import {
  FragmentDefinitionNode,
  getNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  print,
  visit,
} from 'graphql';

/**
 * codegen.ts plugins of the SDK (loaded through its pluginLoader, so they need no package):
 * `sdk-operations` writes the operations table the client turns into methods, and
 * `sdk-persisted-documents` the manifest (sha256 hex of the exact text → text) the hub loads.
 * typescript-operations writes the types both refer to.
 */
export interface SdkPluginConfig {
  /** Mutations safe to send twice (same input, same result): the client retries only these. */
  idempotentMutations?: string[];
}

interface Operation {
  /** The operation name, e.g. StaffMembers. */
  name: string;
  kind: 'query' | 'mutation';
  /** The one root field it selects, e.g. staffMembers: the client's method name. */
  field: string;
  /** The exact text sent and hashed: the operation, then the fragments it uses by name. */
  text: string;
  hash: string;
  /** A Relay connection the client can page through (after/first, pageInfo, edges.node). */
  connection: boolean;
  /** The field selected once per kind under the kind's name: the client returns the alias that matched. */
  byKind: boolean;
}

function collectOperations(schema: GraphQLSchema, files: Types.DocumentFile[]): Operation[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const ops: OperationDefinitionNode[] = [];
  for (const file of files) {
    for (const def of file.document?.definitions ?? []) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
      else if (def.kind === Kind.OPERATION_DEFINITION) ops.push(def);
    }
  }
  const used = (node: OperationDefinitionNode | FragmentDefinitionNode, into = new Set<string>()): Set<string> => {
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (into.has(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`unknown fragment ${name}`);
        into.add(name);
        used(fragment, into);
      },
    });
    return into;
  };
  const result = ops.map((op): Operation => {
    if (!op.name) throw new Error('every SDK operation needs a name');
    if (op.operation === 'subscription') throw new Error(`${op.name.value}: subscriptions are not supported`);
    const fields = op.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s] : []));
    // One root field; or the same field once per kind, aliased by the kind's name (Node).
    const field = fields[0]?.name.value;
    const byKind = fields.length > 1 && fields.every((f) => f.name.value === field && f.alias);
    if (fields.length !== op.selectionSet.selections.length || !field || (fields.length === 1 ? !!fields[0].alias : !byKind)) {
      throw new Error(`${op.name.value}: an SDK operation selects one root field (or the same field aliased per kind)`);
    }
    const root = (op.operation === 'query' ? schema.getQueryType() : schema.getMutationType())!;
    const def = root.getFields()[field];
    if (!def) throw new Error(`${op.name.value}: ${root.name}.${field} is not in the schema`);
    const type = getNamedType(def.type);
    const vars = new Set(op.variableDefinitions?.map((v) => v.variable.name.value));
    const connection =
      type instanceof GraphQLObjectType && 'pageInfo' in type.getFields() && 'edges' in type.getFields() && vars.has('after') && vars.has('first');
    const text = [print(op), ...[...used(op)].sort().map((n) => print(fragments.get(n)!))].join('\n\n');
    return { name: op.name.value, kind: op.operation, field, text, hash: crypto.createHash('sha256').update(text).digest('hex'), connection, byKind };
  });
  // One operation per root field: a field added to the schema without one fails codegen.
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.keys(root?.getFields() ?? {})) {
      const n = result.filter((o) => o.field === field && o.kind === (root === schema.getQueryType() ? 'query' : 'mutation')).length;
      if (n !== 1) throw new Error(`${root!.name}.${field} has ${n} SDK operations in sdk/operations (needs exactly one)`);
    }
  }
  return result.sort((a, b) => (a.kind === b.kind ? a.field.localeCompare(b.field) : a.kind === 'query' ? -1 : 1));
}

const typeName = (op: Operation) => `${op.name}${op.kind === 'query' ? 'Query' : 'Mutation'}`;

export const sdkOperations: CodegenPlugin<SdkPluginConfig> = {
  plugin(schema, documents, config) {
    const ops = collectOperations(schema, documents);
    const idempotent = new Set(config.idempotentMutations ?? []);
    for (const name of idempotent) {
      if (!ops.some((o) => o.kind === 'mutation' && o.field === name)) throw new Error(`idempotentMutations: no mutation ${name}`);
    }
    const out: string[] = [
      '/* Generated by codegen.ts from schema/schema.graphql and sdk/operations/*.graphql: do not edit. */',
      "import type * as T from './types.js';",
      "import type { MatchedKind, TypedDocumentString } from '../document.js';",
      "import { typedDocument } from '../document.js';",
      '',
    ];
    for (const op of ops) {
      out.push(
        `/** ${op.kind} ${op.field} */`,
        `export const ${op.name}Document: TypedDocumentString<T.${typeName(op)}, T.${typeName(op)}Variables> = typedDocument(${JSON.stringify(op.text)}, '${op.hash}');`,
      );
    }
    out.push('', '/** Every operation of the SDK by its method name: the field it selects, its result and variables. */', 'export interface Operations {');
    for (const op of ops) {
      const result = op.byKind ? `MatchedKind<T.${typeName(op)}>` : `T.${typeName(op)}['${op.field}']`;
      out.push(`  ${op.field}: { result: ${result}; variables: T.${typeName(op)}Variables };`);
    }
    out.push('}', '', '/** How the client sends each operation. */', 'export const operations = {');
    for (const op of ops) {
      // Queries are retried freely; mutations only when sending one twice does no harm.
      const retryable = op.kind === 'query' || idempotent.has(op.field);
      out.push(`  ${op.field}: { document: ${op.name}Document, kind: '${op.kind}', connection: ${op.connection}, byKind: ${op.byKind}, idempotent: ${retryable} },`);
    }
    out.push(
      '} as const;',
      '',
      '/** Methods returning a connection, which hub.paginate pages through. */',
      `export type ConnectionOperation = ${ops.filter((o) => o.connection).map((o) => `'${o.field}'`).join(' | ')};`,
      '',
    );
    return out.join('\n');
  },
};

export const sdkPersistedDocuments: CodegenPlugin = {
  plugin(schema, documents) {
    const manifest = Object.fromEntries(collectOperations(schema, documents).map((o) => [o.hash, o.text]));
    return JSON.stringify(manifest, null, 2) + '\n';
  },
};
