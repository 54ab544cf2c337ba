import { Arg, Ctx, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { callerKeys } from '../access/audience';
import { kindOf } from '../access/scope';
import { hydrate } from '../db/rows';
import { and, raw, sql, Sql } from '../db/sql';
import { connectionTypes, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { ChangeOperation } from '../graphql/enums';
import { badInput, hubError } from '../graphql/errors';
import { decodeId, encodeId } from '../graphql/ids';
import { Node } from '../graphql/node';
import { loadNode, NODE_TYPES } from '../graphql/node-resolver';
import { DateTime } from '../graphql/scalars';
import { AuditEntryRow, ChangeEvent } from './entity';
import { retentionDays } from './retention';

export const { Connection: AuditEntryConnection } = connectionTypes(AuditEntryRow, 'AuditEntry');

@ObjectType({ description: 'One change to one entity, in commit order: the basis of incremental sync.' })
export class Change {
  row: ChangeEvent;
  @Field({ description: 'Strictly increasing across all changes; resume with changes(after: <last cursor>).' })
  cursor: string;
  @Field() entityType: string;
  @Field(() => ID) entityId: string;
  @Field(() => String, {
    nullable: true,
    description: "The entity's natural key where it has one (school code, jurisdiction code, staff externalId), kept on deletes.",
  })
  naturalKey: string | null;
  @Field(() => ChangeOperation) operation: ChangeOperation;
  @Field(() => DateTime) at: Date;
}

@ObjectType()
export class ChangeConnection {
  @Field(() => [Change]) changes: Change[];
  @Field(() => String, { nullable: true, description: 'Pass to after: to continue; unchanged when nothing new has happened.' })
  endCursor: string | null;
  @Field() hasMore: boolean;
}

/**
 * Feed cursors are (transaction id, sequence). Only entries of transactions older than the
 * oldest one still running are served (txid < pg_snapshot_xmin), so an entry can never
 * appear behind a cursor a reader has already passed, whatever the commit order.
 */
function encodeFeedCursor(e: ChangeEvent): string {
  return Buffer.from(`f:${e.txid}:${e.seq}:${Math.floor(new Date(e.at).getTime() / 1000)}`).toString('base64url');
}

/** The cursor's position, and when its entry was written (for the retention check). */
function decodeFeedCursor(c: string): { txid: string; seq: string; at: number } {
  const m = /^f:(\d{1,19}):(\d{1,18}):(\d{1,12})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) throw badInput('after', 'after is not a cursor returned by changes');
  return { txid: m[1], seq: m[2], at: Number(m[3]) };
}

/**
 * Which feed entries the caller reads, and as what: entries of kinds it may read whose keys it
 * shares (server/access/audience.ts, the scope of record as keys: a GIN index lookup), and, as
 * a DELETE, entries whose prior keys it shares but whose keys it no longer does (the entity
 * left its scope). Applied in SQL, before the page is cut.
 */
/** An entry's columns as served (not its audience keys: two text arrays per row that nobody reads back, bench/: e-full). */
const FEED_COLUMNS = raw('e.seq, e.txid, e.at, e.entity_type, e.entity_id, e.natural_key');

function readerFilter(ctx: Context, e: string, keys: Sql): Sql {
  const types = Object.entries(NODE_TYPES).filter(([, entity]) => ctx.scope.canRead(kindOf(entity))).map(([type]) => type);
  return sql`${raw(e)}.entity_type = ANY(${types}::text[]) AND (${raw(e)}.audience && ${keys} OR ${raw(e)}.prior_audience && ${keys})`;
}

/**
 * The feed's head: the cursor of the newest entry a reader could be served now (txid below
 * pg_snapshot_xmin), so a reader that lists the entities and then follows changes from here
 * misses nothing written after it read the head. Computed over every entry, whatever the
 * caller's scope or entityTypes: a cursor is only a position (it reveals when the feed last
 * moved, never what changed). The cursor is the very one a full read reaches (same entry,
 * same string), except that it is stamped no older than a day before now: a head read from a
 * feed quiet for longer than the retention window must not answer RESYNC_REQUIRED at once,
 * and nothing can be written behind it more than a day late (no transaction runs that long).
 * Null when no entry can be served yet: follow from no cursor then.
 */
async function headCursor(ctx: Context): Promise<string | null> {
  const [head] = await ctx.db.query(sql`
    SELECT e.txid::text AS txid, e.seq, GREATEST(e.at, now() - interval '1 day') AS at FROM change_event e
    WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY e.txid DESC, e.seq DESC LIMIT 1`);
  return head ? encodeFeedCursor({ txid: head.txid, seq: head.seq, at: head.at } as ChangeEvent) : null;
}

@Resolver(() => Change)
export class ChangeResolver {
  @Query(() => ChangeConnection, {
    description:
      'Changes since a cursor, oldest first, to what the caller may see (deletes included); a cursor older than the retention window answers RESYNC_REQUIRED. first: 0 answers no changes and the head cursor as endCursor (the newest entry that can be served now, whatever the caller may see): list the entities, then follow changes from it.',
  })
  async changes(
    @Ctx() ctx: Context,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 500 }) first = 500,
    @Arg('entityTypes', () => [String], { nullable: true }) entityTypes?: string[],
  ): Promise<ChangeConnection> {
    if (!Number.isInteger(first) || first < 0 || first > 5000) throw badInput('first', 'first must be between 0 and 5000');
    const from = after ? decodeFeedCursor(after) : null;
    if (first === 0) return { changes: [], endCursor: await headCursor(ctx), hasMore: false };
    // Retention is about when entries were written: the real clock, not the request's fixed "now" (HUB_NOW).
    if (from && from.at * 1000 < Date.now() - retentionDays() * 86_400_000) {
      throw hubError('RESYNC_REQUIRED', `the cursor is older than the change feed's ${retentionDays()}-day retention: read the lists again, then follow changes from no cursor`);
    }
    const keys = sql`(${callerKeys(ctx.scope.caller)})`;
    const rows = await ctx.db.query(sql`
      SELECT ${FEED_COLUMNS}, CASE WHEN e.audience && ${keys} THEN e.operation ELSE 'DELETE' END AS operation FROM change_event e
      WHERE ${and([
        sql`e.txid < pg_snapshot_xmin(pg_current_snapshot())`,
        from && sql`(e.txid, e.seq) > (${from.txid}::xid8, ${from.seq}::bigint)`,
        entityTypes && sql`e.entity_type = ANY(${entityTypes}::text[])`,
        readerFilter(ctx, 'e', keys),
      ])}
      ORDER BY e.txid, e.seq LIMIT ${first + 1}`);
    const events = rows.slice(0, first).map((r) => hydrate(ctx.db.ds, ChangeEvent, r));
    const changes = events.map((e) => ({
      row: e,
      cursor: encodeFeedCursor(e),
      entityType: e.entityType,
      entityId: encodeId(e.entityType, e.entityId),
      naturalKey: e.naturalKey,
      operation: e.operation,
      at: e.at,
    }));
    return { changes, endCursor: changes.length ? changes[changes.length - 1].cursor : after ?? null, hasMore: rows.length > first };
  }

  @FieldResolver(() => Node, { nullable: true, description: 'The entity as it is now, when it still exists and the caller may see it.' })
  node(@Root() c: Change, @Ctx() ctx: Context) {
    return c.operation === 'DELETE' ? null : loadNode(ctx, c.entityId);
  }

  @Query(() => AuditEntryConnection, { description: "Audit trail of writes within the caller's scope, newest first; bureau admins only." })
  auditLog(
    @Ctx() ctx: Context,
    @Arg('entityId', () => ID, { nullable: true }) entityId?: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const target = entityId ? decodeId(entityId) : null;
    const where = and([
      ctx.scope.visible('AuditEntry', 'a'),
      entityId && (target ? sql`a.entity_id = ${target.uuid}::uuid AND a.entity_type = ${target.type}` : sql`FALSE`),
    ]);
    return paginate(ctx, { ...tableSpec(AuditEntryRow as never, 'audit_entry', 'a', where), descending: true }, { first, after });
  }
}
