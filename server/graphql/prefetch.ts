import {
  FieldNode, FragmentSpreadNode, getArgumentValues, getDirectiveValues, GraphQLField, GraphQLIncludeDirective, GraphQLResolveInfo,
  GraphQLSchema, GraphQLSkipDirective, InlineFragmentNode, isAbstractType, isObjectType, SelectionSetNode,
} from 'graphql';
import pg from 'pg';
import { EntityKind, kindOf } from '../access/scope';
import { hydrator, tableOf } from '../db/rows';
import { and, join, raw, sql, Sql } from '../db/sql';
import type { Context } from './context';
import { afterKey, NestedListSpec, pageSize } from './page-args';
import { ToMany, toManyOf } from './to-many';

/**
 * Join what is always fetched together: when a query selects a many-to-one relation of the
 * rows a list returns (a staff member's home campus, that campus's school, a membership's
 * campus), the list's own statement LEFT JOINs it and hands the related rows to the request's
 * row it belongs to (a symbol-keyed slot; joinedRelations makes the relation's field read it there). The
 * relation then needs no statement of its own: a 500-staff page with campus and school is one
 * statement, not three. A list whose rows serve only its own selection (a connection page)
 * reads of a joined row only the columns that selection needs; where rows are shared (a
 * lookup by id, a plain nested list) joined rows carry every column and also fill the
 * request's relation loader (Context.primeRelated).
 *
 * Only relations whose resolver loads the target unscoped (`ctx.required`: reaching it is what
 * the relation means, Context.reach) are listed here, so the join shows nothing the resolver
 * would not. Kinds a caller may not read at all are still refused by the resolver.
 */
interface Relation {
  /** The GraphQL field on the source type. */
  field: string;
  /** The related entity, by class name (resolved through the data source's metadata). */
  target: string;
  /** The foreign key column on the source row. */
  fk: string;
  /**
   * Few source rows name the same target (a campus is in few memberships; a staff member's
   * home campus is not: it is home to dozens). Pages under the joined row are fetched in the
   * statement only then, since the statement repeats them on every source row naming it.
   */
  distinct?: boolean;
}

const RELATIONS: Record<string, Relation[]> = {
  Staff: [{ field: 'homeCampus', target: 'Campus', fk: 'home_campus_id' }],
  Campus: [{ field: 'school', target: 'School', fk: 'school_id', distinct: true }],
  GroupMembership: [
    { field: 'campus', target: 'Campus', fk: 'campus_id', distinct: true },
    { field: 'group', target: 'EducationGroup', fk: 'group_id' },
  ],
  EducationGroup: [{ field: 'leadCampus', target: 'Campus', fk: 'lead_campus_id' }],
  Posting: [
    { field: 'staff', target: 'Staff', fk: 'staff_id', distinct: true },
    { field: 'group', target: 'EducationGroup', fk: 'group_id' },
    { field: 'fromCampus', target: 'Campus', fk: 'from_campus_id' },
    { field: 'toCampus', target: 'Campus', fk: 'to_campus_id' },
  ],
  Resource: [{ field: 'contributingCampus', target: 'Campus', fk: 'contributing_campus_id' }],
  ResourceLibrary: [{ field: 'group', target: 'EducationGroup', fk: 'group_id' }],
};

/**
 * Fields with a resolver of their own that read no more of the row than these columns (beyond
 * `id`). A list whose selection holds only such fields, the relations above and fields named
 * after a column reads only the columns they need (`selectedColumns`); any other field makes
 * it read every column, so a resolver missing here is slower, never wrong.
 */
const READS: Record<string, Record<string, string[]>> = {
  Staff: { postings: [], currentPosting: [] },
  Campus: { jurisdiction: ['jurisdiction_id'], staff: [], memberships: [] },
  School: { jurisdiction: ['jurisdiction_id'], campuses: [] },
  EducationGroup: { jurisdiction: ['jurisdiction_id'], memberships: [], postings: [], libraries: [] },
  GroupMembership: { approvals: [] },
};

/** Joins nest this deep at most (staff → campus → school is 2). */
const MAX_DEPTH = 3;
/** Pages nest this deep at most in one statement (groups → memberships → campus → staff is 2). */
const MAX_PAGE_DEPTH = 3;
/** PostgreSQL's limit on a function's arguments (json_build_array). */
const MAX_ITEMS = 100;

/** What one list statement reads besides its rows' own columns: joined relations and nested pages. */
export interface Prefetch {
  joins: JoinPlan[];
  /** Pages under the list's own rows (pages under a joined row sit on its join plan). */
  pages: PagePlan[];
}

/** Where a value sits in a row: a column name (a statement's rows) or an index (a row inside a page, a JSON array). */
type Key = string | number;

/** One joined relation: its alias in the statement and what is joined under it. */
export interface JoinPlan {
  alias: string;
  /** The relation's field on the parent type. */
  field: string;
  entity: Function;
  /** The entity's selected columns (database names). */
  columns: string[];
  /** The columns' expressions in a row inside a page, and how each is read back (see jsonValue). */
  items: string[];
  parsers: Parser[];
  /** Makes the related entity from a row of the statement. */
  hydrate: (row: any) => object;
  /** The related row's id in the statement's rows. */
  idKey: Key;
  /** Where the parent row keeps it (slotOf(field)). */
  slot: symbol;
  /** Every column the entity has (then the row may also serve the request's relation loader). */
  full: boolean;
  /** The related rows made so far, by id: many rows share one campus (a plan lives for one request). */
  made: Map<string, object>;
  parentAlias: string;
  fk: string;
  children: JoinPlan[];
  /** Pages under the joined row (a membership's campus's staff). */
  pages: PagePlan[];
  /** Whether the relation is executed for these variables (@skip/@include on the way to it). */
  cond: Cond;
}

/**
 * A nested page (a to-many connection, to-many.ts) fetched in its parent's statement, as
 * PostgreSQL's own JSON: for each parent row a correlated subquery reads the page's rows
 * (same spec, scope and order as the connection's own statement would) into a JSON array of
 * arrays, one value per selected column. The page's rows then wait on their parent in a
 * slot per field node, where the connection's resolver finds them (nestedConnection).
 * A group's 50 memberships with their campuses and each campus's 50 staff are one
 * statement, not three (bench/: c).
 */
export interface PagePlan {
  def: ToMany;
  /** The connection field's definition (to read its arguments) and the field nodes asking for it (one response name). */
  fieldDef: GraphQLField<unknown, unknown>;
  nodes: readonly FieldNode[];
  /** Where the parent row keeps the page (one symbol per page plan: see prefetchedPage). */
  slot: symbol;
  /** Whether the page is executed for these variables: a page under a skipped field is not fetched (nor counted by the cost limit). */
  cond: Cond;
  /** Where the page's value sits in the parent's row. */
  key: Key;
  parentAlias: string;
  /** Finds the parent's alias in a FROM clause (which would hide it from the correlation). */
  hides: RegExp;
  /** The rows' own columns, in array order from 0. */
  columns: string[];
  items: string[];
  hydrate: (row: any) => object;
  joins: JoinPlan[];
  pages: PagePlan[];
  /** Made per request (bindPages): the spec, page size and cursor for this caller's arguments; null: the resolver pages it itself. */
  bound: { spec: NestedListSpec<unknown>; size: number; after: string | null } | null;
}

/**
 * Where a row keeps the related row its statement joined in: a property per relation field,
 * keyed by a symbol (no extra object per row, and nothing a resolver could mistake for data).
 */
const slots = new Map<string, symbol>();
const slotOf = (field: string): symbol => {
  let s = slots.get(field);
  if (!s) slots.set(field, (s = Symbol(`joined ${field}`)));
  return s;
};
type WithJoined = Record<symbol, unknown>;

/**
 * Where a row keeps a nested page fetched with it: a symbol per page plan, found through the
 * page's field nodes. A parent row may be shared between places in a query (a lookup's loader,
 * a joined row handed to the relation loader), and one field node between places (a
 * fragment): a page serves a resolver only if every field node the resolver was asked for is
 * among those it was planned for, so its columns and arguments cover what is asked.
 */
const pagesByNode = new WeakMap<FieldNode, Array<{ slot: symbol; nodes: ReadonlySet<FieldNode> }>>();

/**
 * The slot of a page asked for by `nodes`: one per distinct set of field nodes (plans made again
 * for the same nodes, e.g. for callers reading other kinds, share it), so the candidates per node
 * stay as many as the places the node is in.
 */
function registerPage(nodes: readonly FieldNode[]): symbol {
  const known = pagesByNode.get(nodes[0]) ?? [];
  const same = known.find((c) => c.nodes.size === new Set(nodes).size && nodes.every((n) => c.nodes.has(n)));
  if (same) return same.slot;
  const planned = { slot: Symbol(`page ${nodes[0].name.value}`), nodes: new Set(nodes) };
  for (const node of nodes) pagesByNode.set(node, [...(pagesByNode.get(node) ?? []), planned]);
  return planned.slot;
}

/** The page its parent's statement fetched for this connection field, if it did (nestedConnection). */
export function prefetchedPage<T>(parent: object, info: GraphQLResolveInfo | undefined): T[] | undefined {
  const candidates = info && pagesByNode.get(info.fieldNodes[0]);
  if (!candidates) return undefined;
  for (const c of candidates) {
    const rows = (parent as WithJoined)[c.slot] as T[] | undefined;
    if (rows && info.fieldNodes.every((n) => c.nodes.has(n))) return rows;
  }
  return undefined;
}

/** Whether what a plan fetches is executed for a request's variables. */
type Cond = (variables: Record<string, unknown>) => boolean;
const ALWAYS: Cond = () => true;

/** A selection carrying @skip or @include. */
type Guard = FieldNode | InlineFragmentNode | FragmentSpreadNode;

/** A field selected on a type, with the directive-bearing selections on the way to it. */
interface Picked {
  node: FieldNode;
  guards: readonly Guard[];
}

/** A selection set, with the guards on the way to it. */
interface Under {
  set: SelectionSetNode;
  guards: readonly Guard[];
}

/**
 * The fields selected under `set` by name, through fragments. With `typeName`, only fragments
 * that apply to that type (its own, or an interface or union it belongs to): a fragment on
 * another type may select a field of the same name with other arguments.
 */
function picked(sets: readonly Under[], info: GraphQLResolveInfo, typeName: string | null, out = new Map<string, Picked[]>()): Map<string, Picked[]> {
  const walk = (set: SelectionSetNode | undefined, guards: readonly Guard[]) => {
    for (const s of set?.selections ?? []) {
      const g = s.directives?.length ? [...guards, s] : guards;
      if (s.kind === 'Field') {
        const list = out.get(s.name.value);
        if (list) list.push({ node: s, guards: g });
        else out.set(s.name.value, [{ node: s, guards: g }]);
      } else if (s.kind === 'InlineFragment') {
        if (applies(info, s.typeCondition?.name.value, typeName)) walk(s.selectionSet, g);
      } else {
        const f = info.fragments[s.name.value];
        if (f && applies(info, f.typeCondition.name.value, typeName)) walk(f.selectionSet, g);
      }
    }
  };
  for (const u of sets) walk(u.set, u.guards);
  return out;
}

function applies(info: GraphQLResolveInfo, condition: string | undefined, typeName: string | null): boolean {
  if (!condition || !typeName || condition === typeName) return true;
  const t = info.schema.getType(typeName);
  // An entity whose type has another name in the schema: every fragment (more columns, never fewer).
  if (!isObjectType(t)) return true;
  const c = info.schema.getType(condition);
  return !!c && isAbstractType(c) && info.schema.isSubType(c, t);
}

/** The fields selected under `sets` by name (see picked). */
function selected(sets: readonly Under[], info: GraphQLResolveInfo, typeName: string | null): Map<string, FieldNode[]> {
  return new Map([...picked(sets, info, typeName)].map(([k, v]) => [k, v.map((p) => p.node)]));
}

/** The selections under `path` (e.g. edges → node) of `picks`, each with its guards. */
function under(info: GraphQLResolveInfo, picks: readonly Picked[], path: string[]): Under[] {
  for (const name of path) {
    picks = picks.flatMap((p) => (p.node.selectionSet ? picked([{ set: p.node.selectionSet, guards: p.guards }], info, null).get(name) ?? [] : []));
  }
  return picks.flatMap((p) => (p.node.selectionSet ? [{ set: p.node.selectionSet, guards: p.guards }] : []));
}

/** Whether a guarded selection is executed for these variables (graphql-js's shouldIncludeNode). */
function included(p: Picked, variables: Record<string, unknown>): boolean {
  for (const g of p.guards) {
    if (getDirectiveValues(GraphQLSkipDirective, g, variables)?.if === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, g, variables)?.if === false) return false;
  }
  return true;
}

/** `cond`, and at least one of `picks` executed. */
function condOf(cond: Cond, picks: readonly Picked[]): Cond {
  if (picks.every((p) => p.guards.length === 0)) return cond;
  return (v) => cond(v) && picks.some((p) => included(p, v));
}

const unguarded = (nodes: readonly FieldNode[]): Picked[] => nodes.map((node) => ({ node, guards: [] }));

/**
 * What a list of `entity` rows (aliased `alias`) fetches in its own statement for what the
 * query selects on each row: `path` leads from the resolved field to the rows (['edges',
 * 'node'] for a connection). `prune`: the rows serve this selection only, so joined rows read
 * only the columns it needs. Relations to kinds the caller may not read are not joined (their
 * resolver refuses them); pages the caller may not read, or asked with arguments their
 * resolver refuses, are left to it.
 */
export function planJoins(ctx: Context, entity: Function, alias: string, info: GraphQLResolveInfo | undefined, path: string[], prune = false): Prefetch {
  if (!info || process.env.HUB_PREFETCH === '0') return NOTHING;
  // A plan depends on the place in the document (its field nodes: the same objects for every
  // request of a cached document) and on which related kinds the caller may read: made once
  // per pair, then copied with fresh `made` maps and the pages bound to this request's
  // arguments and caller (a plan's rows belong to one request).
  // Keyed by the place's first field node and where all of them are in the document: the
  // array of field nodes is made anew per request by graphql-js (and per compilation by
  // graphql-jit), the nodes live as long as the parsed document.
  const place = placeOf(info.fieldNodes);
  let byPlace = plansByPlace.get(place.anchor);
  if (!byPlace) plansByPlace.set(place.anchor, (byPlace = new Map()));
  const key = `${place.key}|${entity.name}|${alias}|${path.join('.')}|${prune}|${JOINED_KINDS.map((k) => (ctx.scope.canRead(k) ? 1 : 0)).join('')}`;
  let plan = byPlace.get(key);
  if (!plan) {
    byPlace.set(key, (plan = makePlans(ctx, entity, alias, info, path, prune)));
    plansMade++;
  }
  if (!plan.joins.length && !plan.pages.length) return NOTHING;
  const bind = (p: PagePlan): PagePlan => ({ ...p, joins: fresh(p.joins), pages: p.pages.map(bind), bound: bindPage(ctx, p, info) });
  const fresh = (plans: JoinPlan[]): JoinPlan[] => plans.map((p) => ({ ...p, made: new Map(), children: fresh(p.children), pages: p.pages.map(bind) }));
  return { joins: fresh(plan.joins), pages: plan.pages.map(bind) };
}

export const NOTHING: Prefetch = { joins: [], pages: [] };

let plansMade = 0;
/** How many plans this process has made (each place of a document once; test/nested-pages.test.ts). */
export const plansMadeSoFar = (): number => plansMade;
const plansByPlace = new WeakMap<object, Map<string, Prefetch>>();

/** A place in a document: its first field node, and the positions of all of them (the array itself when a node has none). */
function placeOf(nodes: readonly FieldNode[]): { anchor: object; key: string } {
  if (nodes.some((n) => !n.loc)) return { anchor: nodes, key: '' };
  return { anchor: nodes[0], key: placeKey(nodes) };
}

/** Where a place's field nodes are in their document, as text (empty when the document has no locations). */
export function placeKey(nodes: readonly FieldNode[]): string {
  return nodes.every((n) => n.loc) ? nodes.map((n) => n.loc!.start).join(',') : '';
}

/** Whether a plan fetches pages (then its rows are worth fetching only for the place that asked). */
export function fetchesPages(pf: Prefetch): boolean {
  return allPages(pf.joins, pf.pages).some((p) => p.bound);
}

/** The plan without its pages (a statement whose rows are not all served: see nestedConnection). */
export function withoutPages(pf: Prefetch): Prefetch {
  const strip = (plans: JoinPlan[]): JoinPlan[] => plans.map((p) => ({ ...p, pages: [], children: strip(p.children) }));
  return { joins: strip(pf.joins), pages: [] };
}
/** Every kind a relation above leads to: what a plan's shape depends on of the caller. */
const JOINED_KINDS = [...new Set(Object.values(RELATIONS).flat().map((r) => r.target))] as EntityKind[];

/**
 * A page's spec, size and cursor for this request, or null when its resolver should answer it:
 * arguments it refuses (the resolver raises the error where it belongs), a kind the caller may
 * not read, an empty page, or a spec that is not the one the plan was made for.
 */
function bindPage(ctx: Context, p: PagePlan, info: GraphQLResolveInfo): PagePlan['bound'] {
  if (!p.cond(info.variableValues)) return null;
  try {
    const args = getArgumentValues(p.fieldDef, p.nodes[0], info.variableValues) as { first?: number; after?: string };
    const { def } = p;
    const spec = ctx.memo(`spec:${def.key(args)}`, () => def.spec(ctx, args));
    if (spec.entity !== def.entity || spec.alias !== def.alias || spec.sortKey !== `${def.alias}.id` || spec.descending) return null;
    if (!ctx.scope.canRead(kindOf(spec.entity))) return null;
    // The correlation names the parent's alias: the page's FROM must not hide it.
    if (p.hides.test(spec.from.render().text)) return null;
    const size = pageSize(args.first);
    if (size === 0) return null;
    return { spec, size, after: afterKey(spec, args.after) };
  } catch {
    return null;
  }
}

function makePlans(ctx: Context, entity: Function, alias: string, info: GraphQLResolveInfo, path: string[], prune: boolean): Prefetch {
  let n = 0;
  /** The joins under rows of `entityName` aliased `parentAlias`; `positional`: rows inside a page. */
  const plan = (entityName: string, parentAlias: string, sets: Under[], depth: number, pageDepth: number, positional: boolean, prune: boolean, cond: Cond): JoinPlan[] => {
    const relations = RELATIONS[entityName];
    if (!relations || depth > MAX_DEPTH) return [];
    const fields = picked(sets, info, entityName);
    const plans: JoinPlan[] = [];
    for (const r of relations) {
      const picks = fields.get(r.field);
      if (!picks) continue;
      const meta = ctx.db.ds.getMetadata(r.target);
      const target = meta.target as Function;
      if (!ctx.scope.canRead(kindOf(target))) continue;
      const childAlias = `${alias}_j${++n}`;
      const childSets = under(info, picks, []);
      const joinCond = condOf(cond, picks);
      const children = plan(r.target, childAlias, childSets, depth + 1, pageDepth, positional, prune, joinCond);
      const all = meta.columns.filter((c) => c.isSelect).map((c) => c.databaseName);
      const needed = prune ? columnsFor(ctx, target, childSets, info, children.map((c) => c.fk)) : null;
      const columns = needed ?? all;
      const json = positional ? jsonItems(meta, childAlias, columns) : null;
      if (positional && !json) continue;
      // A joined row repeats on every parent row naming it: pages under it only where it rarely does.
      const pages = r.distinct ? pagesAt(r.target, childAlias, childSets, pageDepth, joinCond) : [];
      plans.push({
        hydrate: NO_HYDRATOR, items: json?.items ?? [], parsers: json?.parsers ?? [], idKey: '',
        alias: childAlias, field: r.field, entity: target, columns, slot: slotOf(r.field),
        // Handed to the relation loader only with every column, its joined rows' included: another
        // place in the query may read any of them.
        full: columns.length === all.length && children.every((c) => c.full),
        made: new Map(), parentAlias, fk: r.fk, children, pages, cond: joinCond,
      });
    }
    return plans;
  };

  /** The pages selected on rows of `entityName` aliased `parentAlias` (statement rows, or rows inside a page). */
  const pagesAt = (entityName: string, parentAlias: string, sets: Under[], pageDepth: number, cond: Cond): PagePlan[] => {
    if (pageDepth >= MAX_PAGE_DEPTH) return [];
    const type = info.schema.getType(entityName);
    if (!isObjectType(type)) return [];
    const fields = picked(sets, info, entityName);
    const pages: PagePlan[] = [];
    for (const [name, picks] of fields) {
      const def = toManyOf(entityName, name);
      if (!def || def.alias === parentAlias) continue;
      // One page per response name: aliases of one field may ask with different arguments.
      const byResponse = new Map<string, Picked[]>();
      for (const pick of picks) {
        const k = pick.node.alias?.value ?? name;
        byResponse.set(k, [...(byResponse.get(k) ?? []), pick]);
      }
      for (const group of byResponse.values()) {
        const pageCond = condOf(cond, group);
        const rowSets = under(info, group, ['edges', 'node']);
        const meta = ctx.db.ds.getMetadata(def.entity);
        const columns = columnsFor(ctx, def.entity, rowSets, info, []) ?? meta.columns.filter((c) => c.isSelect).map((c) => c.databaseName);
        const json = jsonItems(meta, def.alias, columns);
        if (!json) continue;
        const joins = plan(def.entity.name, def.alias, rowSets, 1, pageDepth + 1, true, true, pageCond);
        const nodes = group.map((g) => g.node);
        const page: PagePlan = {
          def, fieldDef: type.getFields()[name], nodes, slot: NO_SLOT, cond: pageCond,
          key: '', parentAlias, hides: new RegExp(`\\b${parentAlias}\\b`), columns, items: json.items,
          hydrate: positionalHydrator(ctx, def.entity, columns, json.parsers, 0), joins,
          pages: pagesAt(def.entity.name, def.alias, rowSets, pageDepth + 1, pageCond), bound: null,
        };
        if (layout(ctx, page.joins, page.pages, columns.length) > MAX_ITEMS) continue;
        page.slot = registerPage(nodes);
        pages.push(page);
      }
    }
    return pages;
  };

  const sets = under(info, unguarded(info.fieldNodes), path);
  const joins = plan(entity.name, alias, sets, 1, 0, false, prune, ALWAYS);
  const pages = pagesAt(entity.name, alias, sets, 0, ALWAYS);
  // Statement rows: joined columns named `<alias>$<column>`, pages `<alias>$page<n>`.
  let pageNo = 0;
  for (const p of allPages(joins, pages)) p.key = `${alias}$page${++pageNo}`;
  for (const p of flat(joins)) {
    const property = propertiesOf(ctx, p.entity);
    p.hydrate = hydrator(p.entity as new () => object, p.columns.map((c) => [`${p.alias}$${c}`, property.get(c)!] as const));
    p.idKey = `${p.alias}$id`;
  }
  return { joins, pages };
}

/**
 * Numbers the values of a row inside a page (a JSON array): the row's own columns, then each
 * join's columns in join order, then the pages under the row and under its joins. Returns the
 * array's length.
 */
function layout(ctx: Context, joins: JoinPlan[], pages: PagePlan[], own: number): number {
  let i = own;
  for (const p of flat(joins)) {
    const start = i;
    p.hydrate = positionalHydrator(ctx, p.entity, p.columns, p.parsers, start);
    p.idKey = start + p.columns.indexOf('id');
    i += p.columns.length;
  }
  for (const p of allPages(joins, pages)) p.key = i++;
  return i;
}

/** The pages of a row and of its joins, in layout order. */
function allPages(joins: JoinPlan[], pages: PagePlan[]): PagePlan[] {
  return [...pages, ...flat(joins).flatMap((j) => j.pages)];
}

/** The plans and all their children, in join order. */
function flat(plans: JoinPlan[]): JoinPlan[] {
  return plans.flatMap((p) => [p, ...flat(p.children)]);
}

const propertyMaps = new WeakMap<Function, Map<string, string>>();
function propertiesOf(ctx: Context, entity: Function): Map<string, string> {
  let m = propertyMaps.get(entity);
  if (!m) propertyMaps.set(entity, (m = new Map(ctx.db.ds.getMetadata(entity).columns.map((c) => [c.databaseName, c.propertyName]))));
  return m;
}

/**
 * How a column is written into a page's JSON and read back so that the entity holds what a
 * statement row would (db/datasource.ts type parsers): JSON's own form where it is the same
 * (uuid, text, integers, booleans, jsonb, text and uuid arrays), else the column's text with
 * the driver's parser for its type (timestamptz, date, numeric, bigint). Other types: no page.
 */
const JSON_NATIVE = new Set(['uuid', 'text', 'varchar', 'int', 'integer', 'smallint', 'boolean', 'jsonb']);
const VIA_TEXT: Record<string, number> = {
  timestamptz: pg.types.builtins.TIMESTAMPTZ, date: pg.types.builtins.DATE, numeric: pg.types.builtins.NUMERIC, bigint: pg.types.builtins.INT8,
};
type ColumnMeta = { databaseName: string; type: unknown; isArray: boolean };
type Parser = ((v: string) => unknown) | undefined;
function jsonValue(c: ColumnMeta): { text: boolean; parse?: Parser } | null {
  const type = typeof c.type === 'string' ? c.type : '';
  if (c.isArray) return type === 'text' || type === 'uuid' ? { text: false } : null;
  if (JSON_NATIVE.has(type)) return { text: false };
  const oid = VIA_TEXT[type];
  return oid ? { text: true, parse: pg.types.getTypeParser(oid, 'text') as (v: string) => unknown } : null;
}

/** The columns' expressions in a page's JSON array and their parsers, or null when one has no JSON form here. */
function jsonItems(meta: { columns: ColumnMeta[] }, alias: string, columns: string[]): { items: string[]; parsers: Parser[] } | null {
  const items: string[] = [];
  const parsers: Parser[] = [];
  for (const name of columns) {
    const c = meta.columns.find((x) => x.databaseName === name);
    const v = c && jsonValue(c);
    if (!v) return null;
    items.push(v.text ? `${alias}.${name}::text` : `${alias}.${name}`);
    parsers.push(v.parse);
  }
  return { items, parsers };
}

/** Makes an entity from a row inside a page (a JSON array): `columns` from index `start`, each read back by its parser. */
function positionalHydrator(ctx: Context, entity: Function, columns: string[], parsers: Parser[], start: number): (row: any) => object {
  const property = propertiesOf(ctx, entity);
  return hydrator(entity as new () => object, columns.map((c, i) => [start + i, property.get(c)!, parsers[i]] as const));
}

const NO_SLOT = Symbol('no page slot yet');
const NO_HYDRATOR = (): object => {
  throw new Error('prefetch: a join plan was used before its layout was made');
};

/** `LEFT JOIN`s for the plans (appended to the list's FROM). */
export function joinClauses(ctx: Context, pf: Prefetch): Sql {
  return joinSql(ctx, pf.joins);
}

function joinSql(ctx: Context, plans: JoinPlan[]): Sql {
  return join(
    flat(plans).map((p) => raw(` LEFT JOIN ${tableOf(ctx.db.ds, p.entity)} ${p.alias} ON ${p.alias}.id = ${p.parentAlias}.${p.fk}`)),
    '',
  );
}

/** The joined rows' columns, each named `<alias>$<column>`, and the pages, `<alias>$page<n>` (appended to the SELECT list). */
export function joinedColumns(ctx: Context, pf: Prefetch, page?: LookAhead): Sql {
  const parts = flat(pf.joins).map((p) => raw(p.columns.map((c) => `${p.alias}.${c} AS "${p.alias}$${c}"`).join(', ')));
  for (const p of allPages(pf.joins, pf.pages)) if (p.bound) parts.push(sql`${served(pageSql(ctx, p), page)} AS ${raw(`"${p.key}"`)}`);
  return parts.length ? sql`, ${join(parts, ', ')}` : raw('');
}

/** A list read one row beyond its page (to tell whether there is a next): its order and page size. */
export interface LookAhead {
  sortKey: string;
  dir?: 'ASC' | 'DESC';
  size: number;
}

/**
 * A page under a row, fetched only for rows the list serves: not under the row read beyond the
 * page (the cost limit counts `first` rows, and nested pages under them).
 */
function served(page: Sql, list: LookAhead | undefined): Sql {
  return list ? sql`CASE WHEN row_number() OVER (ORDER BY ${raw(list.sortKey)} ${raw(list.dir ?? 'ASC')}) <= ${list.size} THEN ${page} END` : page;
}

/**
 * A page as a correlated subquery: the connection's own statement for one parent (spec,
 * scope, cursor, order, one row more than the page to tell whether there is a next), each row
 * a JSON array laid out as `layout` numbered it, the rows in order.
 */
function pageSql(ctx: Context, p: PagePlan): Sql {
  const { spec, size, after } = p.bound!;
  const items = [
    raw([...p.items, ...flat(p.joins).flatMap((j) => j.items)].join(', ')),
    ...allPages(p.joins, p.pages).map((q) => (q.bound ? served(pageSql(ctx, q), { sortKey: spec.sortKey, size }) : raw('NULL'))),
  ];
  const where = and([spec.where, after !== null && sql`${raw(spec.sortKey)} > ${after}`]);
  return sql`(SELECT json_agg(__page.r ORDER BY __page.k) FROM (
    SELECT json_build_array(${join(items, ', ')}) AS r, ${raw(spec.sortKey)} AS k FROM ${spec.from}${joinSql(ctx, p.joins)}
    WHERE ${raw(spec.parentKey)} = ${raw(p.parentAlias)}.id AND ${where} ORDER BY ${raw(spec.sortKey)} LIMIT ${size + 1}) __page)`;
}

/**
 * The entity of a list row with what its statement fetched with it: joined rows in their
 * slots (each made once per plan; rows with every column are also handed to the request's
 * relation loader) and nested pages in theirs.
 */
export function withJoined<T>(ctx: Context, pf: Prefetch, row: any, entity: T): T {
  if (pf.joins.length) attach(ctx, pf.joins, row, entity as WithJoined);
  for (const p of pf.pages) if (p.bound) keepPage(ctx, p, row[p.key], entity as WithJoined);
  return entity;
}

function attach(ctx: Context, plans: JoinPlan[], row: any, parent: WithJoined): void {
  for (const p of plans) {
    const id = row[p.idKey] as string | null;
    // No related row (a null key): the relation's resolver answers as it would have.
    if (id == null) continue;
    let related = p.made.get(id);
    if (!related) {
      related = p.hydrate(row);
      p.made.set(id, related);
      if (p.full) ctx.primeRelated(p.entity, related as { uuid: string });
      if (p.children.length) attach(ctx, p.children, row, related as WithJoined);
      for (const q of p.pages) if (q.bound) keepPage(ctx, q, row[q.key], related as WithJoined);
    }
    parent[p.slot] = related;
  }
}

/** A page's rows (listed: its spec filtered them by the caller's scope of record), kept on their parent for each field node asking. */
function keepPage(ctx: Context, p: PagePlan, value: unknown, owner: WithJoined): void {
  const rows: object[] = [];
  if (Array.isArray(value)) for (const r of value) rows.push(withJoined(ctx, p, r, ctx.mark(p.hydrate(r))));
  owner[p.slot] = rows;
}

/**
 * Makes each relation field above answer from the row its parent's statement joined in, when
 * there is one, before its own resolver (which loads it by id) is asked.
 */
export function joinedRelations(schema: GraphQLSchema): void {
  for (const [typeName, relations] of Object.entries(RELATIONS)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`prefetch: no object type ${typeName}`);
    for (const r of relations) {
      const field = type.getFields()[r.field];
      const own = field?.resolve;
      if (!own) throw new Error(`prefetch: ${typeName}.${r.field} has no resolver`);
      const slot = slotOf(r.field);
      field.resolve = (parent: WithJoined, args, ctx, info) => parent[slot] ?? own(parent, args, ctx, info);
    }
  }
}

/**
 * The columns a list of `entity` rows needs for what the query selects on them (`path` as in
 * planJoins), always with `id` and `always` (sort and cursor keys); null when some selected
 * field may read more (then the list reads every column).
 */
export function selectedColumns(ctx: Context, entity: Function, info: GraphQLResolveInfo | undefined, path: string[], always: string[]): string[] | null {
  if (!info || process.env.HUB_PREFETCH === '0') return null;
  // A function of the place in the document alone (the selection, @skip/@include or not): made once per place.
  const place = placeOf(info.fieldNodes);
  let byPlace = columnsByPlace.get(place.anchor);
  if (!byPlace) columnsByPlace.set(place.anchor, (byPlace = new Map()));
  const key = `${place.key}|${entity.name}|${path.join('.')}|${always.join(',')}`;
  let columns = byPlace.get(key);
  if (columns === undefined) byPlace.set(key, (columns = columnsFor(ctx, entity, under(info, unguarded(info.fieldNodes), path), info, always)));
  return columns;
}
const columnsByPlace = new WeakMap<object, Map<string, string[] | null>>();

/** The columns the selections `sets` on rows of `entity` need (with `id` and `always`); null: every column. */
function columnsFor(ctx: Context, entity: Function, sets: Under[], info: GraphQLResolveInfo, always: string[]): string[] | null {
  const meta = ctx.db.ds.getMetadata(entity);
  const byProperty = new Map(meta.columns.filter((c) => c.isSelect).map((c) => [c.propertyName, c.databaseName]));
  const relations = new Map((RELATIONS[entity.name] ?? []).map((r) => [r.field, [r.fk]]));
  const reads = READS[entity.name] ?? {};
  const needed = new Set(['id', ...always]);
  const fields = selected(sets, info, entity.name);
  for (const name of fields.keys()) {
    if (name === 'id' || name === '__typename') continue;
    const cols = relations.get(name) ?? reads[name] ?? (byProperty.has(name) ? [byProperty.get(name)!] : null);
    if (!cols) return null;
    for (const c of cols) needed.add(c);
  }
  return [...needed];
}
