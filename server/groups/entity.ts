import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { GroupMode, GroupStatus } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime, LocalDate } from '../graphql/scalars';

@ObjectType({ description: "The group's charter (章程), filed with the supervising bureau." })
export class Charter {
  @Field() title: string;
  @Field() uri: string;
  @Field(() => LocalDate) filedOn: string;
}

@Entity('education_group')
@ObjectType({ implements: Node, description: 'An education group (教育集团).' })
export class EducationGroup extends NodeRow {
  @Field()
  @Column('text')
  name: string;

  @Field(() => GroupMode)
  @Column('text')
  mode: GroupMode;

  @Field(() => GroupStatus)
  @Column('text')
  status: GroupStatus;

  @Column('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  @Column('uuid', { name: 'lead_campus_id' })
  leadCampusId: string;

  @Field({ description: 'Whether the group is registered as an independent legal entity (独立法人).' })
  @Column('boolean', { name: 'legal_entity' })
  legalEntity: boolean;

  @Field(() => LocalDate, { nullable: true })
  @Column('date', { name: 'established_on', nullable: true })
  establishedOn: string | null;

  @Field(() => LocalDate, { nullable: true })
  @Column('date', { name: 'dissolved_on', nullable: true })
  dissolvedOn: string | null;

  @Column('text', { name: 'charter_title', nullable: true })
  charterTitle: string | null;

  @Column('text', { name: 'charter_uri', nullable: true })
  charterUri: string | null;

  @Column('date', { name: 'charter_filed_on', nullable: true })
  charterFiledOn: string | null;

  /** The filed charter, if complete (GraphQL: EducationGroupResolver.charter, which checks scope). */
  get charter(): Charter | null {
    if (!this.charterTitle || !this.charterUri || !this.charterFiledOn) return null;
    return { title: this.charterTitle, uri: this.charterUri, filedOn: this.charterFiledOn };
  }

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
