import pg from 'pg';
import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { newId } from '../server/db/ids';
import { As, Client, startHub, TestHub } from './support/hub';

/**
 * The change feed's head cursor: changes(first: 0) answers where the feed ends now, so a vendor
 * can list the entities and then follow the feed from there without reading it all.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const spBureau: As = { sub: 't:sp', role: 'BUREAU_ADMIN', jurisdiction: '640502' };
const HEAD = `{ changes(first: 0) { endCursor hasMore changes { entityId } } }`;
const FOLLOW = `query($after: String, $first: Int) { changes(after: $after, first: $first) { endCursor hasMore changes { cursor entityType naturalKey operation } } }`;

let schoolSeq = 0;
/**
 * A committed write the feed records: a new school in 沙坡头区 with its main campus, two UPSERT
 * entries; returns their natural keys in feed order (the school's code, then "code/campus name").
 */
async function writeSchool(): Promise<string[]> {
  const code = `21640502${String(70 + schoolSeq++).padStart(2, '0')}`;
  const name = `沙坡头区测试学校${code}`;
  await hub.as(spBureau).data(`mutation($input: UpsertSchoolInput!) { upsertSchool(input: $input) { id } }`, {
    input: { code, name, type: 'PRIMARY', typeCode: '211', jurisdictionCode: '640502' },
  });
  return [code, `${code}/${name}`];
}

async function head(c: Client = hub): Promise<string | null> {
  const d = await c.data(HEAD);
  expect(d.changes).toMatchObject({ hasMore: false, changes: [] });
  return d.changes.endCursor;
}

/** Reads the feed from `after` to its end, as `c`; returns every entry and the last endCursor. */
async function readAll(c: Client, after: string | null = null) {
  const entries: any[] = [];
  for (;;) {
    const d = await c.data(FOLLOW, { after, first: 5000 });
    entries.push(...d.changes.changes);
    after = d.changes.endCursor;
    if (!d.changes.hasMore) return { entries, endCursor: after };
  }
}

async function vendorOf(jurisdiction: string, scopes: string[]): Promise<Client> {
  const key = newApiKey();
  const [{ id }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [jurisdiction]);
  await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash) VALUES ($1, $2, 'VENDOR', $3, '{}', $4, $5)`,
    [newId(), `head vendor ${jurisdiction}`, id, scopes, hashApiKey(key)]);
  return hub.as({ apiKey: key });
}

test('after a write, the head cursor is the endCursor a full read reaches', async () => {
  await writeSchool();
  const h = await head();
  const full = await readAll(hub);
  expect(full.entries.length).toBeGreaterThan(0);
  expect(h).toBe(full.endCursor);
  // and it is the cursor of the newest entry: nothing follows it
  expect(full.entries[full.entries.length - 1].cursor).toBe(h);
  expect((await hub.data(FOLLOW, { after: h, first: 10 })).changes).toEqual({ endCursor: h, hasMore: false, changes: [] });
});

test('following from the head sees only the writes made after it', async () => {
  const before = await writeSchool();
  const h = await head();
  const a = await writeSchool();
  const b = await writeSchool();
  const { entries } = await readAll(hub, h);
  expect(entries.map((e) => e.naturalKey)).toEqual([...a, ...b]);
  expect(entries.map((e) => e.naturalKey)).not.toContain(before[0]);
  // The head moved to the last of them.
  expect(await head()).toBe(entries[entries.length - 1].cursor);
});

test('the head is a position, the same for every caller and entity type filter', async () => {
  await writeSchool();
  const h = await head();
  // A vendor in another province cannot see the school just written, nor read schools at all here.
  const far = await vendorOf('110101', ['staff:read']);
  expect(await head(far)).toBe(h);
  const filtered = await hub.data(`{ changes(first: 0, entityTypes: ["Staff"]) { endCursor } }`);
  expect(filtered.changes.endCursor).toBe(h);
  // Following from it, the far vendor sees nothing of a later write in 沙坡头区 ...
  await writeSchool();
  expect((await far.data(FOLLOW, { after: h, first: 10 })).changes.changes).toEqual([]);
  // ... while a vendor of that county with campus:read sees the school.
  const near = await vendorOf('640502', ['campus:read']);
  const seen = await near.data(FOLLOW, { after: h, first: 10 });
  expect(seen.changes.changes.map((c: any) => [c.entityType, c.operation])).toEqual([['School', 'UPSERT'], ['Campus', 'UPSERT']]);
});

test('entries of transactions still running do not count: the head stops below them', async () => {
  await writeSchool();
  const h0 = await head();
  // A transaction holding an xid stays open: everything committed after it lies above the watermark.
  const open = new pg.Client({ connectionString: hub.databaseUrl });
  await open.connect();
  try {
    await open.query('BEGIN');
    await open.query('SELECT pg_current_xact_id()');
    const later = await writeSchool();
    expect(await head()).toBe(h0);
    expect((await hub.data(FOLLOW, { after: h0, first: 10 })).changes.changes).toEqual([]);
    await open.query('COMMIT');
    const h1 = await head();
    expect(h1).not.toBe(h0);
    const { entries } = await readAll(hub, h0);
    expect(entries.map((e) => e.naturalKey)).toEqual(later);
    expect(entries[entries.length - 1].cursor).toBe(h1);
  } finally {
    await open.end();
  }
});

test('first must lie between 0 and 5000; a forged after is still refused', async () => {
  for (const first of [-1, 5001]) {
    const r = await hub.gql(`query($f: Int) { changes(first: $f) { endCursor } }`, { f: first });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  }
  const r = await hub.gql(`{ changes(first: 0, after: "bm90LWEtY3Vyc29y") { endCursor } }`);
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
});

test('a feed quiet for longer than the retention window still gives a head to follow', async () => {
  // Every entry written long ago (past the 90-day window): a cursor stamped with its entry's
  // time would answer RESYNC_REQUIRED at once; the head is stamped no older than a day.
  const h0 = await head();
  await writeSchool();
  await hub.ds.query(`UPDATE change_event SET at = at - interval '200 days'`);
  // A reader (whose cursor h0 predates the aging) reaches the end: its endCursor carries the entry's time.
  const caughtUp = await hub.data(FOLLOW, { after: h0, first: 10 });
  expect(caughtUp.changes.changes).toHaveLength(2);
  const stale = await hub.gql(FOLLOW, { after: caughtUp.changes.endCursor, first: 10 });
  expect(stale.errors?.[0].extensions?.code).toBe('RESYNC_REQUIRED');
  const h = await head();
  const fresh = await hub.data(FOLLOW, { after: h, first: 10 });
  expect(fresh.changes).toEqual({ endCursor: h, hasMore: false, changes: [] });
  const keys = await writeSchool();
  expect((await readAll(hub, h)).entries.map((e) => e.naturalKey)).toEqual(keys);
});

test('an empty feed has no head: follow from no cursor', async () => {
  await hub.ds.query(`DELETE FROM change_event`);
  expect(await head()).toBeNull();
});
