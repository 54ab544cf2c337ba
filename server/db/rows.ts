import { DataSource } from 'typeorm';

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
