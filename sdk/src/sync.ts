import type { HubClient, RequestOptions } from './client.js';
import { HubError } from './errors.js';
import type { ChangesQuery } from './generated/types.js';

type ChangeRow = ChangesQuery['changes']['changes'][number];

/** Kinds the change feed carries (and sync can deliver). */
export type SyncEntityType = Exclude<keyof ChangeRow, 'cursor' | 'entityType' | 'entityId' | 'naturalKey' | 'operation' | 'at'>;

export const SYNC_ENTITY_TYPES: readonly SyncEntityType[] = [
  'Jurisdiction', 'School', 'Campus', 'Staff', 'EducationGroup', 'GroupMembership', 'Posting',
  'ResourceLibrary', 'Resource', 'EvaluationCycle', 'Evaluation', 'ApiClient', 'GroupGrade', 'ReviewCase',
];

/** The entity of a kind as the feed delivers it (the kind's fragment, e.g. StaffFields), with __typename. */
export type SyncEntity<K extends SyncEntityType = SyncEntityType> = {
  [P in K]: Extract<NonNullable<ChangeRow[P]>, { __typename: P; id: string }>;
}[K];

/** Where in the feed a callback's change sits. */
export interface ChangeInfo<K extends SyncEntityType = SyncEntityType> {
  entityType: K;
  entityId: string;
  /** School code, jurisdiction code, staff externalId...: kept on deletes, to find your own row. */
  naturalKey: string | null;
  /** The feed's cursor just after this change. */
  cursor: string;
  at: string;
}

export interface SyncDelete<K extends SyncEntityType = SyncEntityType> extends ChangeInfo<K> {
  /**
   * DELETE: the entity was deleted or left what you may see. UPSERT: an update whose entity
   * is no longer there to read (deleted since, or out of your sight now): drop your copy too.
   */
  operation: 'DELETE' | 'UPSERT';
}

export interface SyncOptions<K extends SyncEntityType = SyncEntityType> extends RequestOptions {
  /** The cursor the last sync returned; none: every live entity you may see (a full load). */
  cursor?: string | null;
  /** Kinds to follow; default every kind. */
  entityTypes?: K[];
  /** Changes per request (1-5000); default 500. */
  pageSize?: number;
  /** An entity was created or changed: store it (replays are possible: make this idempotent). */
  onUpsert: (entity: SyncEntity<K>, change: ChangeInfo<K>) => unknown;
  /** An entity is gone for you: remove it (it may already be gone: make this idempotent). */
  onDelete: (change: SyncDelete<K>) => unknown;
  /**
   * The stored cursor is older than the feed keeps: clear what you stored; sync then loads
   * everything again from no cursor. Without it, sync throws the RESYNC_REQUIRED HubError.
   */
  onResync?: () => unknown;
  /** After each page was handled: store `cursor` here to keep progress if a later page fails. */
  onPage?: (cursor: string) => unknown;
}

export interface SyncResult {
  /** Store it and pass it to the next sync; null only when nothing was ever in the feed. */
  cursor: string | null;
  upserts: number;
  deletes: number;
  resynced: boolean;
}

/**
 * Follows `changes` in feed order until caught up. Each page is one request: every change
 * carries its entity as it is now (the Changes operation aliases node per kind), so entities
 * come in batches with their changes. Callbacks run one at a time, in feed order.
 */
export async function sync<K extends SyncEntityType>(hub: HubClient, opts: SyncOptions<K>): Promise<SyncResult> {
  const entityTypes: SyncEntityType[] = opts.entityTypes?.length ? opts.entityTypes : [...SYNC_ENTITY_TYPES];
  // Only the followed kinds' entities are selected: the others would cost (rate-limit points) for nothing.
  const include = Object.fromEntries(SYNC_ENTITY_TYPES.map((k) => [`with${k}`, entityTypes.includes(k)]));
  let after: string | null = opts.cursor ?? null;
  const result: SyncResult = { cursor: after, upserts: 0, deletes: 0, resynced: false };
  for (;;) {
    let page: ChangesQuery['changes'];
    try {
      page = await hub.changes({ after, first: opts.pageSize ?? 500, entityTypes, ...include }, { signal: opts.signal });
    } catch (e) {
      // Once only, and only for a stored cursor: from no cursor there is nothing older to drop.
      if (!(e instanceof HubError) || e.code !== 'RESYNC_REQUIRED' || after === null || result.resynced || !opts.onResync) throw e;
      await opts.onResync();
      result.resynced = true;
      after = null;
      continue;
    }
    for (const change of page.changes) {
      const kind = change.entityType as K;
      if (!entityTypes.includes(kind)) continue; // a kind this SDK does not know yet
      const info: ChangeInfo<K> = { entityType: kind, entityId: change.entityId, naturalKey: change.naturalKey, cursor: change.cursor, at: change.at };
      // The alias of its kind; the others hold only a __typename.
      const entity = (change as unknown as Record<string, { __typename?: string } | null | undefined>)[kind];
      if (change.operation === 'UPSERT' && entity && entity.__typename === kind) {
        await opts.onUpsert(entity as SyncEntity<K>, info);
        result.upserts++;
      } else {
        await opts.onDelete({ ...info, operation: change.operation });
        result.deletes++;
      }
    }
    after = page.endCursor ?? after;
    result.cursor = after;
    if (after !== null && page.changes.length) await opts.onPage?.(after);
    if (!page.hasMore) return result;
  }
}
