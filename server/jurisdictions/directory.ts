import { DataSource } from 'typeorm';
import { columnsOf, hydrate } from '../db/rows';
import { Jurisdiction } from './entity';

/**
 * The division tree (行政区划) held in memory: reference data, loaded from
 * server/reference/divisions.tsv at every start before the hub serves and never written by a
 * request, so every replica of one version holds the same tree and nothing here needs to agree
 * across replicas. Lets authentication resolve a jurisdiction claim without a statement, and
 * lets scope rules state "in S(J)" as `jurisdiction_id = ANY(ids)` (an index lookup) instead
 * of a correlated EXISTS on the closure table for every row, and answers a relation to a
 * jurisdiction (a campus's county, a group's bureau) without a statement.
 */
export class JurisdictionDirectory {
  private constructor(
    private readonly idByCode: Map<string, string>,
    private readonly below: Map<string, string[]>,
    private readonly above: Map<string, string[]>,
    readonly rootIds: ReadonlySet<string>,
    private readonly rows: Map<string, Jurisdiction>,
  ) {}

  private static cache = new WeakMap<DataSource, Promise<JurisdictionDirectory>>();

  /** The directory of this database, read once (one statement) on first use. */
  static of(ds: DataSource): Promise<JurisdictionDirectory> {
    let d = this.cache.get(ds);
    if (!d) {
      d = this.read(ds);
      this.cache.set(ds, d);
      d.catch(() => this.cache.delete(ds)); // a failed read (database down) is retried by the next caller
    }
    return d;
  }

  private static async read(ds: DataSource): Promise<JurisdictionDirectory> {
    const rows: Array<{ id: string; code: string; parent_id: string | null; ancestors: string[] }> = await ds.query(`
      SELECT j.id, j.code, j.parent_id, array_agg(x.ancestor_id) AS ancestors
      FROM jurisdiction j JOIN jurisdiction_ancestor x ON x.jurisdiction_id = j.id GROUP BY j.id`);
    const idByCode = new Map<string, string>();
    const below = new Map<string, string[]>();
    const above = new Map<string, string[]>();
    const roots = new Set<string>();
    for (const r of rows) {
      idByCode.set(r.code, r.id);
      above.set(r.id, [...r.ancestors].sort());
      if (!r.parent_id) roots.add(r.id);
      for (const a of r.ancestors) {
        let list = below.get(a);
        if (!list) below.set(a, (list = []));
        list.push(r.id);
      }
    }
    for (const list of below.values()) list.sort();
    const entities: Array<Record<string, unknown>> = await ds.query(`SELECT ${columnsOf(ds, Jurisdiction, 'j').render().text} FROM jurisdiction j`);
    const byId = new Map(entities.map((r) => [String(r.id), hydrate(ds, Jurisdiction, r)]));
    return new JurisdictionDirectory(idByCode, below, above, roots, byId);
  }

  /** The jurisdiction row (a relation to one needs no statement). Shared: never modify it. */
  row(id: string): Jurisdiction | undefined {
    return this.rows.get(id);
  }

  /** The jurisdiction with this division code, if the tree has it. */
  idOf(code: string): string | undefined {
    return this.idByCode.get(code);
  }

  /** S(J): J and every jurisdiction below it (ids, sorted). */
  subtree(id: string): string[] {
    return this.below.get(id) ?? [];
  }

  /** The line of the tree through J: its ancestors, J and everything below it (ids, sorted). */
  line(id: string): string[] {
    let line = this.lines.get(id);
    if (!line) this.lines.set(id, (line = [...new Set([...(this.above.get(id) ?? []), ...this.subtree(id)])].sort()));
    return line;
  }

  /** Lines already asked for: scope rules ask on every request. */
  private readonly lines = new Map<string, string[]>();

  /** Whether S(J) is the whole tree (the nation): "lies in S(J)" then holds for every row. */
  coversAll(id: string): boolean {
    return this.rootIds.size === 1 && this.rootIds.has(id);
  }
}
