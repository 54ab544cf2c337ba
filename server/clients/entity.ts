import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Role } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime } from '../graphql/scalars';

@Entity('api_client')
@ObjectType({ implements: Node, description: 'A registered integration (e.g. a school MIS vendor) that calls with an API key.' })
export class ApiClient extends NodeRow {
  @Field()
  @Column('text')
  name: string;

  @Field(() => Role)
  @Column('text')
  role: Role;

  @Column('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  /** Empty: every school within the jurisdiction. */
  @Column('uuid', { name: 'school_ids', array: true })
  schoolIds: string[];

  @Field(() => [String])
  @Column('text', { array: true })
  scopes: string[];

  @Field({ description: "Only the hub's persisted documents (the SDK's operations, sent by their sha256 hash) may run with this key; any other document is refused with FORBIDDEN." })
  @Column('boolean', { name: 'persisted_only' })
  persistedOnly: boolean;

  /** SHA-256 of the API key; the key itself is shown once and never stored. */
  @Column('text', { name: 'key_hash', select: false })
  keyHash: string;

  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime, { nullable: true })
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'After this instant the key no longer authenticates; null: no expiry.' })
  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Field(() => DateTime, { nullable: true })
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}
