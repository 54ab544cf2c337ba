import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Node, NodeRow } from '../graphql/node';
import { DateTime } from '../graphql/scalars';

/** A saved analysis of the workbench (分析方案); rules and resolvers in saved.ts. */
@Entity('saved_analysis')
@ObjectType({ implements: Node, description: "A saved analysis of the workbench (分析方案): a named GraphQL document and its parameter values, kept with a bureau." })
export class SavedAnalysis extends NodeRow {
  @Column('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  @Column('text', { name: 'owner_subject' })
  ownerSubject: string;

  @Column('text', { name: 'owner_role' })
  ownerRole: string;

  @Field()
  @Column('text')
  name: string;

  @Field()
  @Column('text')
  description: string;

  @Field({ description: 'The GraphQL document (one operation), its variables named after the parameters.' })
  @Column('text')
  document: string;

  /** Parameter values by name (jsonb); the API shows them as JSON text (`parameters`). */
  @Column('jsonb', { name: 'parameters' })
  parameterValues: Record<string, string>;

  @Field({ description: "Shared with the bureau: every BUREAU_ADMIN and ANALYST of the same jurisdiction reads it (only its owner changes it)." })
  @Column('boolean')
  shared: boolean;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

