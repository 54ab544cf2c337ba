import { FieldResolver, Resolver, Root, Ctx } from 'type-graphql';
import type { Context } from '../graphql/context';
import { Jurisdiction } from '../jurisdictions/entity';
import { GroupPolicy } from './entity';

@Resolver(() => GroupPolicy)
export class GroupPolicyResolver {
  @FieldResolver(() => Jurisdiction, { nullable: true })
  source(@Root() p: GroupPolicy, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, p.sourceId);
  }
}
