import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ChangeOperation } from '../graphql/enums';
import { encodeId } from '../graphql/ids';
import { DateTime } from '../graphql/scalars';

/** One entry of the change feed vendors sync from (see feed/resolver.ts for reading it). */
@Entity('change_event')
export class ChangeEvent {
  @PrimaryColumn('bigint', { generated: 'identity' } as never)
  seq: number;

  /** The writing transaction (an xid8 column, pg_current_xact_id()), to read in commit order. */
  @Column({ type: 'text', insert: false, update: false })
  txid: string;

  @Column('timestamptz')
  at: Date;

  @Column('text', { name: 'entity_type' })
  entityType: string;

  @Column('uuid', { name: 'entity_id' })
  entityId: string;

  @Column('text', { name: 'natural_key', nullable: true })
  naturalKey: string | null;

  @Column('text')
  operation: ChangeOperation;
}

/** One audited write: who did what to which entity, with the before/after diff. */
@Entity('audit_entry')
@ObjectType('AuditEntry')
export class AuditEntryRow {
  @PrimaryColumn('uuid', { name: 'id' })
  uuid: string;

  @Field(() => DateTime)
  @Column('timestamptz')
  at: Date;

  @Field()
  @Column('text')
  actor: string;

  @Field()
  @Column('text')
  action: string;

  /** The GraphQL type name of the entity written. */
  @Field()
  @Column('text', { name: 'entity_type' })
  entityType: string;

  @Column('uuid', { name: 'entity_id' })
  entityUuid: string;

  /** Jurisdictions the entity lies in, for reading the trail by scope. */
  @Column('uuid', { name: 'jurisdiction_ids', array: true })
  jurisdictionIds: string[];

  @Column('jsonb', { name: 'diff' })
  diffJson: unknown;

  @Field(() => ID)
  get entityId(): string {
    return encodeId(this.entityType, this.entityUuid);
  }

  @Field({ description: 'The changed fields as JSON, before and after.' })
  get diff(): string {
    return JSON.stringify(this.diffJson);
  }
}

/** Small key/value facts about this database (e.g. when the demo was loaded). */
@Entity('hub_meta')
export class HubMeta {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  value: string;
}
