import { DataSource } from 'typeorm';
import { raw, Sql } from './sql';

type Ctor<T> = new () => T;
const hydrators = new WeakMap<Function, (row: Record<string, unknown>) => unknown>();

/**
 * Turns a raw row (snake_case columns) into an entity instance using TypeORM's own column
 * metadata, so reads written in SQL and the entities never disagree about names. Columns the
 * row lacks (a statement reading only some) stay unset.
 */
export function hydrate<T>(ds: DataSource, entity: Ctor<T>, row: Record<string, unknown>): T {
  let h = hydrators.get(entity);
  if (!h) {
    const pairs = ds.getMetadata(entity).columns.map((c) => [c.databaseName, c.propertyName] as [string, string]);
    hydrators.set(entity, (h = hydrator(entity, pairs)));
  }
  return h(row) as T;
}

/**
 * A function copying `row[key]` to `entity[property]` for each pair, written out with literal
 * keys: every row of a statement has the same shape, so each read stays a monomorphic property
 * access (a loop over names made each one a dictionary lookup: a tenth of a 500-row page's
 * CPU, bench/). Keys are column names, or indexes for a row that is an array (a page fetched
 * as JSON, graphql/prefetch.ts), and properties come from TypeORM's metadata, never from a
 * request. A pair's `parse` reads a non-null value back (a timestamptz's text into a Date).
 */
export function hydrator<T>(
  entity: Ctor<T>,
  pairs: ReadonlyArray<readonly [key: string | number, property: string, parse?: ((v: string) => unknown) | undefined]>,
): (row: any) => T {
  const parsers = pairs.map((p) => p[2]);
  const body = pairs
    .map(([k, p, parse], i) => `v = row[${JSON.stringify(k)}]; if (v !== undefined) out[${JSON.stringify(p)}] = ${parse ? `v === null ? null : parse[${i}](v)` : 'v'};`)
    .join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('Entity', 'parse', `return function hydrate(row) { const out = new Entity(); let v;\n${body}\nreturn out; };`)(entity, parsers);
}

export function tableOf(ds: DataSource, entity: Function): string {
  return ds.getMetadata(entity).tableName;
}

const selectLists = new WeakMap<Function, Map<string, Sql>>();

/**
 * The entity's columns on `alias`, for a SELECT list: what `hydrate` reads, without the
 * columns marked `select: false` (a staff member's ID-number ciphertext is read only by the
 * audited reveal). `alias.*` parsed every column of every row, the bytea included (bench/).
 */
export function columnsOf(ds: DataSource, entity: Function, alias: string): Sql {
  let byAlias = selectLists.get(entity);
  if (!byAlias) selectLists.set(entity, (byAlias = new Map()));
  let list = byAlias.get(alias);
  if (!list) {
    const cols = ds.getMetadata(entity).columns.filter((c) => c.isSelect).map((c) => `${alias}.${c.databaseName}`);
    byAlias.set(alias, (list = raw(cols.join(', '))));
  }
  return list;
}
