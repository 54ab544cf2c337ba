import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { PostingStatus, PostingType, StaffRole } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime, LocalDate } from '../graphql/scalars';

@Entity('posting')
@ObjectType({ implements: Node, description: "A staff member's posting from the home campus to another campus of the same group." })
export class Posting extends NodeRow {
  @Column('uuid', { name: 'staff_id' })
  staffId: string;

  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('uuid', { name: 'from_campus_id' })
  fromCampusId: string;

  @Column('uuid', { name: 'to_campus_id' })
  toCampusId: string;

  @Field(() => PostingType)
  @Column('text')
  type: PostingType;

  @Field(() => PostingStatus)
  @Column('text')
  status: PostingStatus;

  @Field(() => StaffRole, { description: 'The post held at the host campus, e.g. PRINCIPAL for an executive principal (执行校长).' })
  @Column('text', { name: 'host_role' })
  hostRole: StaffRole;

  @Field(() => LocalDate)
  @Column('date', { name: 'start_date' })
  startDate: string;

  @Field(() => LocalDate, { nullable: true })
  @Column('date', { name: 'end_date', nullable: true })
  endDate: string | null;

  @Field({ description: 'Counts as service at a weak or rural school for title promotion (视为支教经历).' })
  @Column('boolean', { name: 'counts_as_rural_service' })
  countsAsRuralService: boolean;

  @Column('text', { name: 'cancel_reason', nullable: true })
  cancelReason: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
