import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { newId } from '../server/db/ids';
import { encodeId } from '../server/graphql/ids';
import { NATIONAL_BUREAU, startHub, TEST_NOW, TestHub } from './support/hub';

/**
 * The SDK as vendors get it: `npm run sdk:pack`, the tarball installed into fresh ESM and
 * CommonJS projects, their code compiled with `tsc --module nodenext --strict`, run against a
 * live hub. Behaviour tests use the CommonJS build required from the installed copy.
 */
const run = promisify(execFile);
const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');
const PKG = '@edu-group-hub/sdk';

// The installed package's API, typed from its sources (the tests use the built copy).
type Sdk = typeof import('../sdk/src/index');

let hub: TestHub;
let work: string;
let sdk: Sdk;
let jurisdictionId: string;

async function vendorKey(scopes: string[], revoked = false): Promise<string> {
  const key = newApiKey();
  await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, revoked_at) VALUES ($1, $2, 'VENDOR', $3, '{}', $4, $5, $6)`,
    [newId(), `sdk test ${key.slice(4, 10)}`, jurisdictionId, scopes, hashApiKey(key), revoked ? new Date() : null]);
  return key;
}

/** A project of a vendor's: the tarball installed, the examples compiled with the root's tsc. */
async function vendorProject(tarball: string, type: 'module' | 'commonjs'): Promise<string> {
  const dir = path.join(work, type);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `vendor-${type}`, private: true, type }));
  for (const f of fs.readdirSync(path.join(root, 'sdk', 'examples'))) fs.copyFileSync(path.join(root, 'sdk', 'examples', f), path.join(dir, f));
  // No runtime dependencies: nothing to fetch.
  await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
  const sources = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  const common = ['--strict', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types')];
  await Promise.all([
    run(process.execPath, [tsc, '--module', 'nodenext', '--moduleResolution', 'nodenext', ...common, ...sources], { cwd: dir }),
    // Bundlers (Vite, webpack, esbuild) resolve it too.
    type === 'module' && run(process.execPath, [tsc, '--module', 'esnext', '--moduleResolution', 'bundler', '--noEmit', ...common, ...sources], { cwd: dir }),
  ]);
  return dir;
}

async function runExample(dir: string, file: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, [file], { cwd: dir, env: { ...process.env, HUB_URL: hub.url, ...env } });
  return stdout;
}

let esm: string;
let cjs: string;

beforeAll(async () => {
  hub = await startHub({ writes: true });
  [{ id: jurisdictionId }] = await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = '640502'`);
  const { stdout } = await run('npm', ['run', '-s', 'sdk:pack'], { cwd: root });
  const tarball = stdout.trim().split('\n').pop()!;
  expect(path.isAbsolute(tarball) && fs.existsSync(tarball)).toBe(true);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-sdk-'));
  [esm, cjs] = await Promise.all([vendorProject(tarball, 'module'), vendorProject(tarball, 'commonjs')]);
  sdk = require(require.resolve(PKG, { paths: [cjs] }));
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the package: ESM and CommonJS builds, no runtime dependencies, the persisted-documents manifest', async () => {
  const installed = path.join(cjs, 'node_modules', PKG);
  const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  expect(pkg.dependencies ?? {}).toEqual({});
  expect(fs.readdirSync(path.join(cjs, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['@edu-group-hub']);
  // The ESM build loads under Node's own ESM loader and exposes the same API.
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `import { createHubClient, HubError, StaffMembersDocument } from '${PKG}'; console.log(typeof createHubClient, typeof HubError, StaffMembersDocument.hash.length)`], { cwd: esm });
  expect(stdout.trim()).toBe('function function 64');
  // Every document's hash is the sha256 of its exact text.
  const manifest: Record<string, string> = JSON.parse(fs.readFileSync(path.join(installed, 'persisted-documents.json'), 'utf8'));
  for (const [hash, text] of Object.entries(manifest)) expect(crypto.createHash('sha256').update(text).digest('hex')).toBe(hash);
  expect(manifest[sdk.StaffMembersDocument.hash]).toBe(sdk.StaffMembersDocument.text);
});

test('paginating all of a vendor\'s staff yields totalCount distinct members', async () => {
  const hubClient = sdk.createHubClient({ url: hub.url, apiKey: await vendorKey(['campus:read', 'staff:read']) });
  const { totalCount } = await hubClient.staffMembers({ first: 1 });
  const ids = new Set<string>();
  let n = 0;
  for await (const s of hubClient.paginate.staffMembers({ first: 200 })) {
    ids.add(s.id);
    n++;
  }
  expect(totalCount).toBeGreaterThan(200); // several pages
  expect(n).toBe(totalCount);
  expect(ids.size).toBe(totalCount);
});

test('examples: a file store synced from nothing, then from its cursor (CommonJS); every error a vendor meets (ESM)', async () => {
  const key = await vendorKey(['campus:read', 'staff:read']);
  const store = path.join(work, 'store.json');
  const first = JSON.parse(await runExample(cjs, 'sync-to-file.js', { HUB_API_KEY: key, STORE: store }));
  const reader = sdk.createHubClient({ url: hub.url, apiKey: key });
  expect(first.campuses).toBe((await reader.campuses({ first: 1 })).totalCount);
  expect(first.staff).toBe((await reader.staffMembers({ first: 1 })).totalCount);
  expect(JSON.parse(fs.readFileSync(store, 'utf8')).cursor).toBe(first.cursor);
  // A restart: nothing new, the stored cursor stays.
  const second = JSON.parse(await runExample(cjs, 'sync-to-file.js', { HUB_API_KEY: key, STORE: store }));
  expect(second).toMatchObject({ cursor: first.cursor, upserts: 0, deletes: 0, campuses: first.campuses, staff: first.staff });

  const cases = (await runExample(esm, 'handle-errors.js', { HUB_API_KEY: key })).trim().split('\n').map((l) => JSON.parse(l));
  expect(Object.fromEntries(cases.map((c) => [c.case, [c.code, c.data]]))).toEqual({
    'wrong key': ['UNAUTHENTICATED', false],
    'kind outside the scopes': ['FORBIDDEN', false],
    'page too large': ['BAD_USER_INPUT', false],
    'relation outside the scopes (partial data)': ['FORBIDDEN', true],
    'too many aliases': ['QUERY_TOO_COMPLEX', false],
    'unknown field': ['GRAPHQL_VALIDATION_FAILED', false],
    'cursor older than the feed keeps': ['RESYNC_REQUIRED', false],
  });
});

test('example: a group administrator posts a rotation (ESM)', async () => {
  const [g] = await hub.ds.query(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`);
  const token = (await hub.headers({ sub: 't:ga', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', g.id) })).authorization.slice('Bearer '.length);
  // The hub under test runs on a fixed date (TEST_NOW); the example starts the posting on that day.
  const startDate = new Date(TEST_NOW.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const out = JSON.parse(await runExample(esm, 'post-rotation.js', { HUB_TOKEN: token, START_DATE: startDate }));
  expect(out.status).toBe('ACTIVE');
  // Global ids are base64url("Type:uuid").
  const [type, uuid] = Buffer.from(out.postingId, 'base64url').toString().split(':');
  expect(type).toBe('Posting');
  expect(await hub.ds.query(`SELECT type, status FROM posting WHERE id = $1`, [uuid])).toEqual([{ type: 'ROTATION', status: 'ACTIVE' }]);
});

test('sync: from nothing, then an upsert, an update and a delete arrive as callbacks in feed order; an old cursor resyncs', async () => {
  const key = await vendorKey(['campus:read', 'staff:read', 'resource:read']);
  let requests = 0;
  const vendor = sdk.createHubClient({ url: hub.url, apiKey: key, fetch: (url, init) => (requests++, fetch(url, init)) });
  const writer = sdk.createHubClient({ url: hub.url, apiKey: await vendorKey(['campus:read', 'staff:read', 'staff:write']) });

  const seen = new Map<string, string>();
  const initial = await vendor.sync({
    entityTypes: ['Staff', 'Resource'],
    onUpsert: (e) => void seen.set(e.id, e.__typename),
    onDelete: (d) => void seen.delete(d.entityId),
  });
  const staffTotal = (await vendor.staffMembers({ first: 1 })).totalCount;
  const resourceTotal = (await vendor.resources({ first: 1 })).totalCount;
  expect([...seen.values()].filter((t) => t === 'Staff')).toHaveLength(staffTotal);
  expect([...seen.values()].filter((t) => t === 'Resource')).toHaveLength(resourceTotal);
  // Entities come with their changes, a page (500) per request, never a request per change.
  expect(requests).toBe(Math.max(1, Math.ceil((initial.upserts + initial.deletes) / 500)) + 2); // + the two totalCount reads

  const campus = (await vendor.campuses({ first: 1 })).edges[0].node;
  const input = { externalId: 'SDK-0001', homeCampusId: campus.id, name: '马晓燕', role: 'TEACHER' as const, title: 'FIRST' as const, subjects: ['语文'], backbone: false, fullTimeTeacher: true };
  const created = await writer.upsertStaff({ input });
  await writer.upsertStaff({ input: { ...input, name: '马晓艳' } });
  const resource = (await vendor.resources({ first: 1 })).edges[0].node;
  const [{ group_id }] = await hub.ds.query(`SELECT l.group_id FROM resource r JOIN resource_library l ON l.id = r.library_id WHERE r.id = $1`,
    [(await hub.ds.query(`SELECT id FROM resource WHERE deleted_at IS NULL`)).map((r: { id: string }) => r.id).find((id: string) => encodeId('Resource', id) === resource.id)]);
  const groupAdmin = sdk.createHubClient({ url: hub.url, token: (await hub.headers({ sub: 't:ga', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', group_id) })).authorization.slice(7) });
  expect(await groupAdmin.deleteResource({ id: resource.id })).toBe(resource.id);

  const events: Array<[string, string, string?]> = [];
  const next = await vendor.sync({
    cursor: initial.cursor,
    entityTypes: ['Staff', 'Resource'],
    onUpsert: (e) => void events.push(['upsert', e.id, e.__typename === 'Staff' ? `${e.name}/${e.externalId}` : undefined]),
    onDelete: (d) => void events.push(['delete', d.entityId, d.naturalKey ?? undefined]),
  });
  // The insert and the update each bring the staff member as it is now; then the delete.
  expect(events).toEqual([
    ['upsert', created.id, '马晓艳/SDK-0001'],
    ['upsert', created.id, '马晓艳/SDK-0001'],
    ['delete', resource.id, undefined],
  ]);
  expect(next.cursor).not.toBe(initial.cursor);

  // A cursor whose entry is 91 days old: the feed no longer holds what came after it.
  const [txid, seq] = Buffer.from(initial.cursor!, 'base64url').toString().split(':').slice(1, 3);
  const old = Buffer.from(`f:${txid}:${seq}:${Math.floor(Date.now() / 1000) - 91 * 86_400}`).toString('base64url');
  let resyncs = 0;
  const reloaded = new Set<string>();
  const resynced = await vendor.sync({
    cursor: old,
    entityTypes: ['Staff'],
    onResync: () => void resyncs++,
    onUpsert: (e) => void reloaded.add(e.id),
    onDelete: () => undefined,
  });
  expect(resyncs).toBe(1);
  expect(resynced.resynced).toBe(true);
  // Everything again from no cursor, the new member included.
  expect(reloaded.size).toBe(staffTotal + 1);
  expect(reloaded.has(created.id)).toBe(true);
});

test('sync: a campus moving out of the key\'s area arrives as deletes of the campus and its staff', async () => {
  const key = await vendorKey(['campus:read', 'staff:read']);
  const vendor = sdk.createHubClient({ url: hub.url, apiKey: key });
  const held = new Map<string, string>();
  const first = await vendor.sync({ entityTypes: ['Campus', 'Staff'], onUpsert: (e) => void held.set(e.id, e.__typename), onDelete: (d) => void held.delete(d.entityId) });
  const [area] = await hub.ds.query(`SELECT code FROM jurisdiction WHERE id = $1`, [jurisdictionId]);
  const campus = (await hub.ds.query(`SELECT c.id, c.name, s.code FROM campus c JOIN school s ON s.id = c.school_id
    WHERE c.jurisdiction_id = $1 AND NOT EXISTS (SELECT 1 FROM group_membership m WHERE m.campus_id = c.id AND m.status = 'ACTIVE')
      AND EXISTS (SELECT 1 FROM staff st WHERE st.home_campus_id = c.id) ORDER BY c.id LIMIT 1`, [jurisdictionId]))[0];
  const staff = (await hub.ds.query(`SELECT id FROM staff WHERE home_campus_id = $1`, [campus.id])).map((r: { id: string }) => encodeId('Staff', r.id));
  expect(held.has(encodeId('Campus', campus.id))).toBe(true);
  // Its city moves it to a neighbouring county, outside the key's area.
  const [{ city, neighbour }] = await hub.ds.query(`SELECT p.code AS city, (SELECT n.code FROM jurisdiction n WHERE n.parent_id = p.id AND n.code <> $1 ORDER BY n.code LIMIT 1) AS neighbour
    FROM jurisdiction j JOIN jurisdiction p ON p.id = j.parent_id WHERE j.code = $1`, [area.code]);
  const cityBureau = sdk.createHubClient({ url: hub.url, token: (await hub.headers({ sub: 't:city', role: 'BUREAU_ADMIN', jurisdiction: city })).authorization.slice(7) });
  await cityBureau.upsertCampus({ input: { schoolCode: campus.code, name: campus.name, jurisdictionCode: neighbour } });
  const deleted: string[] = [];
  await vendor.sync({ cursor: first.cursor, entityTypes: ['Campus', 'Staff'], onUpsert: (e) => void held.set(e.id, e.__typename), onDelete: (d) => void (deleted.push(d.entityId), held.delete(d.entityId)) });
  expect(deleted.sort()).toEqual([encodeId('Campus', campus.id), ...staff].sort());
  // What the key now holds is what it can list.
  const listed = new Set<string>();
  for await (const c of vendor.paginate.campuses({})) listed.add(c.id);
  expect([...held].filter(([, type]) => type === 'Campus').map(([id]) => id).sort()).toEqual([...listed].sort());
});

test('the SDK sends its documents by hash: a persisted-only key uses every method, and no document of its own', async () => {
  const key = await vendorKey(['campus:read', 'staff:read']);
  await hub.ds.query(`UPDATE api_client SET persisted_only = true WHERE key_hash = $1`, [hashApiKey(key)]);
  const bodies: Array<{ query?: string; extensions?: { persistedQuery?: { sha256Hash: string } } }> = [];
  const client = sdk.createHubClient({
    url: hub.url,
    apiKey: key,
    fetch: (url, init) => {
      bodies.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  });
  expect((await client.campuses({ first: 2 })).edges).toHaveLength(2);
  expect(bodies).toEqual([{ variables: { first: 2 }, extensions: { persistedQuery: { version: 1, sha256Hash: sdk.CampusesDocument.hash } } }]);
  let n = 0;
  for await (const s of client.paginate.staffMembers({ first: 300 })) if (s.externalId !== undefined) n++;
  expect(n).toBe((await client.staffMembers({ first: 1 })).totalCount);
  const refused = await client.request('{ viewer { role } }').catch((e) => e);
  expect(refused).toMatchObject({ code: 'FORBIDDEN', status: 403 });
});

test('a revoked key raises HubError UNAUTHENTICATED', async () => {
  const revoked = sdk.createHubClient({ url: hub.url, apiKey: await vendorKey(['campus:read'], true) });
  const error = await revoked.campuses({ first: 1 }).catch((e) => e);
  expect(error).toBeInstanceOf(sdk.HubError);
  expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
});

test('429 and 503 are retried after Retry-After; a non-idempotent mutation is not', async () => {
  const headers = await hub.headers(NATIONAL_BUREAU);
  const seen: number[] = [];
  // null: no answer at all (the request hangs).
  let answers: Array<() => [number, Record<string, string>, string] | null> = [];
  // In front of the hub: answers the queued refusals first, then passes requests through.
  const proxy = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push(Date.now());
    const canned = answers.shift();
    if (canned) {
      const answer = canned();
      if (answer) res.writeHead(answer[0], answer[1]).end(answer[2]);
      return;
    }
    const r = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: headers.authorization }, body: Buffer.concat(chunks) });
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
  try {
    const client = sdk.createHubClient({ url, token: headers.authorization.slice(7), maxRetries: 3 });
    answers = [
      () => [429, { 'content-type': 'application/json', 'retry-after': '1' }, JSON.stringify({ errors: [{ message: 'rate limited', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } }] })],
      () => [503, { 'content-type': 'text/plain', 'retry-after': '1' }, 'upstream unavailable'],
    ];
    const start = Date.now();
    const viewer = await client.viewer();
    expect(viewer.role).toBe('BUREAU_ADMIN');
    // Two refusals, each waited out (≥ 1 s after the refusal), then the real answer.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(1000);
    expect(seen[2] - seen[1]).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(2000);

    // The posting might have been created before the 503: sending it again could post twice.
    seen.length = 0;
    answers = [() => [503, { 'content-type': 'application/json', 'retry-after': '0' }, JSON.stringify({ errors: [{ message: 'database away', extensions: { code: 'SERVICE_UNAVAILABLE' } }] })]];
    const refused = await client.createPosting({ input: { staffId: 'x', toCampusId: 'y', type: 'ROTATION', hostRole: 'TEACHER', startDate: '2026-12-01' } }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503, retryAfter: 0 });
    expect(seen).toHaveLength(1);

    // No answer within timeoutMs: TIMEOUT, retried (a query), then reported.
    seen.length = 0;
    answers = [() => null, () => null];
    const impatient = sdk.createHubClient({ url, token: headers.authorization.slice(7), timeoutMs: 200, maxRetries: 1 });
    expect(await impatient.viewer().catch((e) => e)).toMatchObject({ code: 'TIMEOUT' });
    expect(seen).toHaveLength(2);
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
  // Nobody listening any more: NETWORK_ERROR after the retries.
  const nowhere = sdk.createHubClient({ url, maxRetries: 1 });
  expect(await nowhere.viewer().catch((e) => e)).toMatchObject({ code: 'NETWORK_ERROR' });
});
