import {
  DocumentNode, FragmentDefinitionNode, getNamedType, getNullableType, GraphQLError, GraphQLNamedType, GraphQLSchema,
  isInterfaceType, isLeafType, isListType, isObjectType, Kind, SelectionSetNode,
} from 'graphql';
import { ComplexityEstimatorArgs, getComplexity } from 'graphql-query-complexity';
import { DEFAULT_PAGE } from '../graphql/connection';
import { hubError } from '../graphql/errors';

/**
 * What a query may cost, estimated from the document before it runs (GitHub-style): every
 * object the query can return costs 1, a connection multiplies the cost of its elements by
 * `first` (default 50), an unpaged list by 50; figures computed over a whole group or area
 * cost more than a row; a mutation costs a write. Scalars are free.
 */
export const FIGURE_COST: Record<string, number> = {
  'Jurisdiction.stats': 20,
  'EducationGroup.stats': 20,
  'EducationGroup.fundingEntitlement': 20,
  'EducationGroup.policyViolations': 20,
  'EvaluationCycle.groupResults': 20,
  'Campus.leadershipQuota': 10,
  'Campus.fullTimeTeacherCount': 5,
};
/** A write: one transaction with its audit and feed entries. */
export const MUTATION_COST = 10;
/** The largest page any list serves (the change feed's). */
const MAX_FEED_PAGE = 5000;
/** The rows an unpaged list is assumed to hold. */
const UNPAGED_LIST = DEFAULT_PAGE;
/** Field nodes visited (fragments expanded) before a document counts as too large to judge. */
const MAX_VISITED = 10_000;

const isConnection = (t: GraphQLNamedType) => t.name.endsWith('Connection');

function estimate(mutationType: string | undefined) {
  return ({ type, field, args, childComplexity }: ComplexityEstimatorArgs): number => {
    // A connection's edges and nodes are its elements: the connection field multiplies them.
    // Its totalCount is one grouped count for every parent: within the connection's 1.
    if (isConnection(type)) return field.name === 'totalCount' ? 0 : childComplexity;
    const named = getNamedType(field.type);
    const figure = FIGURE_COST[`${type.name}.${field.name}`] ?? 0;
    const write = type.name === mutationType ? MUTATION_COST : 0;
    if (isConnection(named)) {
      // As asked (the field's own default included: changes pages 500 by default, up to 5000);
      // the resolver refuses what is beyond its own maximum.
      const first = typeof args.first === 'number' ? Math.min(Math.max(args.first, 0), MAX_FEED_PAGE) : DEFAULT_PAGE;
      // Every element served costs at least one point, however few fields it selects.
      return 1 + figure + write + first * Math.max(1, childComplexity);
    }
    if (isLeafType(named)) return figure + write;
    if (isListType(getNullableType(field.type))) return figure + write + UNPAGED_LIST * (1 + childComplexity);
    return (figure || 1) + write + childComplexity;
  };
}

/**
 * The cost of the operation the request runs, with its variables (a `first: $n` counts as sent).
 * Throws the graphql-query-complexity errors (bad variables, too many nodes) for the caller to map.
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): number {
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName,
    estimators: [estimate(schema.getMutationType()?.name)],
    maxQueryNodes: MAX_VISITED,
  });
}

interface Step {
  /** `Owner.field`, e.g. `Jurisdiction.children`. */
  key: string;
  owner: string;
  /** The named type the field returns. */
  returns: string;
  /** A list or connection (many rows per parent). */
  many: boolean;
}

/**
 * A query may not walk back over a relation and expand the same list again
 * (`children → parent → children`, `memberships → group → memberships`): it only repeats rows
 * the response already holds, and each round multiplies the response (a 117-byte query over
 * the division tree returns 30,000 objects). Checked along every path, fragments expanded;
 * returns the refusal, if any.
 */
export function roundTripError(schema: GraphQLSchema, document: DocumentNode): GraphQLError | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let visited = 0;
  let found: GraphQLError | undefined;

  const roundTrip = (path: Step[], step: Step): Step[] | undefined => {
    if (!step.many) return undefined;
    for (let i = path.length - 1; i >= 0; i--) {
      if (path[i].key !== step.key) continue;
      const between = path.slice(i + 1);
      // Back at the list's owner through a single reference (parent, group, campus...).
      if (between.some((s) => !s.many && s.returns === step.owner)) return [path[i], ...between, step];
    }
    return undefined;
  };

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined | null, path: Step[], spreads: Set<string>): void => {
    for (const sel of set.selections) {
      if (found || ++visited > MAX_VISITED) return;
      if (sel.kind === Kind.FIELD) {
        if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const def = parent.getFields()[sel.name.value];
        if (!def) continue;
        const returns = getNamedType(def.type);
        const step: Step = {
          key: `${parent.name}.${def.name}`,
          owner: parent.name,
          returns: returns.name,
          many: isListType(getNullableType(def.type)) || isConnection(returns),
        };
        const trip = roundTrip(path, step);
        if (trip) {
          const names = trip.filter((s) => !s.owner.endsWith('Connection') && !s.owner.endsWith('Edge')).map((s) => s.key.split('.')[1]);
          found = hubError('QUERY_TOO_COMPLEX', `The query walks back over ${step.key} (${names.join(' → ')}): it would only repeat rows the response already holds`, {
            rule: 'roundTrip',
            field: step.key,
          });
          return;
        }
        if (sel.selectionSet) walk(sel.selectionSet, returns, [...path, step], spreads);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent, path, spreads);
      } else {
        const f = fragments.get(sel.name.value);
        // A cyclic spread is refused by graphql's own NoFragmentCycles rule.
        if (!f || spreads.has(f.name.value)) continue;
        walk(f.selectionSet, schema.getType(f.typeCondition.name.value), path, new Set([...spreads, f.name.value]));
      }
    }
  };

  for (const op of document.definitions) {
    if (op.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    walk(op.selectionSet, root, [], new Set());
  }
  if (!found && visited > MAX_VISITED) {
    found = hubError('QUERY_TOO_COMPLEX', `The document expands to more than ${MAX_VISITED} fields`, { rule: 'fields', limit: MAX_VISITED });
  }
  return found;
}
