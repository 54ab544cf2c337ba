import { DatabaseError } from 'pg';
import { Db, isStalePlan, transaction } from '../db/datasource';
import { hydrate } from '../db/rows';
import { newId } from '../db/ids';
import { sql, Sql } from '../db/sql';
import { keysNow, lastKeys, reannounce, reannounceAround } from '../feed/audience';
import type { Context } from '../graphql/context';
import { ChangeOperation } from '../graphql/enums';
import { hubError } from '../graphql/errors';

/**
 * Every write is one transaction: its rows, its audit entries and its change-feed entries
 * commit together or not at all. Rules that span rows take row locks (`lock`), and the unique
 * indexes of the schema are the last line (a violation becomes CONFLICT). Serialization
 * failures and deadlocks are retried.
 */
export class Writer {
  /** The request's context bound to this transaction: every read here sees (and waits on) its locks. */
  readonly ctx: Context;

  constructor(requestCtx: Context, db: Db) {
    this.ctx = requestCtx.onTransaction(db);
    running.set(this.ctx, this);
  }

  /** Rows of any statement, RETURNING included. */
  query<T = any>(q: Sql): Promise<T[]> {
    return this.ctx.db.query<T>(q);
  }

  one<T = any>(q: Sql): Promise<T | undefined> {
    return this.ctx.db.one<T>(q);
  }

  /**
   * Serialises writers of one natural key (e.g. a staff member's school + externalId) until
   * this transaction ends, so concurrent first upserts take turns instead of colliding.
   */
  async lockKey(kind: string, key: string): Promise<void> {
    await this.query(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${kind}:${key}`}, 0))`);
  }

  /** Re-announces entities whose audience this write moved without writing them (feed/audience.ts). */
  reannounce(entityType: string, ids: string[]): Promise<void> {
    return reannounce(this.ctx.db, entityType, sql`SELECT unnest(${ids}::uuid[])`);
  }

  /** After memberships or campus places changed: re-announces what their readers gain or lose (feed/audience.ts). */
  reannounceAround(opts: { groups?: string[]; campuses?: string[] }): Promise<void> {
    return reannounceAround(this.ctx.db, opts);
  }

  /** Rows as entities (for returning what was written). */
  row<T>(entity: new () => T, raw: Record<string, unknown>): T {
    return hydrate(this.ctx.db.ds, entity, raw);
  }

  /**
   * Records the write: an audit entry (actor, action, entity, before/after of the changed
   * fields) and a change-feed entry, in this transaction.
   */
  async record(opts: {
    action: string;
    entityType: string;
    entityId: string;
    before?: Record<string, unknown> | null;
    after?: Record<string, unknown> | null;
    /** Where it happened: ids, or a query of them (then read in the same statement, one round trip less). */
    jurisdictionIds: string[] | Sql;
    naturalKey?: string | null;
    operation?: ChangeOperation;
    /** false for records that are not API entities (e.g. a jurisdiction's policy): audited only. */
    feed?: boolean;
  }): Promise<void> {
    const diff = changedFields(opts.before ?? null, opts.after ?? null);
    const c = this.ctx.scope.caller;
    const audit = sql`INSERT INTO audit_entry (id, actor, action, entity_type, entity_id, jurisdiction_ids, diff)
      VALUES (${newId()}, ${`${c.role}:${c.subject}`}, ${opts.action}, ${opts.entityType}, ${opts.entityId},
        ${opts.jurisdictionIds instanceof Sql ? sql`ARRAY(${opts.jurisdictionIds})` : [...new Set(opts.jurisdictionIds)]}, ${JSON.stringify(diff)})`;
    if (opts.feed === false) {
      await this.query(audit);
      return;
    }
    // Who the entry is for: the entity's keys now, and those its readers last learned (feed/audience.ts).
    // One statement with the audit entry (one round trip less per write, bench/).
    const id = sql`${opts.entityId}::uuid`;
    await this.query(sql`WITH audited AS (${audit})
      INSERT INTO change_event (entity_type, entity_id, natural_key, operation, audience, prior_audience)
      VALUES (${opts.entityType}, ${opts.entityId}, ${opts.naturalKey ?? null}, ${opts.operation ?? 'UPSERT'},
        coalesce(${keysNow(this.ctx.db.ds, opts.entityType, id)}, '{}'::text[]), ${lastKeys(id)})`);
  }
}

const NOT_AUDITED = ['created_at', 'updated_at', 'national_id_cipher', 'home_jurisdiction_id', 'group_jurisdiction_id', 'campus_jurisdiction_id'];

/** Only the fields that differ, as { before: {...}, after: {...} }. */
function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null) {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of keys) {
    // Kept by the database, not written: timestamps, the ciphertext (its change is audited as
    // national_id), and copies derived from another row (staff.home_jurisdiction_id: the home campus's;
    // group_membership.group_jurisdiction_id and campus_jurisdiction_id: the group's and the campus's).
    if (NOT_AUDITED.includes(k)) continue;
    const x = before?.[k] ?? null;
    const y = after?.[k] ?? null;
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      if (before) b[k] = x;
      if (after) a[k] = y;
    }
  }
  return { before: before ? b : null, after: after ? a : null };
}

const RETRYABLE = new Set(['40001', '40P01']);

/** The writer of each transaction in progress, by the context bound to it (`Writer.ctx`). */
const running = new WeakMap<Context, Writer>();

/**
 * Runs `fn` in one transaction for this request's caller, retrying serialization failures.
 * Called with a transaction's own context (`w.ctx`), `fn` joins that transaction: a write that
 * performs another mutation as its consequence (a review case's decision dissolving the group)
 * stays one transaction, retried (or rolled back) as a whole by the outermost `write`.
 */
export async function write<T>(ctx: Context, fn: (w: Writer) => Promise<T>): Promise<T> {
  const joined = running.get(ctx);
  if (joined) return fn(joined);
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction(ctx.db.ds, ctx.stats, (db) => fn(new Writer(ctx, db)));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code && RETRYABLE.has(code) && attempt < 5) {
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
        continue;
      }
      // A statement prepared before a migration changed its columns: again at once, on a renewed connection.
      if (isStalePlan(e) && attempt < 5) continue;
      throw translate(e);
    }
  }
}

/** Database rule violations a client can act on; anything else stays internal. */
function translate(e: unknown): unknown {
  if (!(e instanceof DatabaseError)) return e;
  const d = e;
  const constraint = d.constraint ?? '';
  const known: Record<string, [string, string, string]> = {
    membership_one_active_per_campus: ['POLICY_VIOLATION', 'campusId', 'the campus is already an active member of another group'],
    membership_one_open_per_group_campus: ['CONFLICT', 'campusId', 'the campus already has an open application or membership in this group'],
    posting_one_open_per_staff: ['CONFLICT', 'input.staffId', 'this person already has a PLANNED or ACTIVE posting'],
    school_code_key: ['CONFLICT', 'input.code', 'a school with this code already exists'],
    campus_school_id_name_key: ['CONFLICT', 'input.name', 'the school already has a campus with this name'],
    staff_school_id_external_id_key: ['CONFLICT', 'input.externalId', 'the school already has staff with this externalId'],
    resource_library_group_id_name_key: ['CONFLICT', 'input.name', 'the group already has a library with this name'],
    evaluation_one_per_group_target: ['CONFLICT', 'input.targetId', 'this target already has an evaluation by this evaluator kind in the cycle'],
    evaluation_one_per_campus_target: ['CONFLICT', 'input.targetId', 'this target already has an evaluation by this evaluator kind in the cycle'],
    membership_approval_membership_id_authority_key: ['CONFLICT', 'id', 'this authority has already decided'],
  };
  const hit = known[constraint];
  if (hit) return hubError(hit[0] as never, hit[2], { field: hit[1] });
  if (d?.code === '23505') return hubError('CONFLICT', 'conflicts with an existing record');
  return e;
}
