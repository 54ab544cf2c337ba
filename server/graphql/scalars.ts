import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/**
 * Years the hub accepts in dates and instants. Nothing in school records lies outside them, and
 * PostgreSQL rejects some years JavaScript accepts (0000): refused as BAD_USER_INPUT up front.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;

const inYears = (d: Date) => d.getUTCFullYear() >= MIN_YEAR && d.getUTCFullYear() <= MAX_YEAR;

function badInstant(v: unknown): GraphQLError {
  return new GraphQLError(`DateTime must be an ISO-8601 instant with offset between ${MIN_YEAR} and ${MAX_YEAR}, got ${JSON.stringify(v)?.slice(0, 40)}`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

const dateTime = DateTimeResolver.toConfig();
/** An instant, ISO-8601 with offset (graphql-scalars' validation, our years and description). */
export const DateTime = new GraphQLScalarType({
  ...dateTime,
  description: 'An instant, ISO-8601 with offset, e.g. 2024-09-01T08:00:00+08:00.',
  parseValue: (v) => {
    let d: Date;
    try {
      d = dateTime.parseValue!(v) as Date;
    } catch {
      throw badInstant(v);
    }
    if (!inYears(d)) throw badInstant(v);
    return d;
  },
  parseLiteral: (ast, vars) => {
    let d: Date;
    try {
      d = dateTime.parseLiteral!(ast, vars) as Date;
    } catch {
      throw badInstant(ast.kind === Kind.STRING ? ast.value : ast.kind);
    }
    if (!inYears(d)) throw badInstant(ast.kind === Kind.STRING ? ast.value : ast.kind);
    return d;
  },
});

/** True for a real calendar date written YYYY-MM-DD, in the years the hub accepts. */
export function isIsoDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v && inYears(d);
}

function parseDate(v: unknown): string {
  if (typeof v !== 'string' || !isIsoDate(v)) {
    throw new GraphQLError(`Date must be a calendar date written YYYY-MM-DD between ${MIN_YEAR} and ${MAX_YEAR}, got ${JSON.stringify(v)?.slice(0, 40)}`, {
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
