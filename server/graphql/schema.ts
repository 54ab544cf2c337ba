import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { ApiClientResolver, ViewerResolver } from '../access/viewer';
import { EvaluationMutations } from '../evaluations/mutations';
import { EvaluationCycleResolver, EvaluationResolver, GroupEvaluationResultResolver } from '../evaluations/resolver';
import { GroupGradeResolver, RatificationMutations, ReviewCaseResolver } from '../evaluations/ratification';
import { ApiClientMutations } from '../clients/mutations';
import { ChangeResolver } from '../feed/resolver';
import { GroupMutations } from '../groups/mutations';
import { EducationGroupResolver } from '../groups/resolver';
import { JurisdictionResolver } from '../jurisdictions/resolver';
import { MembershipMutations } from '../memberships/mutations';
import { ApprovalResolver, GroupMembershipResolver } from '../memberships/resolver';
import { PolicyMutations } from '../policy/mutations';
import { GroupPolicyResolver, ModeLimitResolver } from '../policy/resolver';
import { PostingMutations } from '../postings/mutations';
import { PostingResolver } from '../postings/resolver';
import { ResourceMutations } from '../resources/mutations';
import { ResourceLibraryResolver, ResourceResolver } from '../resources/resolver';
import { SchoolMutations } from '../schools/mutations';
import { CampusResolver, SchoolResolver } from '../schools/resolver';
import { StaffResolver } from '../staff/resolver';
import { SavedAnalysisResolver } from '../workbench/saved';
import { NODE_TYPES, NodeResolver } from './node-resolver';
import { DateTime } from './scalars';
import { directFieldResolvers } from './direct-resolvers';
import { joinedRelations } from './prefetch';

export const resolvers = [
  NodeResolver, ViewerResolver, ApiClientResolver, JurisdictionResolver, SchoolResolver, CampusResolver,
  EducationGroupResolver, GroupMembershipResolver, ApprovalResolver, GroupPolicyResolver, ModeLimitResolver, StaffResolver,
  PostingResolver, ResourceLibraryResolver, ResourceResolver, EvaluationCycleResolver, EvaluationResolver,
  ChangeResolver, GroupMutations, MembershipMutations, PostingMutations, PolicyMutations, ApiClientMutations,
  SchoolMutations, ResourceMutations, EvaluationMutations, GroupEvaluationResultResolver, GroupGradeResolver, ReviewCaseResolver, RatificationMutations,
  SavedAnalysisResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/** The executable schema, built once per process from the decorated classes. */
export function hubSchema(): Promise<GraphQLSchema> {
  markPlainFieldsSimple();
  return (built ??= buildSchema({
    resolvers: resolvers as unknown as [Function, ...Function[]],
    orphanedTypes: Object.values(NODE_TYPES) as Function[],
    scalarsMap: [
      { type: Date, scalar: DateTime },
    ],
    validate: VALIDATE,
    globalMiddlewares: GLOBAL_MIDDLEWARES,
  }).then((schema) => {
    // Per-row resolvers called directly (graphql/direct-resolvers.ts), then relations answered
    // from rows their parent's statement joined in (graphql/prefetch.ts), in that order.
    directFieldResolvers(schema, { validate: VALIDATE, globalMiddlewares: GLOBAL_MIDDLEWARES });
    joinedRelations(schema);
    return schema;
  }));
}

/** Arguments are checked by the schema's types and each mutation's own rules, not class-validator. */
const VALIDATE = false;
/** None: a middleware added here also turns off the direct resolver calls (graphql/direct-resolvers.ts). */
const GLOBAL_MIDDLEWARES: NonNullable<Parameters<typeof buildSchema>[0]['globalMiddlewares']> = [];

/**
 * A field that only reads its property (no resolver method, middleware or rename) needs no
 * resolver of its own: graphql-js's default reads it. type-graphql otherwise wraps each one,
 * which cost an allocation per field of every row served (bench/).
 */
function markPlainFieldsSimple(): void {
  for (const f of getMetadataStorage().fields) {
    if (f.simple === undefined && !f.middlewares?.length && !f.roles && f.name === f.schemaName) f.simple = true;
  }
}

/** The SDL committed as schema/schema.graphql (sorted, so diffs stay readable). */
export async function schemaSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await hubSchema()))}\n`;
}

