import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ResourceKind, ResourceUseKind, ResourceVisibility, SchoolStage } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime } from '../graphql/scalars';
import { Campus } from '../schools/entity';

@Entity('resource_library')
@ObjectType({ implements: Node, description: "A group's curriculum resource library (课程资源库)." })
export class ResourceLibrary extends NodeRow {
  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  description: string | null;

  @Field(() => ResourceVisibility)
  @Column('text')
  visibility: ResourceVisibility;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity('resource')
@ObjectType({ implements: Node })
export class Resource extends NodeRow {
  @Column('uuid', { name: 'library_id' })
  libraryId: string;

  @Field()
  @Column('text')
  title: string;

  @Field(() => ResourceKind)
  @Column('text')
  kind: ResourceKind;

  @Field()
  @Column('text')
  subject: string;

  @Field(() => [SchoolStage])
  @Column('text', { array: true })
  stages: SchoolStage[];

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  description: string | null;

  @Field({ description: 'Where the file lives (object storage key or URL).' })
  @Column('text')
  uri: string;

  @Field(() => [String])
  @Column('text', { array: true })
  tags: string[];

  @Column('uuid', { name: 'contributor_id', nullable: true })
  contributorId: string | null;

  @Column('uuid', { name: 'contributing_campus_id' })
  contributingCampusId: string;

  /** Soft delete, so the change feed can still announce it. */
  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

/** One recorded use (view, download, teach) of a resource by a campus. */
@Entity('resource_use')
export class ResourceUse {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'resource_id' })
  resourceId: string;

  @Column('uuid', { name: 'campus_id' })
  campusId: string;

  @Column('text')
  kind: ResourceUseKind;

  @Column('timestamptz', { name: 'used_at' })
  usedAt: Date;
}

@ObjectType()
export class ResourceUseByCampus {
  campusId: string;
  @Field(() => Campus) campus?: Campus;
  @Field(() => Int) count: number;
}
