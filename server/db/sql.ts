/**
 * A minimal composable SQL fragment: text with `$n` placeholders and their values.
 * Fragments nest (`sql\`a = ${x} AND ${otherFragment}\``) and are renumbered when joined.
 * Written here rather than pulled in because we need only this (~50 lines) and it keeps
 * every statement visible as plain PostgreSQL.
 */
export class Sql {
  constructor(readonly strings: readonly string[], readonly values: readonly unknown[]) {}

  /** Renders to `{ text, values }` with placeholders numbered from `$1`. */
  render(): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.build(values);
    return { text, values };
  }

  private build(values: unknown[]): string {
    let out = this.strings[0];
    this.values.forEach((v, i) => {
      if (v instanceof Sql) out += v.build(values);
      else if (v instanceof Raw) out += v.text;
      else {
        values.push(v);
        out += `$${values.length}`;
      }
      out += this.strings[i + 1];
    });
    return out;
  }
}

class Raw {
  constructor(readonly text: string) {}
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** Trusted SQL text (identifiers, keywords): never pass user input. */
export function raw(text: string): Sql {
  return new Sql(['', ''], [new Raw(text)]);
}

export function join(parts: Sql[], separator: string): Sql {
  if (parts.length === 0) return raw('');
  const strings = [''];
  for (let i = 1; i < parts.length; i++) strings.push(separator);
  strings.push('');
  return new Sql(strings, parts);
}

/** The constant conditions: `or` and `and` fold them, so a rule that always holds costs nothing. */
export const TRUE = raw('TRUE');
export const FALSE = raw('FALSE');

/** OR of the given conditions, folding the constants (TRUE wins; FALSE drops out; none: FALSE). */
export function or(...conds: Sql[]): Sql {
  if (conds.includes(TRUE)) return TRUE;
  const parts = conds.filter((c) => c !== FALSE);
  if (parts.length === 0) return FALSE;
  return parts.length === 1 ? parts[0] : sql`(${join(parts, ' OR ')})`;
}

/** AND of the given conditions; TRUE when empty. */
export function and(conds: Array<Sql | null | undefined | false | ''>): Sql {
  const parts = conds.filter((c): c is Sql => c instanceof Sql && c !== TRUE);
  if (parts.includes(FALSE)) return FALSE;
  return parts.length ? new Conjunction(parts) : TRUE;
}

/** What `and` builds: it keeps its parts, so a page can look for Alternatives among them. */
class Conjunction extends Sql {
  constructor(readonly parts: readonly Sql[]) {
    super(['(', ')'], [join(parts as Sql[], ') AND (')]);
  }
}

/** The conditions ANDed in `cond` (nested ANDs flattened). */
export function conjuncts(cond: Sql): Sql[] {
  return cond instanceof Conjunction ? cond.parts.flatMap(conjuncts) : [cond];
}

/**
 * One branch of an Alternatives. `few`: it matches few rows, found through another index than
 * the key's, so a page collects them and sorts them; without it, a page reads the branch in key
 * order (an index range like `(home_jurisdiction_id, id)`).
 */
export interface Branch {
  where: Sql;
  few?: boolean;
}

/**
 * A condition that holds when exactly one of `branches` does (they never overlap), written
 * as `compact` wherever it is used as a condition. A page of keys reads it branch by branch
 * instead (graphql/connection.ts pageKeysFirst): each branch's first rows from its own index
 * range, merged, rather than every matching row sorted. `compact` must say the same as the
 * OR of the branches (test/scope-equivalence.test.ts reads both ways).
 */
export class Alternatives extends Sql {
  constructor(readonly compact: Sql, readonly branches: readonly Branch[]) {
    super(['', ''], [compact]);
  }
}

/**
 * `column` is one of `ids`. One id is written `column = $n`: PostgreSQL then settles on a
 * generic plan for the prepared statement after a few runs, where `= ANY($n)` of an array of
 * unknown length kept being re-planned on every execution (≈ 0.3 ms of database CPU per
 * statement for a lookup by id, bench/). Several ids stay one array parameter.
 */
export function oneOf(column: Sql, ids: readonly string[], cast = ''): Sql {
  return ids.length === 1
    ? sql`${column} = ${ids[0]}${raw(cast)}`
    : sql`${column} = ANY(${[...ids]}${raw(cast ? `${cast}[]` : '')})`;
}
