import { DataSource } from 'typeorm';
import { entityKeys } from '../access/audience';
import { kindOf } from '../access/scope';
import { Db } from '../db/datasource';
import { tableOf } from '../db/rows';
import { raw, sql, Sql } from '../db/sql';
import { NODE_TYPES } from '../graphql/node-resolver';

/**
 * Who each feed entry is for (server/access/audience.ts): an entry carries its entity's keys as
 * its write left them (`audience`) and as the entity's previous entry had them
 * (`prior_audience`). A caller reads an entry whose keys it shares; one whose prior keys it
 * shares but whose current keys it no longer does is, for that caller, a DELETE: the entity
 * left its scope.
 */

function tableOfType(ds: DataSource, entityType: string): string {
  const entity = NODE_TYPES[entityType];
  if (!entity) throw new Error(`${entityType} is not an entity of the change feed`);
  return tableOf(ds, entity);
}

/** The keys of entity `id` (a uuid expression) of this type, as it stands now. */
export function keysNow(ds: DataSource, entityType: string, id: Sql): Sql {
  const kind = kindOf(NODE_TYPES[entityType]);
  return sql`(SELECT ${entityKeys(kind, 'kt')} FROM ${raw(tableOfType(ds, entityType))} kt WHERE kt.id = ${id})`;
}

/** The keys the entity's latest entry carries: what readers last learned of its audience. */
export const lastKeys = (id: Sql) =>
  sql`coalesce((SELECT p.audience FROM change_event p WHERE p.entity_id = ${id} ORDER BY p.txid DESC, p.seq DESC LIMIT 1), '{}'::text[])`;

/**
 * Re-announces entities whose audience a write changed without writing them (a membership
 * that starts or ends moves its campus's staff in or out of the supervising bureau's scope):
 * an UPSERT entry for each whose keys now differ from its latest entry's, so readers that
 * gain it receive it and readers that lose it receive a DELETE.
 */
export async function reannounce(db: Db, entityType: string, ids: Sql): Promise<void> {
  const kind = kindOf(NODE_TYPES[entityType]);
  await db.query(sql`
    INSERT INTO change_event (entity_type, entity_id, natural_key, operation, audience, prior_audience)
    SELECT ${entityType}, t.id, p.natural_key, 'UPSERT', k.keys, coalesce(p.audience, '{}'::text[])
    FROM ${raw(tableOfType(db.ds, entityType))} t
    CROSS JOIN LATERAL (SELECT ${entityKeys(kind, 't')} AS keys) k
    LEFT JOIN LATERAL (SELECT e.audience, e.natural_key FROM change_event e WHERE e.entity_id = t.id ORDER BY e.txid DESC, e.seq DESC LIMIT 1) p ON TRUE
    WHERE t.id IN (${ids}) AND k.keys IS DISTINCT FROM p.audience
    ORDER BY t.id`);
}

/**
 * After a change to groups' memberships or campuses' places: everything whose scope hangs on
 * them (DOMAIN.md "Who sees what") is re-announced where its audience moved.
 */
export async function reannounceAround(db: Db, opts: { groups?: string[]; campuses?: string[] }): Promise<void> {
  const groups = opts.groups ?? [];
  const campuses = opts.campuses ?? [];
  const g = sql`${groups}::uuid[]`;
  const c = sql`${campuses}::uuid[]`;
  // Writes of these campuses' staff take the campus row FOR SHARE: they finish before the keys are
  // recomputed here, or start after this transaction, so none is keyed from a stale state.
  await db.query(sql`SELECT 1 FROM campus WHERE id = ANY(${c}) ORDER BY id FOR UPDATE`);
  await reannounce(db, 'EducationGroup', sql`SELECT unnest(${g})`);
  await reannounce(db, 'ResourceLibrary', sql`SELECT id FROM resource_library WHERE group_id = ANY(${g})`);
  await reannounce(db, 'Resource', sql`SELECT r.id FROM resource r JOIN resource_library l ON l.id = r.library_id WHERE l.group_id = ANY(${g})`);
  await reannounce(db, 'Campus', sql`SELECT unnest(${c})`);
  await reannounce(db, 'School', sql`SELECT school_id FROM campus WHERE id = ANY(${c})`);
  await reannounce(db, 'Staff', sql`SELECT id FROM staff WHERE home_campus_id = ANY(${c})`);
  await reannounce(db, 'GroupMembership', sql`SELECT id FROM group_membership WHERE campus_id = ANY(${c}) OR group_id = ANY(${g})`);
  await reannounce(db, 'Posting', sql`SELECT id FROM posting WHERE from_campus_id = ANY(${c}) OR to_campus_id = ANY(${c})`);
  await reannounce(db, 'Evaluation', sql`SELECT id FROM evaluation WHERE campus_id = ANY(${c}) OR group_id = ANY(${g})`);
}

/**
 * Gives entries written without keys (reference data, the demo's bulk load, entries older
 * than the keys) the keys of their entity as it stands. Idempotent; run at every start.
 */
export async function keyUnkeyedEntries(ds: DataSource): Promise<void> {
  for (const entityType of Object.keys(NODE_TYPES)) {
    const kind = kindOf(NODE_TYPES[entityType]);
    const { text, values } = sql`UPDATE change_event e SET audience = ${entityKeys(kind, 't')}
      FROM ${raw(tableOfType(ds, entityType))} t
      WHERE e.entity_type = ${entityType} AND e.entity_id = t.id AND e.audience = '{}'::text[]`.render();
    await ds.query(text, values);
  }
}
