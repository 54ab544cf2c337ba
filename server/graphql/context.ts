import { RequestLoader, Waves, withWaves } from './loader';
import { kindOf, Scope } from '../access/scope';
import { hubError } from './errors';
import { Db, RequestStats } from '../db/datasource';
import { columnsOf, hydrate, tableOf } from '../db/rows';
import { and, oneOf, raw, sql, Sql } from '../db/sql';
import type { GraphQLResolveInfo } from 'graphql';
import { fetchesPages, joinClauses, joinedColumns, NOTHING, placeKey, planJoins, Prefetch, selectedColumns, withJoined } from './prefetch';

/**
 * Entities a request listed carry that request's context here: lists are filtered by the scope
 * of record, so these are in it. (A mark on the entity, made fresh by `listed`, rather than a
 * WeakSet: thousands of weak entries per page cost the garbage collector, bench/.)
 */
const LISTED_BY = Symbol('listed by');
type Listed = { [LISTED_BY]?: Context };

/**
 * Everything one request works with: the database, the caller's scope, and the request's
 * DataLoaders (created on first use, so a request pays only for the batches it needs).
 */
export class Context {
  private readonly loaders = new Map<string, RequestLoader<any, any, any>>();
  private readonly memos = new Map<string, unknown>();
  private readonly anchored = new WeakMap<object, Map<string, unknown>>();
  private readonly waves = new Waves();

  /** The request's view of the database: every statement counts towards its waves. */
  readonly db: Db;

  constructor(
    db: Db,
    readonly scope: Scope,
    /** "Today" for this request (school-year defaults, snapshots). */
    readonly now: Date = new Date(),
    /** Statements the request ran (reads counted here; a transaction's by db/datasource.ts transaction). */
    readonly stats: RequestStats = new RequestStats(),
    countStatements = true,
  ) {
    // The stats also name the request in the log should a statement fail (datasource.ts).
    this.db = db.tracked((run) => {
      if (countStatements) stats.statements++;
      return this.waves.track(run);
    }, stats);
  }

  /** A context for work inside one transaction: same caller and day, statements on its connection, fresh loaders. */
  onTransaction(db: Db): Context {
    return new Context(db, this.scope, this.now, this.stats, false);
  }

  /** A value computed once per request under `key` (e.g. a list's SQL, shared by every parent row). */
  memo<T>(key: string, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  /**
   * A value computed once per request for one place in the query (`anchor`: its field nodes),
   * e.g. a nested list's columns and joins, asked again for every parent row.
   */
  memoOn<T>(anchor: object, key: string, make: () => T): T {
    let byKey = this.anchored.get(anchor);
    if (!byKey) this.anchored.set(anchor, (byKey = new Map()));
    if (!byKey.has(key)) byKey.set(key, make());
    return byKey.get(key) as T;
  }

  /** The request's loader under `key`, created by `make` the first time it is asked for. */
  loader<K, V, C = K>(key: string, make: () => RequestLoader<K, V, C>): RequestLoader<K, V, C> {
    let l = this.loaders.get(key);
    if (!l) this.loaders.set(key, (l = withWaves(this.waves, make)));
    return l;
  }

  /**
   * A lookup by id (`node`, `group(id)`, a nullable relation): the entity when it lies in the
   * caller's scope of record or is reachable from it (Scope.reachable), else null. Batched.
   */
  byId<T>(entity: new () => T, uuid: string | null | undefined, info?: GraphQLResolveInfo): Promise<T | null> {
    return this.load(entity, uuid, 'reachable', info);
  }

  /**
   * The target of a non-null relation of an entity the caller already holds (a membership's
   * group, a posting's campuses): loaded as it is, since reaching it is what the relation
   * means. Only its identity is meant to be read; lists under it stay scoped and its figures
   * ask `assertInScope`. Kinds the caller may not read at all are still FORBIDDEN.
   */
  reach<T>(entity: new () => T, uuid: string | null | undefined): Promise<T | null> {
    return this.load(entity, uuid, 'related');
  }

  /** Like reach, for a relation that always exists. */
  async required<T>(entity: new () => T, uuid: string): Promise<T> {
    const row = await this.reach(entity, uuid);
    if (!row) throw new Error(`${entity.name} ${uuid} does not exist although a relation names it`);
    return row;
  }

  /**
   * A row of a list as an entity known to lie in the caller's scope of record: connections and
   * nested lists filter by `Scope.visible`, so their rows need no second check for figures.
   * (The few unscoped part-lists, e.g. a cycle's indicators, carry no figures.)
   */
  listed<T>(entity: new () => T, row: Record<string, unknown>): T {
    return this.mark(hydrate(this.db.ds, entity, row));
  }

  /** Marks an entity made from a list's row as listed (see `listed`). */
  mark<T>(entity: T): T {
    (entity as Listed)[LISTED_BY] = this;
    return entity;
  }

  /** Whether the entity lies in the caller's scope of record (lists, totals, figures), batched. */
  inScope(entity: Function, row: { uuid: string }): Promise<boolean> {
    const kind = kindOf(entity);
    if (!this.scope.canRead(kind)) return Promise.resolve(false);
    if ((row as Listed)[LISTED_BY] === this) return Promise.resolve(true);
    const uuid = row.uuid;
    return this.loader(`inScope:${kind}`, () => new RequestLoader<string, boolean>(async (ids) => {
      const table = tableOf(this.db.ds, entity);
      const rows = await this.db.query(sql`SELECT t.id FROM ${raw(table)} t WHERE ${and([oneOf(sql`t.id`, ids, '::uuid'), this.scope.visible(kind, 't')])}`);
      const found = new Set(rows.map((r) => String(r.id)));
      return ids.map((id) => found.has(id));
    })).load(uuid);
  }

  /**
   * Figures (stats, funding, quotas, violations, results) are read only of what lies in the
   * caller's scope of record; of an entity merely reached they answer FORBIDDEN.
   */
  async assertInScope(entity: Function, row: { uuid: string }, what: string): Promise<void> {
    if (!(await this.inScope(entity, row))) {
      throw hubError('FORBIDDEN', `${what} of this ${kindOf(entity)} are not shown: it lies outside your scope of record (reachable only through a relation)`);
    }
  }

  private load<T>(entity: new () => T, uuid: string | null | undefined, how: 'reachable' | 'related', info?: GraphQLResolveInfo): Promise<T | null> {
    if (!uuid) return Promise.resolve(null);
    const kind = kindOf(entity);
    this.scope.assertReadable(kind);
    // Every caller sees the whole division tree (rules.ts): reference data, served from memory.
    if (kind === 'Jurisdiction') return Promise.resolve((this.scope.tree.row(uuid) as T | undefined) ?? null);
    return this.entityLoader(entity, how, info).load(uuid);
  }

  /**
   * A row a list statement joined in for a relation the query selects (graphql/prefetch.ts):
   * the relation's `reach`/`required` then answers it without a statement.
   */
  primeRelated<T extends { uuid: string }>(entity: Function, row: T): void {
    this.entityLoader(entity as new () => T, 'related').prime(row.uuid, row);
  }

  /**
   * The request's loader of one kind. With `info` (a lookup by id), the relations its selection
   * names are joined in (graphql/prefetch.ts); lookups sharing the loader share the first one's
   * joins, which only decides whether a relation needs a statement of its own. Rows of a shared
   * loader carry every column: its cache serves every caller of it. A lookup whose selection has
   * nested pages gets a loader of its own place: its statement fetches every looked-up row's
   * pages, which rows looked up elsewhere (a `node(id:)`, a relation) must not be made to fetch,
   * and reads only the columns that place's selection needs.
   */
  private entityLoader<T>(entity: new () => T, how: 'reachable' | 'related', info?: GraphQLResolveInfo): RequestLoader<string, T | null> {
    const kind = kindOf(entity);
    let joins: Prefetch | undefined;
    let columns: Sql | undefined;
    let key = `${how}:${kind}`;
    if (info) {
      joins = planJoins(this, entity, 't', info, []);
      if (fetchesPages(joins)) {
        key += `@${info.path.key}:${placeKey(info.fieldNodes)}`;
        // A loader of its own place serves that place's resolvers only: its rows, and the rows
        // joined to them, need only the columns the selection reads (one group by id read 25
        // columns for 8: bench/ scenario d).
        joins = planJoins(this, entity, 't', info, [], true);
        const own = selectedColumns(this, entity, info, [], []);
        if (own) columns = raw(own.map((c) => `t.${c}`).join(', '));
      }
    }
    return this.loader(key, () => {
      const plan = joins ?? NOTHING;
      return new RequestLoader<string, T | null>(async (ids) => {
        const table = tableOf(this.db.ds, entity);
        const rows = await this.db.query(
          sql`SELECT ${columns ?? columnsOf(this.db.ds, entity, 't')}${joinedColumns(this, plan)} FROM ${raw(table)} t${joinClauses(this, plan)}
            WHERE ${and([oneOf(sql`t.id`, ids, '::uuid'), how === 'reachable' && this.scope.reachable(kind, 't')])}`,
        );
        const byId = new Map(rows.map((r) => [String(r.id), withJoined(this, plan, r, hydrate(this.db.ds, entity, r))]));
        return ids.map((id) => byId.get(id) ?? null);
      });
    });
  }
}
