import { RequestLoader } from './loader';
import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { kindOf } from '../access/scope';
import { Alternatives, and, Branch, conjuncts, join, oneOf, raw, sql, Sql, TRUE } from '../db/sql';
import { columnsOf } from '../db/rows';
import { GraphQLResolveInfo } from 'graphql';
import { joinClauses, joinedColumns, planJoins, prefetchedPage, selectedColumns, withJoined, withoutPages } from './prefetch';
import type { Context } from './context';
import { afterKey, encodeCursor, ListSpec, NestedListSpec, pageSize } from './page-args';
import type { ToMany } from './to-many';

export { DEFAULT_PAGE, MAX_PAGE, encodeCursor, decodeCursor, pageSize } from './page-args';
export type { ListSpec, NestedListSpec } from './page-args';

/**
 * Relay connections over keyset pagination. Every list sorts by one unique, immutable key
 * (a time-ordered uuid, or a code), and the cursor carries that key: rows inserted while a
 * client pages never shift or repeat the rows it has not seen yet.
 */
@ObjectType()
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

export interface Page {
  first?: number | null;
  after?: string | null;
  /** The list field's resolve info: relations the query selects on the rows are joined in (graphql/prefetch.ts). */
  info?: GraphQLResolveInfo;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
  totalCount: Promise<number> | number;
}

/** The GraphQL Connection and Edge types for a node type, e.g. CampusConnection / CampusEdge. */
export function connectionTypes<T extends object>(node: ClassType<T>, name = node.name) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field() cursor: string;
    @Field(() => node) node: T;
  }
  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [Edge]) edges: Edge[];
    @Field(() => PageInfo) pageInfo: PageInfo;
    // Not `simple`: the value is a promise, counted only when asked for (toConnection).
    @Field(() => Int, { simple: false, description: 'Counts the whole filtered set (every page), within what the caller may see.' })
    totalCount: number;
  }
  return { Edge, Connection: ConnectionType };
}

/**
 * An edge of a page: its cursor is encoded when read, so a query that selects no cursor pays
 * nothing for it (a 500-row page made 500 base64 strings nobody asked for, bench/).
 */
class PageEdge<T> {
  constructor(
    readonly node: T,
    private readonly keyOf: (row: T) => string,
  ) {}
  get cursor(): string {
    return encodeCursor(this.keyOf(this.node));
  }
}

function toConnection<T>(spec: ListSpec<T>, rows: T[], size: number, total: () => Promise<number>): Connection<T> {
  const page = rows.slice(0, size);
  const keyOf = spec.keyOf;
  const edges = page.map((node) => new PageEdge(node, keyOf));
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      get endCursor() {
        return edges.length ? edges[edges.length - 1].cursor : null;
      },
    },
    // Counted only when asked for.
    get totalCount() {
      return (counted ??= total());
    },
  };
}

/** A top-level connection: one statement for the page, one more if totalCount is selected. */
export async function paginate<T>(ctx: Context, spec: ListSpec<T>, page: Page): Promise<Connection<T>> {
  ctx.scope.assertReadable(kindOf(spec.entity));
  const size = pageSize(page.first);
  const after = afterKey(spec, page.after);
  const [cmp, dir] = spec.descending ? (['<', 'DESC'] as const) : (['>', 'ASC'] as const);
  const where = and([spec.where, after !== null && sql`${raw(spec.sortKey)} ${raw(cmp)} ${after}`]);
  const joins = planJoins(ctx, spec.entity, spec.alias, page.info, ['edges', 'node'], true);
  const columns = rowColumns(ctx, spec, page.info);
  const keysFirst = pageKeysFirst(spec, where, dir, size, columns);
  const rows =
    size === 0
      ? []
      : await ctx.db.query(
          sql`SELECT ${columns}${joinedColumns(ctx, joins, { sortKey: spec.sortKey, dir, size })} FROM ${keysFirst ?? spec.from}${joinClauses(ctx, joins)}
            WHERE ${keysFirst ? TRUE : where} ORDER BY ${raw(spec.sortKey)} ${raw(dir)} LIMIT ${size + 1}`,
        );
  return toConnection(
    spec,
    rows.map((r) => withJoined(ctx, joins, r, ctx.listed(spec.entity, r))),
    size,
    async () => (await ctx.db.one(sql`SELECT count(*)::int AS n FROM ${spec.from} WHERE ${spec.where}`)).n,
  );
}

/**
 * A filtered page of one table reads its keys first and then only its rows: `(SELECT id ...
 * WHERE scope ORDER BY id LIMIT n) JOIN table`. A narrowed vendor's 500 staff lie among those
 * of its schools' campuses, all of which the filter finds and sorts by id; reading them through
 * an index of keys and fetching 501 rows (with their joined campus and school) cost a third of
 * sorting whole rows (bench/). An unfiltered page (the nation's) reads its first rows straight.
 */
function pageKeysFirst<T>(spec: ListSpec<T>, where: Sql, dir: string, size: number, columns: Sql): Sql | null {
  if (!spec.table || where === TRUE || spec.sortKey !== `${spec.alias}.id`) return null;
  const a = raw(spec.alias);
  const table = raw(spec.table);
  const order = sql`ORDER BY ${a}.id ${raw(dir)} LIMIT ${size + 1}`;
  const parts = conjuncts(where);
  const alt = parts.find((p): p is Alternatives => p instanceof Alternatives);
  if (!alt) {
    const keys = raw(`${spec.alias}__keys`);
    return sql`(SELECT ${a}.id FROM ${spec.from} WHERE ${where} ${order}) ${keys} JOIN ${table} ${a} ON ${a}.id = ${keys}.id`;
  }
  // A condition given as disjoint branches (db/sql.ts Alternatives, e.g. a county's staff: one
  // branch per jurisdiction, one for the campuses brought in): each branch's first rows, merged
  // in order (a Merge Append that stops at the page's end), rather than every match sorted.
  // A branch read in key order yields its rows straight from its index range (`staff
  // (home_jurisdiction_id, id)`): fetching keys and then rows by id cost a second descent of the
  // primary key per row, a third of a county page's database time (bench/ a-county). A branch of
  // few rows is collected as keys behind a fence (OFFSET 0), so no plan reads it by walking the
  // key's index, sorted, and only the keys the merge takes fetch their rows.
  const rest = parts.filter((p) => p !== alt);
  const branchRows = (b: Branch) => {
    const cond = and([b.where, ...rest]);
    return b.few
      ? sql`SELECT ${columns} FROM (SELECT f.id FROM (SELECT ${a}.id FROM ${spec.from} WHERE ${cond} OFFSET 0) f
          ORDER BY f.id ${raw(dir)} LIMIT ${size + 1}) k JOIN ${table} ${a} ON ${a}.id = k.id ORDER BY k.id ${raw(dir)}`
      : sql`SELECT ${columns} FROM ${spec.from} WHERE ${cond} ${order}`;
  };
  return sql`(SELECT u.* FROM (${join(alt.branches.map((b) => sql`(${branchRows(b)})`), ' UNION ALL ')}) u
    ORDER BY u.id ${raw(dir)} LIMIT ${size + 1}) ${a}`;
}

/**
 * The list's own columns: only those the query's selection needs (graphql/prefetch.ts
 * selectedColumns), else all. The rows of a list are used by the resolvers under it only
 * (Context.listed keeps no cache), so a row without an unselected column is never read for it.
 */
function rowColumns<T>(ctx: Context, spec: ListSpec<T>, info: GraphQLResolveInfo | undefined): Sql {
  const sortColumn = /^\w+\.(\w+)$/.exec(spec.sortKey)?.[1];
  const cols = selectedColumns(ctx, spec.entity, info, ['edges', 'node'], sortColumn ? [sortColumn] : []);
  return cols ? raw(cols.map((c) => `${spec.alias}.${c}`).join(', ')) : columnsOf(ctx.db.ds, spec.entity, spec.alias);
}

/**
 * A connection under each of many parents (e.g. every group's memberships): the page the
 * parent's own statement fetched with it, when it did (graphql/prefetch.ts), else batched per
 * request: one windowed statement for all parents' pages. One grouped count if selected.
 */
export function nestedConnection<T, A>(ctx: Context, def: ToMany<T, A>, parent: { uuid: string }, page: Page, args: A): Promise<Connection<T>> {
  const loaderKey = def.key(args);
  const s = readableSpec(ctx, loaderKey, () => def.spec(ctx, args));
  const size = pageSize(page.first);
  const after = afterKey(s, page.after);
  const parentId = parent.uuid;
  const counts = () => ctx.loader(`count:${loaderKey}`, () => {
    return new RequestLoader<string, number>(async (ids) => {
      const rows = await ctx.db.query(sql`
        SELECT ${raw(s.parentKey)} AS __parent, count(*)::int AS n FROM ${s.from}
        WHERE ${oneOf(raw(s.parentKey), ids)} AND ${s.where} GROUP BY 1`);
      const byParent = new Map(rows.map((r) => [String(r.__parent), r.n as number]));
      return ids.map((id) => byParent.get(id) ?? 0);
    });
  }).load(parentId);
  const fetched = prefetchedPage<T>(parent, page.info);
  if (fetched) return Promise.resolve(toConnection(s, fetched, size, counts));
  // The columns and joins this alias's selection needs are part of the key: two aliases of one
  // list selecting different fields must not share a statement that reads only one's columns.
  // Planned once per place in the query, not once per parent row.
  // Pages under the rows only for one parent's page (a LIMIT): the statement for many parents
  // numbers every row of every parent and keeps the first of each, so a page under each row
  // would be fetched for rows nobody is served; there the pages are left to their resolvers.
  const planned = () => {
    const columns = rowColumns(ctx, s, page.info);
    const joins = planJoins(ctx, s.entity, s.alias, page.info, ['edges', 'node'], true);
    const batched = withoutPages(joins);
    const joinSql = joinClauses(ctx, joins);
    const joinedSql = joinedColumns(ctx, joins);
    const batchedSql = joinedColumns(ctx, batched);
    return { columns, joins, batched, joinSql, joinedSql, batchedSql, shape: `${columns.render().text}${joinedSql.render().text}${joinSql.render().text}` };
  };
  const { columns, joins, batched, joinSql, joinedSql, batchedSql, shape } = page.info ? ctx.memoOn(page.info.fieldNodes, loaderKey, planned) : planned();
  const pages = ctx.loader(`conn:${loaderKey}:${size}:${after ?? ''}:${shape}`, () => {
    return new RequestLoader<string, T[]>(async (ids) => {
      if (size === 0) return ids.map(() => []);
      const where = and([s.where, after !== null && sql`${raw(s.sortKey)} > ${after}`]);
      // One parent (a lookup by id): a plain ordered page, which PostgreSQL plans once (db/sql.ts oneOf).
      const rows = await ctx.db.query(ids.length === 1
        ? sql`
          SELECT ${columns}${joinedSql}, ${raw(s.parentKey)} AS __parent
          FROM ${s.from}${joinSql}
          WHERE ${raw(s.parentKey)} = ${ids[0]} AND ${where}
          ORDER BY ${raw(s.sortKey)} LIMIT ${size + 1}`
        : sql`
        SELECT * FROM (
          SELECT ${columns}${batchedSql}, ${raw(s.parentKey)} AS __parent,
                 row_number() OVER (PARTITION BY ${raw(s.parentKey)} ORDER BY ${raw(s.sortKey)}) AS __rn
          FROM ${s.from}${joinSql}
          WHERE ${raw(s.parentKey)} = ANY(${[...ids]}) AND ${where}
        ) t WHERE __rn <= ${size + 1} ORDER BY __parent, __rn`);
      const fetched = ids.length === 1 ? joins : batched;
      return groupBy(ids, rows, (r) => withJoined(ctx, fetched, r, ctx.listed(s.entity, r)));
    });
  });
  return pages.load(parentId).then((rows) => toConnection(s, rows, size, counts));
}

/** A plain (unpaged) list under each of many parents, batched per request. */
export function nestedList<T>(ctx: Context, loaderKey: string, parentId: string, spec: () => NestedListSpec<T>, info?: GraphQLResolveInfo): Promise<T[]> {
  const s = readableSpec(ctx, loaderKey, spec);
  const loader = ctx.loader(`list:${loaderKey}`, () => {
    const joins = planJoins(ctx, s.entity, s.alias, info, []);
    return new RequestLoader<string, T[]>(async (ids) => {
      const rows = await ctx.db.query(sql`
        SELECT ${columnsOf(ctx.db.ds, s.entity, s.alias)}${joinedColumns(ctx, joins)}, ${raw(s.parentKey)} AS __parent FROM ${s.from}${joinClauses(ctx, joins)}
        WHERE ${oneOf(raw(s.parentKey), ids)} AND ${s.where}
        ORDER BY ${raw(s.sortKey)}`);
      return groupBy(ids, rows, (r) => withJoined(ctx, joins, r, ctx.listed(s.entity, r)));
    });
  });
  return loader.load(parentId);
}

/**
 * A nested list's spec, built once per request (not once per parent row) after checking that
 * the caller may read its kind at all.
 */
function readableSpec<T>(ctx: Context, loaderKey: string, spec: () => NestedListSpec<T>): NestedListSpec<T> {
  const s = ctx.memo(`spec:${loaderKey}`, spec);
  ctx.scope.assertReadable(kindOf(s.entity));
  return s;
}

export function groupBy<T>(ids: readonly string[], rows: any[], map: (r: any) => T): T[][] {
  const byParent = new Map<string, T[]>();
  for (const r of rows) {
    const k = String(r.__parent);
    let list = byParent.get(k);
    if (!list) byParent.set(k, (list = []));
    list.push(map(r));
  }
  return ids.map((id) => byParent.get(id) ?? []);
}

/** The usual spec: one table, sorted by its time-ordered uuid. */
export function tableSpec<T extends { uuid: string }>(
  entity: new () => T,
  table: string,
  alias: string,
  where: Sql,
  parentKey = '',
): NestedListSpec<T> {
  return { entity, from: raw(`${table} ${alias}`), table, alias, where, sortKey: `${alias}.id`, keyOf: (r) => r.uuid, parentKey };
}

/** A stable loader key for a set of arguments. */
export function argsKey(args: unknown): string {
  return JSON.stringify(args ?? null);
}
