import crypto from 'node:crypto';
import pg from 'pg';
import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { WRITE_RULES } from '../server/access/authority';
import { createDataSource } from '../server/db/datasource';
import { newId } from '../server/db/ids';
import { decodeId, encodeId } from '../server/graphql/ids';
import { As, GqlResult, startHub, TestHub } from './support/hub';

/**
 * API keys apart from their clients (table api_client_key, clients/keys.ts): rotation, expiry,
 * last use, who may issue and revoke keys, and that no read ever shows a key or its hash.
 * Expectations are restated from the rules (WRITE_RULES, the expiry and last-use rules), not
 * from the server's answers.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const SP = '640502'; // 沙坡头区
const ZW = '640500'; // 中卫市, SP's city
const ZN = '640521'; // 中宁县, SP's sibling county
const GZ = '620702'; // 甘州区, another province
const bureau = (code: string, scopes: string[] = []): As => ({ sub: `t:keys-bureau-${code}${scopes.length ? '-' + scopes.join('+') : ''}`, role: 'BUREAU_ADMIN', jurisdiction: code, scopes });

const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;
const uuid = (gid: string) => decodeId(gid)!.uuid;
const one = async (q: string, p: unknown[] = []) => (await hub.ds.query(q, p))[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CREATE = `mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { apiKey client { id } } }`;
const ISSUE = `mutation($c: ID!, $e: DateTime) { issueApiKey(clientId: $c, expiresAt: $e) {
  apiKey key { id lastFour active createdAt createdBy expiresAt revokedAt lastUsedAt } client { id name } } }`;
const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { id lastFour active revokedAt } }`;
const KEYS = `query($id: ID!) { node(id: $id) { ... on ApiClient { lastUsedAt keys { id lastFour active createdAt createdBy expiresAt revokedAt lastUsedAt } } } }`;

let made = 0;
/** A fresh client of `code` created through the API by that county's bureau; its first key. */
async function client(code = SP, extra: Record<string, unknown> = {}, by: As = bureau(code)): Promise<{ id: string; key: string }> {
  const d = await hub.as(by).data(CREATE, { input: { name: `密钥测试${++made}`, role: 'VENDOR', jurisdictionCode: code, scopes: ['campus:read'], ...extra } });
  return { id: d.createApiClient.client.id, key: d.createApiClient.apiKey };
}

async function keysOf(clientId: string): Promise<any[]> {
  return (await hub.as(bureau(SP)).data(KEYS, { id: clientId })).node.keys;
}

/** Whether the key authenticates now (a cheap read every caller may make). */
async function works(key: string, on: TestHub = hub): Promise<boolean> {
  const r = await on.as({ apiKey: key }).gql(`{ viewer { role } }`);
  if (r.errors) {
    expect({ status: r.status, code: codeOf(r) }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    return false;
  }
  return r.data.viewer.role === 'VENDOR';
}

/** The answer an unknown key gets: every refused key must get exactly this (no hint that a key ever existed). */
async function unknownKeyAnswer() {
  const r = await hub.as({ apiKey: newApiKey() }).gql(`{ viewer { role } }`);
  return { status: r.status, errors: r.errors, data: r.data ?? null };
}
async function refusedLikeUnknown(key: string) {
  const r = await hub.as({ apiKey: key }).gql(`{ viewer { role } }`);
  expect({ status: r.status, errors: r.errors, data: r.data ?? null }).toEqual(await unknownKeyAnswer());
  expect(r.errors![0].message).toMatch(/invalid, revoked or expired API key/);
}

/** Rows a key write touches: key rows (content), audit and feed entries (counts). */
async function writesSnapshot() {
  return one(`SELECT (SELECT count(*) FROM audit_entry)::int AS audit, (SELECT count(*) FROM change_event)::int AS feed,
    (SELECT count(*) FROM api_client_key)::int AS keys, (SELECT coalesce(sum(hashtext((k.id, k.key_hash, k.expires_at, k.revoked_at)::text)::bigint), 0)::text FROM api_client_key k) AS key_rows,
    (SELECT coalesce(sum(hashtext((a.id, a.revoked_at, a.expires_at)::text)::bigint), 0)::text FROM api_client a) AS clients`);
}

describe('rotation', () => {
  test('issue a second key, both authenticate, revoke the first: the first is refused, the second still works', async () => {
    const c = await client();
    const issued = (await hub.as(bureau(SP)).data(ISSUE, { c: c.id })).issueApiKey;
    const second = issued.apiKey as string;
    expect(second).not.toBe(c.key);
    expect(issued.client).toEqual({ id: c.id, name: expect.any(String) });
    expect(issued.key).toMatchObject({ lastFour: second.slice(-4), active: true, revokedAt: null, lastUsedAt: null, expiresAt: null, createdBy: 't:keys-bureau-640502' });
    expect(await works(c.key)).toBe(true);
    expect(await works(second)).toBe(true);

    // The client lists both, oldest first; the first key is the one whose last four are the first key's.
    const keys = await keysOf(c.id);
    expect(keys.map((k) => k.lastFour)).toEqual([c.key.slice(-4), second.slice(-4)]);
    expect(keys.map((k) => k.active)).toEqual([true, true]);
    expect(keys[1].id).toBe(issued.key.id);

    const revoked = (await hub.as(bureau(SP)).data(REVOKE_KEY, { id: keys[0].id })).revokeApiKey;
    expect(revoked).toMatchObject({ id: keys[0].id, lastFour: c.key.slice(-4), active: false });
    expect(revoked.revokedAt).not.toBeNull();
    await refusedLikeUnknown(c.key);
    expect(await works(second)).toBe(true);
    expect((await keysOf(c.id)).map((k) => [k.id, k.active, k.revokedAt !== null])).toEqual([[keys[0].id, false, true], [keys[1].id, true, false]]);

    // Revoking it again is a conflict naming the argument; an unknown or mistyped id is NOT_FOUND.
    const again = await hub.as(bureau(SP)).gql(REVOKE_KEY, { id: keys[0].id });
    expect([codeOf(again), again.errors![0].extensions?.field]).toEqual(['CONFLICT', 'id']);
    for (const id of [encodeId('ApiKey', newId()), c.id, 'not-an-id']) {
      const r = await hub.as(bureau(SP)).gql(REVOKE_KEY, { id });
      expect([codeOf(r), r.errors![0].extensions?.field]).toEqual(['NOT_FOUND', 'id']);
    }
    const noClient = await hub.as(bureau(SP)).gql(ISSUE, { c: encodeId('ApiClient', newId()) });
    expect([codeOf(noClient), noClient.errors![0].extensions?.field]).toEqual(['NOT_FOUND', 'clientId']);

    // Each write is audited on the client, by its actor, in order.
    const audit = await hub.ds.query(`SELECT action, actor, diff FROM audit_entry WHERE entity_id = $1 ORDER BY at, id`, [uuid(c.id)]);
    expect(audit.map((a: any) => a.action)).toEqual(['createApiClient', 'issueApiKey', 'revokeApiKey']);
    expect(audit.every((a: any) => a.actor === 'BUREAU_ADMIN:t:keys-bureau-640502')).toBe(true);
    expect(JSON.stringify(audit[1].diff)).toContain(issued.key.id);
    expect(JSON.stringify(audit[2].diff)).toContain(keys[0].id);

    // Revoking the client stops every key of it.
    await hub.as(bureau(SP)).data(`mutation($id: ID!) { revokeApiClient(id: $id) { revokedAt } }`, { id: c.id });
    await refusedLikeUnknown(second);
    expect((await keysOf(c.id)).map((k) => k.active)).toEqual([false, false]);
    const onRevoked = await hub.as(bureau(SP)).gql(ISSUE, { c: c.id });
    expect([codeOf(onRevoked), onRevoked.errors![0].extensions?.field]).toEqual(['CONFLICT', 'clientId']);
  });

  test('a new key carries its client\'s role, scopes, schools and persisted-only rule', async () => {
    const c = await client(SP, { scopes: ['campus:read', 'staff:read'], schoolCodes: ['2164050203'], persistedOnly: true });
    const second = (await hub.as(bureau(SP)).data(ISSUE, { c: c.id })).issueApiKey.apiKey;
    for (const key of [c.key, second]) {
      // Persisted-only: an ad-hoc document is refused (FORBIDDEN), whichever key sends it.
      expect(codeOf(await hub.as({ apiKey: key }).gql(`{ viewer { scopes } }`))).toBe('FORBIDDEN');
    }
    const stored = await one(`SELECT count(DISTINCT (a.role, a.scopes, a.school_ids, a.persisted_only))::int AS kinds, count(*)::int AS keys
      FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id WHERE k.key_hash = ANY($1)`, [[hashApiKey(c.key), hashApiKey(second)]]);
    expect(stored).toEqual({ kinds: 1, keys: 2 });
  });

  test('at most 5 keys that still authenticate per client: a sixth is a conflict until one is revoked', async () => {
    const c = await client();
    for (let i = 0; i < 4; i++) await hub.as(bureau(SP)).data(ISSUE, { c: c.id });
    const sixth = await hub.as(bureau(SP)).gql(ISSUE, { c: c.id });
    expect([codeOf(sixth), sixth.errors![0].extensions?.field]).toEqual(['CONFLICT', 'clientId']);
    const keys = await keysOf(c.id);
    expect(keys.filter((k) => k.active)).toHaveLength(5);
    await hub.as(bureau(SP)).data(REVOKE_KEY, { id: keys[0].id });
    expect((await hub.as(bureau(SP)).gql(ISSUE, { c: c.id })).errors).toBeUndefined();
  });
});

describe('expiry', () => {
  test('a key past its own expiry is refused like an unknown key; the client\'s other keys keep working', async () => {
    const c = await client();
    const past = await hub.as(bureau(SP)).gql(ISSUE, { c: c.id, e: '2020-01-01T00:00:00Z' });
    expect([codeOf(past), past.errors![0].extensions?.field]).toEqual(['BAD_USER_INPUT', 'expiresAt']);
    const at = new Date(Date.now() + 3600_000).toISOString();
    const issued = (await hub.as(bureau(SP)).data(ISSUE, { c: c.id, e: at })).issueApiKey;
    expect(new Date(issued.key.expiresAt).getTime()).toBe(new Date(at).getTime());
    expect(await works(issued.apiKey)).toBe(true);
    // Its expiry passes (moved into the past: the rule is "expires_at > now()").
    await hub.ds.query(`UPDATE api_client_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [uuid(issued.key.id)]);
    await refusedLikeUnknown(issued.apiKey);
    expect(await works(c.key)).toBe(true);
    expect((await keysOf(c.id)).map((k) => k.active)).toEqual([true, false]);
  });

  test('the client\'s own expiry stops every key of it, and no key is issued to an expired client', async () => {
    const c = await client(SP, { expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    const second = (await hub.as(bureau(SP)).data(ISSUE, { c: c.id })).issueApiKey.apiKey;
    expect([await works(c.key), await works(second)]).toEqual([true, true]);
    await hub.ds.query(`UPDATE api_client SET expires_at = now() - interval '1 second' WHERE id = $1`, [uuid(c.id)]);
    await refusedLikeUnknown(c.key);
    await refusedLikeUnknown(second);
    expect((await keysOf(c.id)).map((k) => k.active)).toEqual([false, false]);
    const r = await hub.as(bureau(SP)).gql(ISSUE, { c: c.id });
    expect([codeOf(r), r.errors![0].extensions?.field]).toEqual(['CONFLICT', 'clientId']);
  });
});

describe('last use', () => {
  /** Waits for the (not awaited) last-use write to land; the row as it is then. */
  async function lastUseOf(keyId: string, changedFrom: string | null, timeoutMs = 5000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const row = await one(`SELECT k.last_used_at, k.xmin::text AS xmin, a.last_used_at AS client_last_used_at FROM api_client_key k JOIN api_client a ON a.id = k.api_client_id WHERE k.id = $1`, [keyId]);
      const seen = row.last_used_at ? row.last_used_at.toISOString() : null;
      if (seen !== changedFrom || Date.now() > until) return row;
      await sleep(50);
    }
  }

  test('recorded on first use, readable, and not rewritten on every request (also not by another replica); rewritten once a minute has passed', async () => {
    const c = await client();
    const [k] = await keysOf(c.id);
    expect(k.lastUsedAt).toBeNull();
    const before = Date.now();
    expect(await works(c.key)).toBe(true);
    const first = await lastUseOf(uuid(k.id), null);
    expect(first.last_used_at).not.toBeNull();
    expect(Math.abs(first.last_used_at.getTime() - before)).toBeLessThan(60_000);
    expect(first.client_last_used_at).not.toBeNull();
    // Readable through the API, equal to what is stored.
    const read = await hub.as(bureau(SP)).data(KEYS, { id: c.id });
    expect(new Date(read.node.keys[0].lastUsedAt).getTime()).toBe(first.last_used_at.getTime());
    expect(new Date(read.node.lastUsedAt).getTime()).toBe(first.client_last_used_at.getTime());

    // Within the minute: more requests, on this server and on a second one (its own process
    // state, as a replica has), leave the row untouched (same value, same row version).
    const replica = await startHub({ databaseUrl: hub.databaseUrl });
    try {
      for (let i = 0; i < 5; i++) {
        expect(await works(c.key)).toBe(true);
        expect(await works(c.key, replica)).toBe(true);
      }
      await sleep(500);
      const after = await one(`SELECT last_used_at, xmin::text AS xmin FROM api_client_key WHERE id = $1`, [uuid(k.id)]);
      expect({ at: after.last_used_at.getTime(), xmin: after.xmin }).toEqual({ at: first.last_used_at.getTime(), xmin: first.xmin });

      // A minute later (the stored use moved back two minutes), the next request records the use
      // again: the database decides, so the replica, which never wrote this key, does it.
      await hub.ds.query(`UPDATE api_client_key SET last_used_at = last_used_at - interval '2 minutes' WHERE id = $1`, [uuid(k.id)]);
      await hub.ds.query(`UPDATE api_client SET last_used_at = last_used_at - interval '2 minutes' WHERE id = $1`, [uuid(c.id)]);
      const rewound = new Date(first.last_used_at.getTime() - 120_000).toISOString();
      expect(await works(c.key, replica)).toBe(true);
      const again = await lastUseOf(uuid(k.id), rewound);
      expect(again.last_used_at.getTime()).toBeGreaterThan(new Date(rewound).getTime() + 60_000);
      expect(again.client_last_used_at.getTime()).toBeGreaterThan(new Date(rewound).getTime() + 60_000);
    } finally {
      await replica.stop();
    }
  });

  test('a key of a client lastly used through another key records its own use', async () => {
    const c = await client();
    expect(await works(c.key)).toBe(true);
    const issued = (await hub.as(bureau(SP)).data(ISSUE, { c: c.id })).issueApiKey;
    expect(await works(issued.apiKey)).toBe(true);
    const row = await lastUseOf(uuid(issued.key.id), null);
    expect(row.last_used_at).not.toBeNull();
  });
});

describe('who may issue and revoke keys (WRITE_RULES, through authorize)', () => {
  test('the rules are the bureau of the client\'s own jurisdiction, as for the client itself', () => {
    expect(WRITE_RULES.issueApiKey).toEqual([{ role: 'BUREAU_ADMIN', of: 'own' }]);
    expect(WRITE_RULES.revokeApiKey).toEqual([{ role: 'BUREAU_ADMIN', of: 'own' }]);
    expect(WRITE_RULES.issueApiKey).toEqual(WRITE_RULES.createApiClient);
  });

  /** Callers of every kind near a 沙坡头区 client; allowed exactly when the rule's grant holds (a BUREAU_ADMIN of 640502 itself). */
  async function callers(): Promise<Array<{ label: string; as: As; allowed: boolean }>> {
    const group = await one(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`);
    const vendorKey = newApiKey();
    const j = await one(`SELECT id FROM jurisdiction WHERE code = $1`, [SP]);
    await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, scopes, key_hash, last_used_at) VALUES ($1, $2, 'VENDOR', $3, '{campus:read,campus:write}', $4, now())`,
      [newId(), `vendor keys ${++made}`, j.id, hashApiKey(vendorKey)]);
    const list: Array<{ label: string; as: As }> = [
      { label: 'BUREAU_ADMIN 640502', as: bureau(SP) },
      { label: 'BUREAU_ADMIN 640500 (its city)', as: bureau(ZW) },
      { label: 'BUREAU_ADMIN 000000 (the nation)', as: bureau('000000') },
      { label: 'BUREAU_ADMIN 640521 (a sibling county)', as: bureau(ZN) },
      { label: 'BUREAU_ADMIN 620702 (another province)', as: bureau(GZ) },
      { label: 'ANALYST 640502', as: { sub: 't:keys-analyst', role: 'ANALYST', jurisdiction: SP } },
      { label: 'GROUP_ADMIN', as: { sub: 't:keys-ga', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', group.id) } },
      { label: 'SCHOOL_ADMIN', as: { sub: 't:keys-sa', role: 'SCHOOL_ADMIN', school: '2164050203' } },
      { label: 'VENDOR key of 640502', as: { apiKey: vendorKey } },
    ];
    // The rule, restated: bureau('own') holds for a BUREAU_ADMIN whose jurisdiction is exactly the client's.
    return list.map((c) => ({ ...c, allowed: !!c.as && 'role' in c.as && c.as.role === 'BUREAU_ADMIN' && c.as.jurisdiction === SP }));
  }

  test('issueApiKey: refused callers get FORBIDDEN and change nothing; the allowed one issues a working key, audited', async () => {
    const c = await client();
    for (const who of await callers()) {
      const before = await writesSnapshot();
      const r = await hub.as(who.as).gql(ISSUE, { c: c.id });
      if (!who.allowed) {
        expect({ who: who.label, code: codeOf(r), data: r.data?.issueApiKey ?? null }).toEqual({ who: who.label, code: 'FORBIDDEN', data: null });
        expect(await writesSnapshot()).toEqual(before);
      } else {
        expect({ who: who.label, errors: r.errors }).toEqual({ who: who.label, errors: undefined });
        expect(await works(r.data.issueApiKey.apiKey)).toBe(true);
        const after = await writesSnapshot();
        expect([after.audit, after.keys]).toEqual([before.audit + 1, before.keys + 1]);
      }
    }
  });

  test('revokeApiKey: refused callers get FORBIDDEN and the key keeps working; the allowed one revokes it, audited', async () => {
    const c = await client();
    const [k] = await keysOf(c.id);
    for (const who of (await callers()).sort((a, b) => Number(a.allowed) - Number(b.allowed))) {
      const before = await writesSnapshot();
      const r = await hub.as(who.as).gql(REVOKE_KEY, { id: k.id });
      if (!who.allowed) {
        expect({ who: who.label, code: codeOf(r) }).toEqual({ who: who.label, code: 'FORBIDDEN' });
        expect(await writesSnapshot()).toEqual(before);
        expect(await works(c.key)).toBe(true);
      } else {
        expect({ who: who.label, errors: r.errors }).toEqual({ who: who.label, errors: undefined });
        await refusedLikeUnknown(c.key);
        expect((await writesSnapshot()).audit).toBe(before.audit + 1);
      }
    }
  });

  test('a key never carries more than its issuer holds: a pii:read client gets a new key only from a bureau holding pii:read', async () => {
    const withPii = bureau(SP, ['pii:read']);
    const c = await client(SP, { scopes: ['staff:read', 'pii:read'] }, withPii);
    const before = await writesSnapshot();
    const plain = await hub.as(bureau(SP)).gql(ISSUE, { c: c.id });
    expect([codeOf(plain), plain.errors![0].extensions?.field]).toEqual(['FORBIDDEN', 'clientId']);
    expect(plain.errors![0].message).toMatch(/pii:read/);
    expect(plain.errors![0].message).not.toMatch(/staff:read/);
    expect(await writesSnapshot()).toEqual(before);
    const ok = await hub.as(withPii).gql(ISSUE, { c: c.id });
    expect(ok.errors).toBeUndefined();
    // Revoking needs no scope: it only takes power away.
    const [first] = await keysOf(c.id);
    expect((await hub.as(bureau(SP)).gql(REVOKE_KEY, { id: first.id })).errors).toBeUndefined();
  });
});

describe('keys are never shown again', () => {
  test('no read (lists, node, mutation answers, audit log, change feed, introspection) carries a key or its hash', async () => {
    const c = await client();
    const issued = await hub.as(bureau(SP)).gql(ISSUE, { c: c.id });
    const second = issued.data.issueApiKey.apiKey;
    await works(c.key);
    await works(second);
    const secrets = [c.key, second].flatMap((k) => [k, k.slice(4), hashApiKey(k), crypto.createHash('sha256').update(k).digest('base64')]);
    const reads = [
      await hub.as(bureau(SP)).gql(`{ apiClients { id name lastUsedAt keys { id lastFour active createdAt createdBy expiresAt revokedAt lastUsedAt } } }`),
      await hub.as(bureau(SP)).gql(KEYS, { id: c.id }),
      await hub.as(bureau(SP)).gql(`query($id: ID!) { auditLog(entityId: $id, first: 50) { edges { node { action actor diff } } } }`, { id: c.id }),
      await hub.as(bureau(SP)).gql(`{ changes(first: 5000, entityTypes: ["ApiClient"]) { changes { entityId node { ... on ApiClient { id keys { id lastFour } } } } } }`),
      await hub.as(bureau(SP)).gql(REVOKE_KEY, { id: issued.data.issueApiKey.key.id }),
    ];
    for (const r of reads) expect(r.errors).toBeUndefined();
    const text = JSON.stringify(reads.map((r) => r.data));
    expect(text).toContain(c.id);
    expect(text).toContain(c.key.slice(-4));
    for (const s of secrets) expect(text).not.toContain(s);
    // The type has no field that could carry one.
    const t = await hub.data(`{ __type(name: "ApiKey") { fields { name } } }`);
    expect(t.__type.fields.map((f: any) => f.name).sort()).toEqual(['active', 'createdAt', 'createdBy', 'expiresAt', 'id', 'lastFour', 'lastUsedAt', 'revokedAt']);
    // Stored as a hash only.
    const stored = await one(`SELECT count(*) FILTER (WHERE k.key_hash = ANY($1))::int AS hashed, count(*) FILTER (WHERE k::text LIKE ANY($2))::int AS plain FROM api_client_key k`,
      [[hashApiKey(c.key), hashApiKey(second)], [c.key, second].map((k) => `%${k.slice(4)}%`)]);
    expect(stored).toEqual({ hashed: 2, plain: 0 });
  });
});

describe('keys registered by hash (api_client.key_hash, as the demo, benchmarks and fixtures do)', () => {
  test('a client inserted with a key_hash gets that key registered: it authenticates, is listed without last four, and can be rotated', async () => {
    const key = newApiKey();
    const id = newId();
    const j = await one(`SELECT id FROM jurisdiction WHERE code = $1`, [SP]);
    await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, scopes, key_hash, created_by) VALUES ($1, $2, 'VENDOR', $3, '{campus:read}', $4, 'fixture')`,
      [id, `by hash ${++made}`, j.id, hashApiKey(key)]);
    expect(await works(key)).toBe(true);
    const keys = await keysOf(encodeId('ApiClient', id));
    expect(keys).toEqual([expect.objectContaining({ lastFour: null, createdBy: 'fixture', active: true })]);
    // The first key's hash is fixed once written.
    await expect(hub.ds.query(`UPDATE api_client SET key_hash = $2 WHERE id = $1`, [id, hashApiKey(newApiKey())])).rejects.toThrow(/fixed once written/);
    const second = (await hub.as(bureau(SP)).data(ISSUE, { c: encodeId('ApiClient', id) })).issueApiKey.apiKey;
    await hub.as(bureau(SP)).data(REVOKE_KEY, { id: keys[0].id });
    await refusedLikeUnknown(key);
    expect(await works(second)).toBe(true);
  });

  test('migration ApiClientKeys moves every existing key over (use, creation and creator kept) and can be undone', async () => {
    const admin = new pg.Client({ connectionString: process.env.HUB_TEST_ADMIN_URL });
    await admin.connect();
    const name = `${process.env.HUB_TEST_TEMPLATE!.replace(/_tpl$/, '')}_k${crypto.randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.HUB_TEST_TEMPLATE}`);
    const url = new URL(process.env.HUB_TEST_ADMIN_URL!);
    url.pathname = `/${name}`;
    const ds = createDataSource(url.toString(), { poolSize: 2 });
    await ds.initialize();
    try {
      // Back to before the migration (and any later one).
      while ((await ds.query(`SELECT 1 FROM migrations WHERE name = 'ApiClientKeys1733500000000'`)).length) await ds.undoLastMigration({ transaction: 'each' });
      expect((await ds.query(`SELECT to_regclass('api_client_key') AS t`))[0].t).toBeNull();
      const j = (await ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [SP]))[0];
      const legacy = [newApiKey(), newApiKey()];
      const ids = [newId(), newId()];
      await ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, scopes, key_hash, created_by, created_at, last_used_at, revoked_at) VALUES
        ($1, 'legacy used', 'VENDOR', $3, '{campus:read}', $4, 'cli', '2025-01-02T03:04:05Z', '2026-01-01T00:00:00Z', NULL),
        ($2, 'legacy revoked', 'VENDOR', $3, '{campus:read}', $5, NULL, '2025-02-01T00:00:00Z', NULL, now())`, [ids[0], ids[1], j.id, hashApiKey(legacy[0]), hashApiKey(legacy[1])]);
      await ds.runMigrations({ transaction: 'each' });
      const moved = await ds.query(`SELECT k.api_client_id, k.created_at, k.created_by, k.last_used_at, k.revoked_at, k.last_four, k.id FROM api_client_key k
        WHERE k.key_hash = ANY($1) ORDER BY k.created_at`, [legacy.map(hashApiKey)]);
      expect(moved.map((m: any) => [m.api_client_id, m.created_at.toISOString(), m.created_by, m.last_used_at?.toISOString() ?? null, m.revoked_at, m.last_four])).toEqual([
        [ids[0], '2025-01-02T03:04:05.000Z', 'cli', '2026-01-01T00:00:00.000Z', null, null],
        [ids[1], '2025-02-01T00:00:00.000Z', null, null, null, null],
      ]);
      // Time-ordered ids (UUID v7 of the creation time), like every id of the hub.
      for (const m of moved) {
        expect(m.id[14]).toBe('7');
        expect(parseInt(m.id.replace(/-/g, '').slice(0, 12), 16)).toBe(m.created_at.getTime());
      }
      // Every key row of the database has its client's key (none lost, none made up).
      const [{ missing }] = await ds.query(`SELECT count(*)::int AS missing FROM api_client a WHERE NOT EXISTS (SELECT 1 FROM api_client_key k WHERE k.key_hash = a.key_hash AND k.api_client_id = a.id)`);
      expect(missing).toBe(0);
      // The revoked client's key is refused, the other authenticates: served by a hub on this database.
      const served = await startHub({ databaseUrl: url.toString() });
      try {
        expect(await works(legacy[0], served)).toBe(true);
        expect(await works(legacy[1], served)).toBe(false);
      } finally {
        await served.stop();
      }
    } finally {
      await ds.destroy();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
