import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ApprovalAuthority, ApprovalDecision, MembershipRole, MembershipStatus } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime, LocalDate } from '../graphql/scalars';

@Entity('group_membership')
@ObjectType({ implements: Node })
export class GroupMembership extends NodeRow {
  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('uuid', { name: 'campus_id' })
  campusId: string;

  @Field(() => MembershipRole)
  @Column('text')
  role: MembershipRole;

  @Field(() => MembershipStatus)
  @Column('text')
  status: MembershipStatus;

  @Field(() => DateTime, { nullable: true })
  @Column('timestamptz', { name: 'applied_at', nullable: true })
  appliedAt: Date | null;

  @Field(() => LocalDate, { nullable: true })
  @Column('date', { name: 'joined_on', nullable: true })
  joinedOn: string | null;

  @Field(() => LocalDate, { nullable: true, description: 'The exit day (退出): the first day the campus is no longer a member. On an ACTIVE membership, a planned exit: it stays a member (and holds its seat) until then.' })
  @Column('date', { name: 'left_on', nullable: true })
  leftOn: string | null;

  /** The approval chain worked out when the campus applied, in decision order. */
  @Column('text', { name: 'required_approvals', array: true })
  requiredApprovals: ApprovalAuthority[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity('membership_approval')
@ObjectType('Approval')
export class MembershipApproval {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'membership_id' })
  membershipId: string;

  @Field(() => ApprovalAuthority)
  @Column('text')
  authority: ApprovalAuthority;

  @Column('uuid', { name: 'jurisdiction_id', nullable: true })
  jurisdictionId: string | null;

  @Field(() => ApprovalDecision)
  @Column('text')
  decision: ApprovalDecision;

  @Field()
  @Column('text', { name: 'decided_by' })
  decidedBy: string;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'decided_at' })
  decidedAt: Date;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  comment: string | null;
}
