import { HeaderMap } from '@apollo/server';
import { ASTVisitor, GraphQLError, Kind, ValidationContext, ValueNode } from 'graphql';
import { badInput } from '../graphql/errors';

/**
 * PostgreSQL cannot store U+0000 in text: a NUL character anywhere in a request's strings is
 * refused before execution as BAD_USER_INPUT naming where it was (the argument or variable path,
 * e.g. `input.name`), instead of a driver error mid-write.
 */
const NUL = '\u0000';

function nulIn(value: ValueNode, path: string): string | undefined {
  switch (value.kind) {
    case Kind.STRING:
      return value.value.includes(NUL) ? path : undefined;
    case Kind.LIST:
      for (const [i, v] of value.values.entries()) {
        const at = nulIn(v, `${path}[${i}]`);
        if (at) return at;
      }
      return undefined;
    case Kind.OBJECT:
      for (const f of value.fields) {
        const at = nulIn(f.value, `${path}.${f.name.value}`);
        if (at) return at;
      }
      return undefined;
    default:
      return undefined;
  }
}

const nulError = (field: string) => badInput(field, `${field} contains a NUL character (U+0000), which text cannot hold`);

/** Validation rule: string literals in arguments (and variable defaults). */
export function noNulLiteralsRule(context: ValidationContext): ASTVisitor {
  return {
    Argument(arg) {
      const at = nulIn(arg.value, arg.name.value);
      if (at) context.reportError(nulError(at));
    },
    VariableDefinition(def) {
      const at = def.defaultValue && nulIn(def.defaultValue, def.variable.name.value);
      if (at) context.reportError(nulError(at));
    },
  };
}

/** The first variable path holding a string with NUL in it (keys too), e.g. `input.scores[2].note`. */
export function nulInVariables(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > 64) return undefined;
  if (typeof value === 'string') return value.includes(NUL) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const at = nulInVariables(v, `${path}[${i}]`, depth + 1);
      if (at) return at;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes(NUL)) return path;
      const at = nulInVariables(v, `${path}.${k}`, depth + 1);
      if (at) return at;
    }
  }
  return undefined;
}

/** Throws BAD_USER_INPUT (HTTP 400) when a variable holds a NUL character. */
export function assertNoNulVariables(variables: Record<string, unknown> | undefined): void {
  for (const [name, v] of Object.entries(variables ?? {})) {
    const at = nulInVariables(v, name);
    if (at) throw withStatus(nulError(at), 400);
  }
}

/** Sets the HTTP status (and headers) Apollo answers with when `error` ends the request. */
export function withStatus(error: GraphQLError, status: number, headers: Record<string, string> = {}): GraphQLError {
  (error.extensions as Record<string, unknown>).http = { status, headers: new HeaderMap(Object.entries(headers)) };
  return error;
}
