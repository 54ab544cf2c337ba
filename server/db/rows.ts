import { DataSource } from 'typeorm';
import { raw, Sql } from './sql';

type Ctor<T> = new () => T;
const columnMaps = new WeakMap<Function, Array<[string, string]>>();

/**
 * Turns a raw row (snake_case columns) into an entity instance using TypeORM's own column
 * metadata, so reads written in SQL and the entities never disagree about names.
 */
export function hydrate<T>(ds: DataSource, entity: Ctor<T>, row: Record<string, unknown>): T {
  let map = columnMaps.get(entity);
  if (!map) {
    map = ds.getMetadata(entity).columns.map((c) => [c.databaseName, c.propertyName] as [string, string]);
    columnMaps.set(entity, map);
  }
  const out = new entity() as Record<string, unknown>;
  for (const [db, prop] of map) if (db in row) out[prop] = row[db];
  return out as T;
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
