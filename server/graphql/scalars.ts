import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/** An instant, ISO-8601 with offset (graphql-scalars' validation, our description). */
export const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  description: 'An instant, ISO-8601 with offset, e.g. 2024-09-01T08:00:00+08:00.',
});

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

function parseDate(v: unknown): string {
  if (typeof v !== 'string' || !isIsoDate(v)) {
    throw new GraphQLError(`Date must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(v)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return v;
}

/**
 * A calendar date, YYYY-MM-DD, kept as a string end to end (no time-zone shifts; the pg
 * driver is told to return DATE columns as strings too).
 */
export const LocalDate = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : parseDate(v)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});
