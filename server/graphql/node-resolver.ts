import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { ApiClient } from '../clients/entity';
import { Evaluation, EvaluationCycle, GroupGrade, ReviewCase } from '../evaluations/entity';
import { EducationGroup } from '../groups/entity';
import { Jurisdiction } from '../jurisdictions/entity';
import { GroupMembership } from '../memberships/entity';
import { Posting } from '../postings/entity';
import { Resource, ResourceLibrary } from '../resources/entity';
import { Campus, School } from '../schools/entity';
import { Staff } from '../staff/entity';
import { SavedAnalysis } from '../workbench/entity';
import type { Context } from './context';
import { decodeId } from './ids';
import { Node } from './node';

/** Every Node type, by GraphQL name (= class name, the prefix of its global ids). */
export const NODE_TYPES: Record<string, new () => unknown> = Object.fromEntries(
  [Jurisdiction, School, Campus, EducationGroup, GroupMembership, Staff, Posting, ResourceLibrary, Resource,
    EvaluationCycle, Evaluation, GroupGrade, ReviewCase, ApiClient, SavedAnalysis].map((t) => [t.name, t]),
);

/** Loads any visible entity by global id; unknown, malformed and out-of-scope ids read as null. */
export async function loadNode(ctx: Context, id: string): Promise<unknown | null> {
  const d = decodeId(id);
  const type = d && NODE_TYPES[d.type];
  if (!d || !type) return null;
  const row = await ctx.byId(type, d.uuid);
  // Deleted resources stay in the table for the change feed but no longer exist.
  if (row instanceof Resource && row.deletedAt) return null;
  return row;
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return loadNode(ctx, id);
  }
}
