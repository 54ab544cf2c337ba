/**
 * A vendor's sync of campuses and staff into a local JSON file that survives restarts: the
 * first run loads everything, each later run applies only what changed since the stored
 * cursor. Run it on a schedule (e.g. every 5 minutes).
 *
 *   HUB_URL=http://localhost:4000/graphql HUB_API_KEY=hub_... STORE=./hub-store.json node sync-to-file.js
 */
import fs from 'node:fs';
import { createHubClient, SyncEntity } from '@edu-group-hub/sdk';

type Kind = 'Campus' | 'Staff';

interface Store {
  cursor: string | null;
  campuses: Record<string, SyncEntity<'Campus'>>;
  staff: Record<string, SyncEntity<'Staff'>>;
}

const file = process.env.STORE ?? 'hub-store.json';

function load(): Store {
  if (!fs.existsSync(file)) return { cursor: null, campuses: {}, staff: {} };
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Store;
}

/** Write to a temporary file, then rename: a crash never leaves half a store. */
function save(store: Store): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(store));
  fs.renameSync(`${file}.tmp`, file);
}

export async function syncToFile(): Promise<{ cursor: string | null; upserts: number; deletes: number; resynced: boolean; campuses: number; staff: number }> {
  const hub = createHubClient({ url: process.env.HUB_URL ?? 'http://localhost:4000/graphql', apiKey: process.env.HUB_API_KEY, userAgent: 'example-mis/1.0' });
  const store = load();
  const result = await hub.sync<Kind>({
    cursor: store.cursor,
    entityTypes: ['Campus', 'Staff'],
    onUpsert(entity) {
      if (entity.__typename === 'Campus') store.campuses[entity.id] = entity;
      else store.staff[entity.id] = entity;
    },
    onDelete({ entityType, entityId }) {
      if (entityType === 'Campus') delete store.campuses[entityId];
      else delete store.staff[entityId];
    },
    onResync() {
      // The cursor is older than the hub's feed keeps: start over from an empty store.
      store.campuses = {};
      store.staff = {};
    },
    onPage(cursor) {
      // Progress survives a failure on a later page.
      store.cursor = cursor;
      save(store);
    },
  });
  store.cursor = result.cursor;
  save(store);
  return { ...result, campuses: Object.keys(store.campuses).length, staff: Object.keys(store.staff).length };
}

if (process.argv[1] && /sync-to-file\.[cm]?js$/.test(process.argv[1])) {
  syncToFile().then((r) => console.log(JSON.stringify(r)), (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
