import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JurisdictionLevel } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';

@Entity('jurisdiction')
@ObjectType({ implements: Node, description: 'An administrative division and its education bureau (教育局/教育体育局).' })
export class Jurisdiction extends NodeRow {
  @Field({ description: 'GB/T 2260 six-digit division code; zones use the code their city assigns.' })
  @Column('varchar', { length: 6, unique: true })
  code: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => JurisdictionLevel)
  @Column('text')
  level: JurisdictionLevel;

  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

/** Closure of the jurisdiction tree: (ancestor, descendant) pairs, self included. */
@Entity('jurisdiction_ancestor')
export class JurisdictionAncestor {
  @PrimaryColumn('uuid', { name: 'ancestor_id' })
  ancestorId: string;

  @PrimaryColumn('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  @Column('int')
  depth: number;
}
