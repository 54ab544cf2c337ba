import { GraphQLFieldResolver, GraphQLScalarType, GraphQLSchema, isObjectType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/**
 * type-graphql calls each resolver method through a handler that, on every call, asks its
 * container for the resolver instance, sorts and maps the parameter list and, for any @Arg,
 * awaits an async validation step even with validation off (every such field then resolves
 * through Promise.all). For field resolvers that run once per row (a staff member's name and
 * home campus, a campus's school, a campus's staff page) that handler cost more than the
 * resolver itself (bench/). This replaces it with a direct call wherever the result is the
 * same: a field resolver of a resolver class with no middleware or roles, whose parameters
 * are only @Root (the row as it is), @Ctx, @Info and @Arg of scalar or enum type (passed as
 * graphql-js coerced them, which is what type-graphql passes when validation is off).
 * Everything else keeps type-graphql's handler.
 */

/**
 * Whether the direct calls are used (HUB_DIRECT_RESOLVERS=0: type-graphql's handlers, as
 * before). Switchable at run time so tests can compare both answers in one process.
 */
let enabled = process.env.HUB_DIRECT_RESOLVERS !== '0';
export function useDirectResolvers(on: boolean): void {
  enabled = on;
}

type ParamMeta = {
  kind: string;
  index: number;
  name?: string;
  propertyName?: string;
  getType?: () => unknown;
  validateSettings?: unknown;
  validateFn?: unknown;
};

type FieldResolverMeta = {
  kind: string;
  target: Function;
  methodName: string;
  schemaName: string;
  params?: ParamMeta[];
  middlewares?: unknown[];
  roles?: unknown[];
  getObjectType?: () => Function;
};

type Extract = (root: unknown, args: Record<string, unknown>, ctx: unknown, info: unknown) => unknown;

/** A scalar or enum argument: type-graphql passes its coerced value unchanged. */
function isPlainArgType(t: unknown): boolean {
  return t instanceof GraphQLScalarType || t === String || t === Number || t === Boolean || (typeof t === 'object' && t !== null);
}

/** Arguments of input-object type, which type-graphql converts into instances of their class. */
function convertedArgs(params: ParamMeta[]): string[] {
  return params.filter((p) => p.kind === 'arg' && !(p.getType && isPlainArgType(p.getType()))).map((p) => p.name!);
}

/** How to get one parameter's value, or null when only type-graphql's handler gives it. */
function extractor(p: ParamMeta): Extract | null {
  switch (p.kind) {
    case 'context':
      return p.propertyName ? null : (_r, _a, ctx) => ctx;
    case 'info':
      return (_r, _a, _c, info) => info;
    case 'root':
      // With a declared class type, type-graphql converts a plain object into it; the direct
      // call takes only an instance (what lists and loaders return), see rootClass.
      return p.propertyName ? null : (root) => root;
    case 'arg': {
      if (p.validateFn || (p.validateSettings !== undefined && p.validateSettings !== false)) return null;
      // An input object is converted into its class: passed directly only when absent (see guard).
      const name = p.name!;
      return (_r, args) => args[name];
    }
    default:
      return null;
  }
}

/** The class a @Root parameter declares, when type-graphql would convert other values into it. */
function rootClass(params: ParamMeta[]): Function | null {
  const t = params.find((p) => p.kind === 'root')?.getType?.();
  return typeof t === 'function' && t !== String && t !== Number && t !== Boolean && t !== Date ? t : null;
}

/**
 * A getter of an entity class exposed as a field (Node.id, on every type implementing Node):
 * read directly from an instance of the class; type-graphql's handler otherwise (with direct
 * resolvers off, HUB_DIRECT_RESOLVERS=0, when the schema is built).
 */
function directGetter(schema: GraphQLSchema, fr: FieldResolverMeta, objectTypes: Array<{ target: Function; name: string }>): number {
  const cls = fr.getObjectType?.();
  if (!cls || fr.params?.length) return 0;
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, fr.methodName);
  if (!descriptor?.get) return 0;
  const name = fr.methodName;
  let n = 0;
  for (const o of objectTypes) {
    if (o.target !== cls && !(o.target.prototype instanceof cls)) continue;
    const type = schema.getType(o.name);
    const field = isObjectType(type) ? type.getFields()[fr.schemaName] : undefined;
    const own = field?.resolve;
    if (!field || !own) continue;
    // A getter under the field's own name (Node.id): no resolver at all. graphql-jit then reads the
    // property inline, as it reads a column, instead of calling a resolver with a resolve info, a
    // path and three closures made for each of a page's rows (bench/ A/B: −3 % CPU on a 500-staff page, within the noise).
    // Every row is an instance of its entity class (db/rows.ts hydrate, TypeORM, Object.assign(new ...)).
    if (enabled && name === fr.schemaName) field.resolve = undefined;
    else field.resolve = (root, args, ctx, info) => (enabled && root instanceof cls ? (root as Record<string, unknown>)[name] : own(root, args, ctx, info));
    n++;
  }
  return n;
}

/**
 * Installs direct calls on `schema`; returns how many fields got one. `build` is what the schema
 * was built with: with validation on, or any global middleware, every call must go through
 * type-graphql (a direct call would skip them), so nothing is installed.
 */
export function directFieldResolvers(schema: GraphQLSchema, build: { validate: unknown; globalMiddlewares?: unknown[] }): number {
  if (build.validate !== false || build.globalMiddlewares?.length) return 0;
  const storage = getMetadataStorage() as unknown as {
    fieldResolvers: FieldResolverMeta[];
    objectTypes: Array<{ target: Function; name: string }>;
  };
  const typeNameOf = new Map(storage.objectTypes.map((o) => [o.target, o.name]));
  let n = 0;
  for (const fr of storage.fieldResolvers) {
    if (fr.middlewares?.length || fr.roles) continue;
    if (fr.kind === 'internal') {
      n += directGetter(schema, fr, storage.objectTypes);
      continue;
    }
    if (fr.kind !== 'external') continue;
    const objectClass = fr.getObjectType?.();
    const typeName = objectClass && typeNameOf.get(objectClass);
    const type = typeName ? schema.getType(typeName) : undefined;
    if (!isObjectType(type)) continue;
    const field = type.getFields()[fr.schemaName];
    if (!field?.resolve) continue;
    const params = [...(fr.params ?? [])].sort((a, b) => a.index - b.index);
    const extract = params.map(extractor);
    if (extract.some((e) => e === null)) continue;
    const method = (fr.target.prototype as Record<string, Function>)[fr.methodName];
    if (typeof method !== 'function') continue;
    // type-graphql's default container keeps one instance per resolver class.
    const instance = new (fr.target as new () => object)();
    const x = extract as Extract[];
    const call: GraphQLFieldResolver<unknown, unknown> =
      x.length === 2 ? (root, args, ctx, info) => method.call(instance, x[0](root, args, ctx, info), x[1](root, args, ctx, info))
        : (root, args, ctx, info) => method.apply(instance, x.map((e) => e(root, args, ctx, info)));
    // The direct call where it gives what type-graphql would: a row that is an instance of the
    // declared class, no input object to convert; else type-graphql's handler.
    const own = field.resolve;
    const cls = rootClass(params);
    const inputs = convertedArgs(params);
    const direct = (root: unknown, args: Record<string, unknown>) =>
      enabled && (cls === null || root == null || root instanceof cls) && inputs.every((a) => args[a] == null);
    field.resolve = (root, args, ctx, info) => (direct(root, args) ? call : own)(root, args, ctx, info);
    n++;
  }
  return n;
}
