import { DataSource } from 'typeorm';
import { createDataSource, Db } from '../server/db/datasource';
import { raw, sql } from '../server/db/sql';

/**
 * Reads run as named prepared statements (db/datasource.ts pooled), so PostgreSQL plans each
 * shape once per connection. A caller can send endlessly many shapes: a connection keeps at
 * most HUB_DB_MAX_PREPARED of them and runs the rest unprepared, and a statement that fails
 * takes its connection with it. Checked on a pool of one connection, where
 * pg_prepared_statements shows what that connection holds.
 */
describe('prepared reads', () => {
  let ds: DataSource;
  let db: Db;
  const previous = process.env.HUB_DB_MAX_PREPARED;
  beforeAll(async () => {
    process.env.HUB_DB_MAX_PREPARED = '3';
    ds = createDataSource(process.env.HUB_TEST_DATABASE_URL!, { poolSize: 1, statementTimeoutMs: 2000 });
    await ds.initialize();
    db = new Db(ds);
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.HUB_DB_MAX_PREPARED;
    else process.env.HUB_DB_MAX_PREPARED = previous;
    await ds?.destroy();
  });

  const shape = (i: number, v: number) => sql`SELECT ${v}::int * ${raw(String(i + 1))} AS n /* shape ${raw(String(i))} */`;
  const held = async () =>
    (await db.query(sql`SELECT name, statement FROM pg_prepared_statements ORDER BY prepare_time`)) as Array<{ name: string; statement: string }>;

  test('each shape answers right, prepared or not; at most the limit are kept on the connection', async () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 8; i++) {
        const v = 10 * round + i;
        expect((await db.one(shape(i, v)))!.n).toBe(v * (i + 1));
      }
    }
    const kept = await held();
    expect(kept.length).toBe(3);
    expect(kept.every((k) => /^hub_[A-Za-z0-9_-]{27}$/.test(k.name))).toBe(true);
    // The first three shapes are the ones kept (and served again from them).
    expect(kept.map((k) => /shape (\d)/.exec(k.statement)![1])).toEqual(['0', '1', '2']);
  });

  test('a failing statement replaces its connection: nothing prepared survives, the next read answers', async () => {
    expect((await held()).length).toBe(3);
    await expect(db.query(sql`SELECT pg_sleep(5)`)).rejects.toThrow(/statement timeout/);
    expect((await db.one(shape(0, 7)))!.n).toBe(7);
    const kept = await held();
    // A new connection: only what ran on it since (shape 0, then the catalogue query itself).
    expect(kept.map((k) => /shape (\d)/.exec(k.statement)?.[1] ?? 'catalogue')).toEqual(['0', 'catalogue']);
  });
});
