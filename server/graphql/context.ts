import { RequestLoader, Waves, withWaves } from './loader';
import { kindOf, Scope } from '../access/scope';
import { Db } from '../db/datasource';
import { hydrate, tableOf } from '../db/rows';
import { and, raw, sql } from '../db/sql';

/**
 * Everything one request works with: the database, the caller's scope, and the request's
 * DataLoaders (created on first use, so a request pays only for the batches it needs).
 */
export class Context {
  private readonly loaders = new Map<string, RequestLoader<any, any, any>>();
  private readonly memos = new Map<string, unknown>();
  private readonly waves = new Waves();
  /** The request's view of the database: every statement counts towards its waves. */
  readonly db: Db;

  constructor(
    db: Db,
    readonly scope: Scope,
    /** "Today" for this request (school-year defaults, snapshots). */
    readonly now: Date = new Date(),
  ) {
    this.db = db.tracked((run) => this.waves.track(run));
  }

  /** A context for work inside one transaction: same caller and day, statements on its connection, fresh loaders. */
  onTransaction(db: Db): Context {
    return new Context(db, this.scope, this.now);
  }

  /** A value computed once per request under `key` (e.g. a list's SQL, shared by every parent row). */
  memo<T>(key: string, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  /** The request's loader under `key`, created by `make` the first time it is asked for. */
  loader<K, V, C = K>(key: string, make: () => RequestLoader<K, V, C>): RequestLoader<K, V, C> {
    let l = this.loaders.get(key);
    if (!l) this.loaders.set(key, (l = withWaves(this.waves, make)));
    return l;
  }

  /** Loads visible entities by row uuid, batched: `WHERE id = ANY($1)` plus the caller's scope. */
  byId<T>(entity: new () => T, uuid: string | null | undefined): Promise<T | null> {
    if (!uuid) return Promise.resolve(null);
    const kind = kindOf(entity);
    this.scope.assertReadable(kind);
    return this.loader(`byId:${kind}`, () => new RequestLoader<string, T | null>(async (ids) => {
      const table = tableOf(this.db.ds, entity);
      const rows = await this.db.query(
        sql`SELECT t.* FROM ${raw(table)} t WHERE ${and([sql`t.id = ANY(${[...ids]}::uuid[])`, this.scope.visible(kind, 't')])}`,
      );
      const byId = new Map(rows.map((r) => [String(r.id), hydrate(this.db.ds, entity, r)]));
      return ids.map((id) => byId.get(id) ?? null);
    })).load(uuid);
  }

  /** Like byId, for a relation that must exist when its owner is visible. */
  async required<T>(entity: new () => T, uuid: string): Promise<T> {
    const row = await this.byId(entity, uuid);
    if (!row) throw new Error(`${entity.name} ${uuid} is not visible although its owner is`);
    return row;
  }
}
