import pg from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource, Db, isStalePlan, RequestStats, transaction } from '../server/db/datasource';
import { sql } from '../server/db/sql';
import { encodeId } from '../server/graphql/ids';
import { write } from '../server/writes/transaction';
import { startHub, TestHub } from './support/hub';

/**
 * A write's transaction (db/datasource.ts `transaction`): BEGIN, prepared statements, COMMIT,
 * ROLLBACK on any failure. What a failure leaves behind, over HTTP and on a pool of one
 * connection (where a connection left in a bad state would show at once).
 */
let hub: TestHub;
let admin: pg.Client;
let groupUuid: string;
let groupId: string;
const SP_BUREAU = { sub: 'test:sp-bureau', role: 'BUREAU_ADMIN' as const, jurisdiction: '640502' };
const RENAME = `mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { id name } }`;

beforeAll(async () => {
  hub = await startHub({ writes: true, statementTimeoutMs: 1500 });
  admin = new pg.Client({ connectionString: hub.databaseUrl });
  await admin.connect();
  const [g] = (await admin.query(`SELECT id::text FROM education_group WHERE name = '中卫市第四中学教育集团'`)).rows;
  groupUuid = g.id;
  groupId = encodeId('EducationGroup', groupUuid);
});
afterAll(async () => {
  await admin?.end();
  await hub?.stop();
});

const nameNow = async () => (await admin.query(`SELECT name FROM education_group WHERE id = $1`, [groupUuid])).rows[0].name as string;
const idleInTransaction = async () =>
  (await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
    AND application_name = 'edu-group-hub' AND state LIKE 'idle in transaction%'`)).rows[0].n as number;
const counts = async () => (await admin.query(`SELECT (SELECT count(*) FROM audit_entry)::int AS a, (SELECT count(*) FROM change_event)::int AS c`)).rows[0];
const rename = (name: string) => hub.as(SP_BUREAU).gql(RENAME, { id: groupId, input: { name } });

describe('over HTTP', () => {
  test('a write whose later statement times out leaves nothing, no connection in a transaction, and the next write works', async () => {
    const before = await nameNow();
    const c0 = await counts();
    // The rename's UPDATE runs; its audit entry waits on this lock until the statement timeout.
    const locker = new pg.Client({ connectionString: hub.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_entry IN EXCLUSIVE MODE');
    const r = await rename(`${before}-timeout`);
    await locker.query('ROLLBACK');
    await locker.end();
    expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(await nameNow()).toBe(before);
    expect(await counts()).toEqual(c0);
    expect(await idleInTransaction()).toBe(0);
    expect((await rename(`${before}-after`)).errors).toBeUndefined();
    expect(await nameNow()).toBe(`${before}-after`);
  });

  test('200 writes failing after their row lock (a NUL in the name) leave nothing, and writes then work', async () => {
    const before = await nameNow();
    const c0 = await counts();
    const failed = [];
    for (let round = 0; round < 10; round++) failed.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => rename(`bad\u0000${round}-${i}`)))));
    expect(failed.filter((r) => !r.errors?.length)).toEqual([]);
    expect(await nameNow()).toBe(before);
    expect(await counts()).toEqual(c0);
    expect(await idleInTransaction()).toBe(0);
    const ok = await Promise.all(Array.from({ length: 25 }, (_, i) => rename(`${before}-ok${i}`)));
    expect(ok.map((r) => r.errors)).toEqual(ok.map(() => undefined));
  });

  test('after a migration adds a column to a table its prepared statements read with *, writes and reads still answer', async () => {
    // Prepare the rename's statements (SELECT g.* ... FOR UPDATE, UPDATE ... RETURNING *) on the pool's connections.
    await Promise.all(Array.from({ length: 8 }, (_, i) => rename(`warm-${i}`)));
    await admin.query(`ALTER TABLE education_group ADD COLUMN added_by_a_migration int`);
    try {
      // Concurrent and one after another: the first to meet the stale statement renews the pool's connections and is retried.
      const together = await Promise.all(Array.from({ length: 8 }, (_, i) => rename(`together-${i}`)));
      expect(together.map((r) => r.errors)).toEqual(together.map(() => undefined));
      for (let i = 0; i < 5; i++) expect((await rename(`after-${i}`)).errors).toBeUndefined();
      expect(await nameNow()).toBe('after-4');
      const read = await hub.as(SP_BUREAU).gql(`query($id: ID!) { group(id: $id) { name } }`, { id: groupId });
      expect([read.errors, read.data]).toEqual([undefined, { group: { name: 'after-4' } }]);
    } finally {
      await admin.query(`ALTER TABLE education_group DROP COLUMN added_by_a_migration`);
    }
  });
});

describe('on a pool of one connection', () => {
  let ds: DataSource;
  const tx = <T>(fn: (db: Db) => Promise<T>) => transaction(ds, new RequestStats(), fn);
  const ids = async () => (await admin.query(`SELECT id FROM tx_probe ORDER BY id`)).rows.map((r) => r.id as number);
  beforeAll(async () => {
    ds = createDataSource(hub.databaseUrl, { poolSize: 1, statementTimeoutMs: 1000 });
    await ds.initialize();
    await admin.query(`CREATE TABLE tx_probe (id int PRIMARY KEY, v text)`);
  });
  afterAll(async () => {
    await ds?.destroy();
    await admin.query(`DROP TABLE IF EXISTS tx_probe, tx_probe_later`);
  });
  beforeEach(() => admin.query(`TRUNCATE tx_probe`));

  test('a unique violation, a timeout or a thrown error mid-transaction: nothing kept, the connection outside any transaction', async () => {
    await tx((db) => db.query(sql`INSERT INTO tx_probe VALUES (10, 'a')`));
    await expect(tx(async (db) => { await db.query(sql`INSERT INTO tx_probe VALUES (11, 'b')`); await db.query(sql`INSERT INTO tx_probe VALUES (10, 'dup')`); })).rejects.toMatchObject({ code: '23505' });
    await expect(tx(async (db) => { await db.query(sql`INSERT INTO tx_probe VALUES (12, 'c')`); await db.query(sql`SELECT pg_sleep(3)`); })).rejects.toMatchObject({ code: '57014' });
    await expect(tx(async (db) => { await db.query(sql`INSERT INTO tx_probe VALUES (13, 'd')`); throw new Error('refused'); })).rejects.toThrow('refused');
    expect(await ids()).toEqual([10]);
    expect(await new Db(ds).one(sql`SELECT pg_current_xact_id_if_assigned() IS NULL AS none`)).toEqual({ none: true });
    await tx((db) => db.query(sql`INSERT INTO tx_probe VALUES (14, 'e')`));
    expect(await ids()).toEqual([10, 14]);
  });

  test("a write's statements are planned once (generic plans); the setting ends with its transaction, so reads on the same connection keep custom plans", async () => {
    const mode = sql`SELECT current_setting('plan_cache_mode') AS m`;
    const read = async () => (await new Db(ds).one<{ m: string }>(mode))!.m;
    const probe = sql`SELECT count(*)::int AS n FROM tx_probe WHERE id = ${1}`;
    expect(await read()).toBe('auto');
    expect(await tx(async (db) => (await db.one<{ m: string }>(mode))!.m)).toBe('force_generic_plan');
    // A prepared statement run in writes several times is planned generically from its first run
    // (with 'auto', PostgreSQL makes custom plans for at least the first five runs).
    for (let i = 0; i < 3; i++) await tx((db) => db.query(probe));
    const plans = sql`SELECT sum(generic_plans)::int AS generic, sum(custom_plans)::int AS custom FROM pg_prepared_statements
      WHERE statement LIKE '%FROM tx_probe WHERE id = %' AND statement NOT LIKE '%pg_prepared_statements%'`;
    expect(await new Db(ds).one(plans)).toEqual({ generic: 3, custom: 0 });
    // Committed or rolled back, the connection (the pool's only one) is back to the default.
    expect(await read()).toBe('auto');
    await expect(tx(async (db) => { await db.query(mode); throw new Error('refused'); })).rejects.toThrow('refused');
    expect(await read()).toBe('auto');
  });

  test('a statement failing at Parse (a missing table) does not poison its text: it works once the table exists', async () => {
    const q = sql`SELECT count(*)::int AS n FROM tx_probe_later`;
    await expect(tx(async (db) => { await db.query(sql`INSERT INTO tx_probe VALUES (1, 'x')`); return db.query(q); })).rejects.toThrow(/does not exist/);
    expect(await ids()).toEqual([]);
    await admin.query(`CREATE TABLE tx_probe_later (x int)`);
    expect(await tx((db) => db.one(q))).toEqual({ n: 0 });
  });

  test('the connection killed mid-transaction: an error, and the next transaction works on a new one', async () => {
    await expect(tx(async (db) => {
      await db.query(sql`INSERT INTO tx_probe VALUES (20, 'k')`);
      const [{ pid }] = await db.query(sql`SELECT pg_backend_pid() AS pid`);
      await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
      await new Promise((r) => setTimeout(r, 200));
      await db.query(sql`INSERT INTO tx_probe VALUES (21, 'k')`);
    })).rejects.toBeDefined();
    await tx((db) => db.query(sql`INSERT INTO tx_probe VALUES (22, 'ok')`));
    expect(await ids()).toEqual([22]);
  });

  test('a stale prepared statement (RETURNING * after a column was added) fails once; its connection is replaced', async () => {
    const insert = (id: number) => sql`INSERT INTO tx_probe VALUES (${id}, 'r') RETURNING *`;
    await tx((db) => db.query(insert(30)));
    await admin.query(`ALTER TABLE tx_probe ADD COLUMN w int`);
    const stale = await tx((db) => db.query(insert(31))).catch((e) => e);
    expect(isStalePlan(stale)).toBe(true);
    // Kept, the connection would refuse the same text for as long as it lived.
    expect(await tx((db) => db.query(insert(32)))).toEqual([{ id: 32, v: 'r', w: null }]);
    expect(await ids()).toEqual([30, 32]);
    await admin.query(`ALTER TABLE tx_probe DROP COLUMN w`);
  });

  test('write() retries a stale prepared statement: the caller sees the write done', async () => {
    const ctx = { db: { ds }, stats: new RequestStats(), onTransaction: (db: Db) => ({ db }) } as never;
    const insert = (id: number) => write(ctx, (w) => w.query(sql`INSERT INTO tx_probe VALUES (${id}, 'r') RETURNING *`));
    await insert(40);
    await admin.query(`ALTER TABLE tx_probe ADD COLUMN w int`);
    expect(await insert(41)).toEqual([{ id: 41, v: 'r', w: null }]);
    expect(await ids()).toEqual([40, 41]);
    await admin.query(`ALTER TABLE tx_probe DROP COLUMN w`);
  });

  test('a statement sent through a transaction after it ended is refused, not run outside it', async () => {
    let kept: Db | undefined;
    await expect(tx(async (db) => { kept = db; await db.query(sql`INSERT INTO tx_probe VALUES (50, 'in')`); throw new Error('refused'); })).rejects.toThrow('refused');
    // e.g. a branch of a Promise.all still running after its sibling threw.
    await expect(kept!.query(sql`INSERT INTO tx_probe VALUES (51, 'after')`)).rejects.toThrow(/after its transaction ended/);
    expect(await ids()).toEqual([]);
  });
});
