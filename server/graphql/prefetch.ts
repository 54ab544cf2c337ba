import { FieldNode, GraphQLResolveInfo, GraphQLSchema, isObjectType, SelectionSetNode } from 'graphql';
import { EntityKind, kindOf } from '../access/scope';
import { hydrator, tableOf } from '../db/rows';
import { join, raw, sql, Sql } from '../db/sql';
import type { Context } from './context';

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
}

const RELATIONS: Record<string, Relation[]> = {
  Staff: [{ field: 'homeCampus', target: 'Campus', fk: 'home_campus_id' }],
  Campus: [{ field: 'school', target: 'School', fk: 'school_id' }],
  GroupMembership: [
    { field: 'campus', target: 'Campus', fk: 'campus_id' },
    { field: 'group', target: 'EducationGroup', fk: 'group_id' },
  ],
  EducationGroup: [{ field: 'leadCampus', target: 'Campus', fk: 'lead_campus_id' }],
  Posting: [
    { field: 'staff', target: 'Staff', fk: 'staff_id' },
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

/** One joined relation: its alias in the statement and what is joined under it. */
export interface JoinPlan {
  alias: string;
  /** The relation's field on the parent type. */
  field: string;
  entity: Function;
  /** The entity's selected columns (database names). */
  columns: string[];
  /** Makes the related entity from a row of the statement (its columns named `<alias>$<column>`). */
  hydrate: (row: Record<string, unknown>) => object;
  /** The related row's id in the statement's rows. */
  idKey: string;
  /** Where the parent row keeps it (slotOf(field)). */
  slot: symbol;
  /** Every column the entity has (then the row may also serve the request's relation loader). */
  full: boolean;
  /** The related rows made so far, by id: many rows share one campus (a plan lives for one request). */
  made: Map<string, object>;
  parentAlias: string;
  fk: string;
  children: JoinPlan[];
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
type WithJoined = Record<symbol, object | undefined>;

/** The fields selected under `set` by name, through fragments (directives ignored: joining extra rows is harmless). */
function selected(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out = new Map<string, FieldNode[]>()): Map<string, FieldNode[]> {
  for (const s of set?.selections ?? []) {
    if (s.kind === 'Field') {
      const list = out.get(s.name.value);
      if (list) list.push(s);
      else out.set(s.name.value, [s]);
    } else if (s.kind === 'InlineFragment') {
      selected(s.selectionSet, info, out);
    } else {
      selected(info.fragments[s.name.value]?.selectionSet, info, out);
    }
  }
  return out;
}

/** The selection under `path` (e.g. edges → node) of the field being resolved. */
function under(info: GraphQLResolveInfo, path: string[]): SelectionSetNode[] {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const n of nodes) next.push(...(selected(n.selectionSet, info).get(name) ?? []));
    nodes = next;
  }
  return nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
}

/**
 * The joins a list of `entity` rows (aliased `alias`) needs for what the query selects on each
 * row: `path` leads from the resolved field to the rows (['edges', 'node'] for a connection).
 * `prune`: the rows serve this selection only, so joined rows read only the columns it needs.
 * Relations to kinds the caller may not read are not joined (their resolver refuses them).
 */
export function planJoins(ctx: Context, entity: Function, alias: string, info: GraphQLResolveInfo | undefined, path: string[], prune = false): JoinPlan[] {
  if (!info || process.env.HUB_PREFETCH === '0') return [];
  // A plan depends on the place in the document (its field nodes: the same objects for every
  // request of a cached document) and on which related kinds the caller may read: made once
  // per pair, then copied with fresh `made` maps (a plan's rows belong to one request).
  let byPlace = plansByPlace.get(info.fieldNodes);
  if (!byPlace) plansByPlace.set(info.fieldNodes, (byPlace = new Map()));
  const key = `${entity.name}|${alias}|${path.join('.')}|${prune}|${JOINED_KINDS.map((k) => (ctx.scope.canRead(k) ? 1 : 0)).join('')}`;
  let plans = byPlace.get(key);
  if (!plans) byPlace.set(key, (plans = makePlans(ctx, entity, alias, info, path, prune)));
  return fresh(plans);
}

const plansByPlace = new WeakMap<readonly FieldNode[], Map<string, JoinPlan[]>>();
/** Every kind a relation above leads to: what a plan's shape depends on of the caller. */
const JOINED_KINDS = [...new Set(Object.values(RELATIONS).flat().map((r) => r.target))] as EntityKind[];
const fresh = (plans: JoinPlan[]): JoinPlan[] => plans.map((p) => ({ ...p, made: new Map(), children: fresh(p.children) }));

function makePlans(ctx: Context, entity: Function, alias: string, info: GraphQLResolveInfo, path: string[], prune: boolean): JoinPlan[] {
  let n = 0;
  const plan = (entityName: string, parentAlias: string, sets: SelectionSetNode[], depth: number): JoinPlan[] => {
    const relations = RELATIONS[entityName];
    if (!relations || depth > MAX_DEPTH) return [];
    const fields = new Map<string, FieldNode[]>();
    for (const set of sets) selected(set, info, fields);
    const plans: JoinPlan[] = [];
    for (const r of relations) {
      const nodes = fields.get(r.field);
      if (!nodes) continue;
      const meta = ctx.db.ds.getMetadata(r.target);
      const target = meta.target as Function;
      if (!ctx.scope.canRead(kindOf(target))) continue;
      const childAlias = `${alias}_j${++n}`;
      const childSets = nodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
      const children = plan(r.target, childAlias, childSets, depth + 1);
      const all = meta.columns.filter((c) => c.isSelect).map((c) => c.databaseName);
      const needed = prune ? columnsFor(ctx, target, childSets, info, children.map((c) => c.fk)) : null;
      const columns = needed ?? all;
      const property = new Map(meta.columns.map((c) => [c.databaseName, c.propertyName]));
      const hydrate = hydrator(target as new () => object, columns.map((c) => [`${childAlias}$${c}`, property.get(c)!] as const));
      plans.push({
        hydrate,
        alias: childAlias, field: r.field, entity: target, columns, idKey: `${childAlias}$id`, slot: slotOf(r.field),
        full: columns.length === all.length, made: new Map(), parentAlias, fk: r.fk, children,
      });
    }
    return plans;
  };
  return plan(entity.name, alias, under(info, path), 1);
}

const flattened = new WeakMap<JoinPlan[], JoinPlan[]>();
/** The plans and all their children, in join order: computed once per plan list (asked for every row). */
function flat(plans: JoinPlan[]): JoinPlan[] {
  let f = flattened.get(plans);
  if (!f) flattened.set(plans, (f = plans.flatMap((p) => [p, ...flat(p.children)])));
  return f;
}

/** `LEFT JOIN`s for the plans (appended to the list's FROM). */
export function joinClauses(ctx: Context, plans: JoinPlan[]): Sql {
  return join(
    flat(plans).map((p) => raw(` LEFT JOIN ${tableOf(ctx.db.ds, p.entity)} ${p.alias} ON ${p.alias}.id = ${p.parentAlias}.${p.fk}`)),
    '',
  );
}

/** The joined rows' columns, each named `<alias>$<column>` (appended to the SELECT list). */
export function joinedColumns(ctx: Context, plans: JoinPlan[]): Sql {
  const parts = flat(plans).map((p) => raw(p.columns.map((c) => `${p.alias}.${c} AS "${p.alias}$${c}"`).join(', ')));
  return parts.length ? sql`, ${join(parts, ', ')}` : raw('');
}

/**
 * The entity of a list row with its joined rows attached (in their slots), each made once per plan;
 * rows with every column are also handed to the request's relation loader.
 */
export function withJoined<T>(ctx: Context, plans: JoinPlan[], row: Record<string, unknown>, entity: T): T {
  if (plans.length) attach(ctx, plans, row, entity as WithJoined);
  return entity;
}

function attach(ctx: Context, plans: JoinPlan[], row: Record<string, unknown>, parent: WithJoined): void {
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
    }
    parent[p.slot] = related;
  }
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
  return columnsFor(ctx, entity, under(info, path), info, always);
}

/** The columns the selections `sets` on rows of `entity` need (with `id` and `always`); null: every column. */
function columnsFor(ctx: Context, entity: Function, sets: SelectionSetNode[], info: GraphQLResolveInfo, always: string[]): string[] | null {
  const meta = ctx.db.ds.getMetadata(entity);
  const byProperty = new Map(meta.columns.filter((c) => c.isSelect).map((c) => [c.propertyName, c.databaseName]));
  const relations = new Map((RELATIONS[entity.name] ?? []).map((r) => [r.field, [r.fk]]));
  const reads = READS[entity.name] ?? {};
  const needed = new Set(['id', ...always]);
  const fields = new Map<string, FieldNode[]>();
  for (const set of sets) selected(set, info, fields);
  for (const name of fields.keys()) {
    if (name === 'id' || name === '__typename') continue;
    const cols = relations.get(name) ?? reads[name] ?? (byProperty.has(name) ? [byProperty.get(name)!] : null);
    if (!cols) return null;
    for (const c of cols) needed.add(c);
  }
  return [...needed];
}
