import { FieldResolver, Resolver, Root, Ctx } from 'type-graphql';
import type { Context } from '../graphql/context';
import { Jurisdiction } from '../jurisdictions/entity';
import { GroupPolicy, ModeLimit } from './entity';

@Resolver(() => GroupPolicy)
export class GroupPolicyResolver {
  @FieldResolver(() => Jurisdiction, { nullable: true })
  source(@Root() p: GroupPolicy, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, p.sourceId);
  }

  @FieldResolver(() => Jurisdiction, { nullable: true, description: 'Who set the rotation setting in force (rates and posting types); null: the built-in default.' })
  rotationSource(@Root() p: GroupPolicy, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, p.rotationSourceId);
  }

  @FieldResolver(() => Jurisdiction, { nullable: true, description: 'Who set the coverage setting in force (target, deadline, stages); null: none is set.' })
  coverageSource(@Root() p: GroupPolicy, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, p.coverageSourceId);
  }

  @FieldResolver(() => Jurisdiction, { nullable: true, description: 'Who set the funding rule in force; null: none is set.' })
  fundingSource(@Root() p: GroupPolicy, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, p.fundingSourceId);
  }

  @FieldResolver(() => Jurisdiction, { nullable: true, description: 'Who set the vice-principal bands in force; null: none is set.' })
  leadershipSource(@Root() p: GroupPolicy, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, p.leadershipSourceId);
  }
}

@Resolver(() => ModeLimit)
export class ModeLimitResolver {
  @FieldResolver(() => Jurisdiction, { nullable: true, description: 'Who set this cap (null only if that jurisdiction is out of reach).' })
  source(@Root() l: ModeLimit, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, l.sourceId);
  }
}
