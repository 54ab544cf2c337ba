import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { nestedList } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { ApprovalAuthority } from '../graphql/enums';
import { EducationGroup } from '../groups/entity';
import { Jurisdiction } from '../jurisdictions/entity';
import { Campus } from '../schools/entity';
import { raw } from '../db/sql';
import { GroupMembership, MembershipApproval } from './entity';

function approvalsOf(ctx: Context, membershipId: string) {
  return nestedList(ctx, 'Membership.approvals', membershipId, () => ({
    entity: MembershipApproval,
    from: raw('membership_approval a'),
    alias: 'a',
    where: raw('TRUE'),
    sortKey: 'a.decided_at, a.id',
    keyOf: (r: MembershipApproval) => r.id,
    parentKey: 'a.membership_id',
  }));
}

@Resolver(() => GroupMembership)
export class GroupMembershipResolver {
  @FieldResolver(() => EducationGroup)
  group(@Root() m: GroupMembership, @Ctx() ctx: Context) {
    return ctx.required(EducationGroup, m.groupId);
  }

  @FieldResolver(() => Campus)
  campus(@Root() m: GroupMembership, @Ctx() ctx: Context) {
    return ctx.required(Campus, m.campusId);
  }

  @FieldResolver(() => [MembershipApproval])
  approvals(@Root() m: GroupMembership, @Ctx() ctx: Context) {
    return approvalsOf(ctx, m.uuid);
  }

  @FieldResolver(() => [ApprovalAuthority], { description: 'Authorities that still have to decide, in order.' })
  async pendingApprovals(@Root() m: GroupMembership, @Ctx() ctx: Context): Promise<ApprovalAuthority[]> {
    if (m.status !== 'APPLIED') return [];
    const decided = new Set((await approvalsOf(ctx, m.uuid)).map((a) => a.authority));
    return m.requiredApprovals.filter((a) => !decided.has(a));
  }
}

@Resolver(() => MembershipApproval)
export class ApprovalResolver {
  @FieldResolver(() => Jurisdiction, { nullable: true, description: 'The bureau that decided; null for GROUP_COUNCIL.' })
  jurisdiction(@Root() a: MembershipApproval, @Ctx() ctx: Context) {
    return ctx.byId(Jurisdiction, a.jurisdictionId);
  }
}
