import pg from 'pg';
import { parseTimestamptz } from '../server/db/timestamps';
import { startHub, TestHub } from './support/hub';

/**
 * The hub parses timestamptz text itself (server/db/timestamps.ts, faster than pg's parser):
 * it must agree with PostgreSQL's own epoch for every value, in any session time zone the
 * server may be set to, and hand anything unusual to the fallback.
 */
let hub: TestHub;
let client: pg.Client;

beforeAll(async () => {
  hub = await startHub();
  client = new pg.Client({ connectionString: hub.databaseUrl });
  // Raw text out of the driver: this test parses it itself.
  client.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v: string) => v);
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await hub?.stop();
});

const fallback = (s: string) => {
  throw new Error(`fallback for ${s}`);
};

test.each(['UTC', 'Asia/Shanghai', 'America/St_Johns', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/Los_Angeles'])(
  'agrees with PostgreSQL to the millisecond in time zone %s',
  async (zone) => {
    await client.query(`SET TimeZone = '${zone}'`);
    // Across centuries, daylight-saving changes and every sub-second precision PostgreSQL prints.
    const { rows } = await client.query(`
      SELECT t::text AS text, floor(extract(epoch FROM t) * 1000)::float8 AS ms FROM (
        SELECT timestamptz '1901-01-01 00:00:00+00' + (i * interval '7 days 3 hours 17 minutes 13.123457 seconds') AS t FROM generate_series(0, 6000) i
        UNION ALL SELECT timestamptz '2026-03-29 01:59:59.999999+00'
        UNION ALL SELECT timestamptz '2026-11-30 12:00:00.5+08'
        UNION ALL SELECT date_trunc('second', now())
      ) s`);
    expect(rows.length).toBeGreaterThan(6000);
    const wrong = rows.filter((r) => parseTimestamptz(r.text, fallback).getTime() !== r.ms);
    expect(wrong.map((r) => `${r.text} → ${parseTimestamptz(r.text, fallback).toISOString()} (expected ${new Date(r.ms).toISOString()})`)).toEqual([]);
  },
);

test('what it does not know goes to the fallback', () => {
  const seen: string[] = [];
  const spy = (s: string) => (seen.push(s), new Date(0));
  for (const s of ['infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '0099-01-01 00:00:00+00', '2026-11-30T12:00:00Z', '2026-11-30 12:00:00']) parseTimestamptz(s, spy);
  expect(seen).toHaveLength(6);
});
