import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadPersistedDocuments } from '../server/http/persisted-documents';
import { As, startHub, TestHub } from './support/hub';

/**
 * Persisted documents: requests by hash for the manifest's documents (the SDK's operations),
 * automatic persisted queries for everything else, and API clients that may run manifest
 * documents only. The manifest is a temporary file here (HUB_PERSISTED_DOCUMENTS), so the
 * test does not depend on the SDK's generated one.
 */
const sha = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

const CAMPUSES = 'query Campuses($first: Int) {\n  campuses(first: $first) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n      }\n    }\n  }\n}';
const VIEWER = 'query Viewer {\n  viewer {\n    role\n    subject\n  }\n}';
const MANIFEST = { [sha(CAMPUSES)]: CAMPUSES, [sha(VIEWER)]: VIEWER };
/** Not in the manifest. */
const OTHER = '{ campuses(first: 2) { totalCount } }';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-persisted-'));
const manifestFile = path.join(dir, 'persisted-documents.json');
fs.writeFileSync(manifestFile, JSON.stringify(MANIFEST, null, 2));

let hub: TestHub;
const saved = process.env.HUB_PERSISTED_DOCUMENTS;
beforeAll(async () => {
  process.env.HUB_PERSISTED_DOCUMENTS = manifestFile;
  hub = await startHub({ writes: true });
});
afterAll(async () => {
  await hub.stop();
  if (saved === undefined) delete process.env.HUB_PERSISTED_DOCUMENTS;
  else process.env.HUB_PERSISTED_DOCUMENTS = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

const spBureau: As = { sub: 't:sp', role: 'BUREAU_ADMIN', jurisdiction: '640502' };

interface Reply {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/** A raw POST of `body` to /graphql as `who`. */
async function post(who: As, body: unknown): Promise<Reply> {
  const res = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await hub.headers(who)) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** A GET of /graphql with these parameters (objects sent as JSON) as `who`. */
async function get(who: As, params: Record<string, unknown>): Promise<Reply> {
  const url = new URL(hub.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const res = await fetch(url, { headers: { 'apollo-require-preflight': '1', ...(await hub.headers(who)) } });
  return { status: res.status, body: await res.json() };
}

const byHash = (doc: string, variables?: Record<string, unknown>) => ({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha(doc) } } });
const withText = (doc: string, variables?: Record<string, unknown>) => ({ query: doc, ...byHash(doc, variables) });

const CREATE = `mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { apiKey client { id persistedOnly } } }`;

async function createKey(persistedOnly?: boolean) {
  const input = { name: `persisted ${persistedOnly}`, role: 'VENDOR', jurisdictionCode: '640502', scopes: ['campus:read'], ...(persistedOnly === undefined ? {} : { persistedOnly }) };
  return (await hub.as(spBureau).data(CREATE, { input })).createApiClient as { apiKey: string; client: { id: string; persistedOnly: boolean } };
}

function expectRefused(r: Reply) {
  expect(r.status).toBe(403);
  expect(r.body.data).toBeUndefined();
  expect(r.body.errors).toHaveLength(1);
  expect(r.body.errors![0].extensions?.code).toBe('FORBIDDEN');
  expect(r.body.errors![0].message).toMatch(/persisted documents only/);
}

test('the manifest is loaded from HUB_PERSISTED_DOCUMENTS', () => {
  const loaded = loadPersistedDocuments();
  expect(loaded).toMatchObject({ file: manifestFile, found: true });
  expect([...loaded.byHash.keys()].sort()).toEqual(Object.keys(MANIFEST).sort());
});

test('createApiClient: persistedOnly defaults to false, is stored, shown and audited', async () => {
  const normal = await createKey();
  expect(normal.client.persistedOnly).toBe(false);
  const only = await createKey(true);
  expect(only.client.persistedOnly).toBe(true);
  const [row] = await hub.ds.query(`SELECT persisted_only FROM api_client WHERE key_hash = $1`, [sha(only.apiKey)]);
  expect(row.persisted_only).toBe(true);
  const listed = (await hub.as(spBureau).data(`{ apiClients { id persistedOnly } }`)).apiClients;
  expect(listed.find((c: any) => c.id === only.client.id).persistedOnly).toBe(true);
  expect(listed.find((c: any) => c.id === normal.client.id).persistedOnly).toBe(false);
  const audit = (await hub.as(spBureau).data(`query($id: ID) { auditLog(entityId: $id) { edges { node { action diff } } } }`, { id: only.client.id })).auditLog.edges;
  expect(audit).toHaveLength(1);
  expect(audit[0].node.action).toBe('createApiClient');
  expect(JSON.parse(audit[0].node.diff)).toMatchObject({ after: { persisted_only: true } });
});

describe('a persisted-only key', () => {
  let only: As;
  let normal: As;
  beforeAll(async () => {
    only = { apiKey: (await createKey(true)).apiKey };
    normal = { apiKey: (await createKey(false)).apiKey };
  });

  test('runs a manifest document by hash, with or without its text, POST or GET', async () => {
    const expected = (await post(normal, { query: CAMPUSES, variables: { first: 3 } })).body.data;
    expect(expected.campuses.edges).toHaveLength(3);
    for (const r of [
      await post(only, byHash(CAMPUSES, { first: 3 })),
      await post(only, withText(CAMPUSES, { first: 3 })),
      await post(only, { query: CAMPUSES, variables: { first: 3 } }),
      await get(only, { ...byHash(CAMPUSES), variables: { first: 3 } }),
    ]) {
      expect(r.body.errors).toBeUndefined();
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual(expected);
    }
    const v = await post(only, byHash(VIEWER));
    expect(v.body.data.viewer.role).toBe('VENDOR');
  });

  test('is refused any other document, however it is sent', async () => {
    expectRefused(await post(only, { query: OTHER }));
    expectRefused(await post(only, withText(OTHER)));
    expectRefused(await get(only, { query: OTHER }));
    // The manifest's text with one character changed is another document.
    expectRefused(await post(only, { query: `${CAMPUSES} ` }));
    // A hash the manifest does not hold, even one another caller registered (APQ).
    expect((await post(normal, withText(OTHER))).body.data.campuses.totalCount).toBeGreaterThan(0);
    expect((await post(normal, byHash(OTHER))).body.errors).toBeUndefined();
    expectRefused(await post(only, byHash(OTHER)));
    expectRefused(await post(only, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }));
    // Naming a manifest hash beside another text runs nothing.
    expectRefused(await post(only, { query: OTHER, ...byHash(CAMPUSES) }));
    // Mutations too.
    expectRefused(await post(only, { query: 'mutation { revokeApiClient(id: "x") { id } }' }));
  });
});

describe('every other caller', () => {
  test('runs manifest documents by hash and any document by text', async () => {
    const normal: As = { apiKey: (await createKey()).apiKey };
    for (const who of [normal, spBureau]) {
      const r = await post(who, byHash(CAMPUSES, { first: 1 }));
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.campuses.edges).toHaveLength(1);
      const other = await post(who, { query: OTHER });
      expect(other.body.errors).toBeUndefined();
      expect(other.body.data.campuses.totalCount).toBeGreaterThan(0);
    }
  });

  test('automatic persisted queries: an unknown hash answers PERSISTED_QUERY_NOT_FOUND until registered', async () => {
    const doc = `{ viewer { subject } campuses(first: 1) { totalCount } }`;
    const miss = await post(spBureau, byHash(doc));
    expect(miss.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(miss.body.data).toBeUndefined();
    const registered = await post(spBureau, withText(doc));
    expect(registered.body.errors).toBeUndefined();
    const hit = await post(spBureau, byHash(doc));
    expect(hit.body.errors).toBeUndefined();
    expect(hit.body.data).toEqual(registered.body.data);
    // A hash that does not match the text is bad input, naming the hash.
    const mismatch = await post(spBureau, { query: doc, ...byHash(CAMPUSES) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery.sha256Hash' });
  });
});

describe('loading the manifest', () => {
  const write = (name: string, content: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, content);
    return f;
  };

  test('a missing default file is an empty manifest; a missing configured one stops the start', () => {
    const absent = path.join(dir, 'absent.json');
    expect(loadPersistedDocuments(undefined, {}, absent)).toEqual({ file: absent, found: false, byHash: new Map() });
    expect(() => loadPersistedDocuments(absent, {})).toThrow(/cannot read/);
    expect(() => loadPersistedDocuments(undefined, { HUB_PERSISTED_DOCUMENTS: absent })).toThrow(/cannot read/);
  });

  test('every key must be the sha256 of its document', () => {
    expect(() => loadPersistedDocuments(write('wrong.json', JSON.stringify({ [sha(VIEWER)]: CAMPUSES })), {})).toThrow(/not the sha256/);
    expect(() => loadPersistedDocuments(write('upper.json', JSON.stringify({ [sha(VIEWER).toUpperCase()]: VIEWER })), {})).toThrow(/not the sha256/);
    expect(() => loadPersistedDocuments(write('list.json', JSON.stringify([VIEWER])), {})).toThrow(/must hold an object/);
    expect(() => loadPersistedDocuments(write('broken.json', '{'), {})).toThrow(/not JSON/);
    expect(loadPersistedDocuments(write('ok.json', JSON.stringify({ [sha(VIEWER)]: VIEWER })), {}).byHash.get(sha(VIEWER))).toBe(VIEWER);
  });
});

test('npm run api-client -- create --persisted-only makes a persisted-only key', async () => {
  const run = promisify(execFile);
  const env = { ...process.env, DATABASE_URL: (hub.ds.options as { url: string }).url, HUB_QUIET: '1' };
  const script = (args: string[]) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/api-client.ts', ...args], { cwd: path.join(__dirname, '..'), env });
  const created = await script(['create', '--name', 'CLI持久化厂商', '--jurisdiction', '640502', '--scopes', 'campus:read', '--persisted-only']);
  const key = /X-Api-Key: (\S+)/.exec(created.stdout)![1];
  expectRefused(await post({ apiKey: key }, { query: OTHER }));
  expect((await post({ apiKey: key }, byHash(VIEWER))).body.data.viewer.role).toBe('VENDOR');
  const plain = await script(['create', '--name', 'CLI普通厂商', '--jurisdiction', '640502', '--scopes', 'campus:read']);
  const plainKey = /X-Api-Key: (\S+)/.exec(plain.stdout)![1];
  expect((await post({ apiKey: plainKey }, { query: OTHER })).body.errors).toBeUndefined();
  const list = (await script(['list'])).stdout.split('\n');
  expect(list.find((l) => l.includes('CLI持久化厂商'))).toMatch(/\tpersisted-only$/);
  expect(list.find((l) => l.includes('CLI普通厂商'))).not.toMatch(/persisted-only/);
});
