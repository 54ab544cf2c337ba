import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Role } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { encodeId } from '../graphql/ids';
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

  /**
   * SHA-256 of the key the client was created with (kept for the code and fixtures that register
   * a client by this column; a trigger registers it in api_client_key). Authentication reads
   * api_client_key only: see ApiKey. The key itself is shown once and never stored.
   */
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

  @Field(() => DateTime, { nullable: true, description: 'After this instant none of its keys authenticates (each key may also expire earlier, see keys); null: no expiry of the client.' })
  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'The last use of any of its keys, to the minute; null: never used.' })
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}

/**
 * One API key of a client (table api_client_key). A client may hold several at once, so a key
 * can be rotated: issue a second one (issueApiKey), move the integration over, revoke the first
 * (revokeApiKey). Neither the key nor its hash is ever readable: only its last four characters.
 */
@ObjectType({ description: "One API key of an API client. Neither the key nor its hash is ever shown again after it was issued: only its last four characters." })
export class ApiKey {
  /** Row uuid (the API's id is derived from it). */
  uuid: string;

  @Field(() => ID)
  get id(): string {
    return encodeId('ApiKey', this.uuid);
  }

  @Field(() => String, { nullable: true, description: 'The last four characters of the key, to tell keys apart; null for keys registered by their hash only (before keys were kept apart from clients).' })
  lastFour: string | null;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => String, { nullable: true, description: 'Who issued it (the caller\'s subject, or cli:<user>@<host> for the api-client command).' })
  createdBy: string | null;

  @Field(() => DateTime, { nullable: true, description: "After this instant the key no longer authenticates; null: not before its client's own expiry (ApiClient.expiresAt)." })
  expiresAt: Date | null;

  @Field(() => DateTime, { nullable: true })
  revokedAt: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'Its last use, to the minute (written at most once a minute); null: never used.' })
  lastUsedAt: Date | null;

  @Field({ description: 'Whether it authenticates now: neither it nor its client revoked or expired.' })
  active: boolean;
}

/** A key row (KEY_COLUMNS) as an ApiKey. */
export function apiKeyOf(row: Record<string, any>): ApiKey {
  const k = new ApiKey();
  k.uuid = row.id;
  k.lastFour = row.last_four ?? null;
  k.createdAt = row.created_at;
  k.createdBy = row.created_by ?? null;
  k.expiresAt = row.expires_at ?? null;
  k.revokedAt = row.revoked_at ?? null;
  k.lastUsedAt = row.last_used_at ?? null;
  k.active = Boolean(row.active);
  return k;
}
