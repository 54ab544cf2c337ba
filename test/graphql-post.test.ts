import 'reflect-metadata';
import net from 'node:net';
import { createLogger } from '../server/http/logging';
import { startHub, TestHub } from './support/hub';

/**
 * Issue 9: POST /graphql with a JSON body is served without Express (http/graphql-post.ts).
 * A client must not be able to tell: the same requests, well-formed and broken, sent to a hub
 * on the lean path and to one with `leanPost: false` (everything through Express), answer the
 * same status, body and headers. The only difference is Express's ETag on the latter, which
 * the test uses to check that each request took the path it was meant to.
 */
let lean: TestHub;
let express: TestHub;
/** Both servers' log lines (JSON), to compare what each recorded of a request. */
const lines: Array<Record<string, any>> = [];
const capture = () => createLogger({ level: 'info', format: 'json', destination: { write: (s: string) => void s.split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l))) } });

beforeAll(async () => {
  lean = await startHub({ http: { leanPost: true, logger: capture() } });
  // The same database (read-only requests): both answer from the same rows.
  express = await startHub({ databaseUrl: lean.databaseUrl, http: { leanPost: false, logger: capture() } });
});
afterAll(async () => {
  await lean?.stop();
  await express?.stop();
});

interface Sent {
  body: string;
  headers?: Record<string, string>;
  auth?: boolean;
  path?: string;
}

/** Status, JSON body and the headers a client reads, of one request to one hub. */
async function send(hub: TestHub, s: Sent) {
  const auth = s.auth === false ? {} : await hub.headers({ sub: 'test:lean-post', role: 'BUREAU_ADMIN', jurisdiction: '640502' });
  const res = await fetch(new URL(s.path ?? '/graphql', hub.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...s.headers },
    body: s.body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = { notJson: text.slice(0, 200) };
  }
  const h = (n: string) => res.headers.get(n);
  return {
    status: res.status,
    json,
    headers: {
      'content-type': h('content-type'),
      'x-sql-statements': h('x-sql-statements'),
      'ratelimit-limit': h('ratelimit-limit'),
      'ratelimit-policy': h('ratelimit-policy'),
      'retry-after': h('retry-after'),
      'x-request-id': s.headers?.['x-request-id'] ? h('x-request-id') : 'generated',
    },
    etag: h('etag'),
    requestId: h('x-request-id'),
  };
}

const gql = (query: string, variables?: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ query, variables, ...extra });
const deep = (n: number) => `{ groups(first: 1) { edges { node { ${'memberships(first: 1) { edges { node { group { '.repeat(n)}id${' } } } }'.repeat(n)} } } } }`;

const CASES: Record<string, Sent> = {
  'a query': { body: gql('query G { groups(first: 3) { totalCount edges { cursor node { id name leadCampus { name school { code } } } } } }') },
  'a query with variables': { body: gql('query J($code: String!) { jurisdiction(code: $code) { code name } }', { code: '640502' }) },
  'charset=utf-8 and a BOM': { body: '\ufeff' + gql('{ jurisdiction(code: "640502") { name } }'), headers: { 'content-type': 'application/json; charset=utf-8' } },
  'the client\'s request id': { body: gql('{ __typename }'), headers: { 'x-request-id': 'lean-post-test-1' } },
  'broken JSON': { body: '{"query": ' },
  'JSON that is not an object': { body: '"{ __typename }"' },
  'an empty body': { body: '' },
  'a batch (an array)': { body: `[${gql('{ __typename }')}]` },
  'no credentials': { body: gql('{ __typename }'), auth: false },
  'a forged token': { body: gql('{ __typename }'), auth: false, headers: { authorization: 'Bearer abc.def.ghi' } },
  'too deep (refused before Apollo)': { body: gql(deep(6)) },
  'an unknown field': { body: gql('{ groups(first: 1) { nope } }') },
  'a variable of the wrong type': { body: gql('query J($code: String!) { jurisdiction(code: $code) { code } }', { code: 5 }) },
  'a NUL in a literal': { body: gql('{ jurisdiction(code: "64\\u00000502") { code } }') },
  'an unknown persisted hash': { body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }) },
  'no query at all': { body: JSON.stringify({ variables: {} }) },
  'a query that is not a string': { body: JSON.stringify({ query: 42 }) },
  'a mutation refused by the authority module': { body: gql('mutation { createGroup(input: { name: "x", mode: ALLIANCE, leadCampusId: "bm9wZQ" }) { group { id } } }') },
  'too large (over 1 MB)': { body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } }) },
  'exactly 1 MB': { body: (() => { const b = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } }); return b.replace('"pad":""', `"pad":"${'x'.repeat(1024 * 1024 - b.length)}"`); })() },
  'variables nested 5,000 deep (a client error, not a crash)': { body: `{"query":"{ __typename }","variables":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}` },
};

describe('POST /graphql: the lean path answers as Express does', () => {
  for (const [name, sent] of Object.entries(CASES)) {
    it(name, async () => {
      const a = await send(lean, sent);
      const b = await send(express, sent);
      expect(a.status).toBe(b.status);
      expect(a.json).toEqual(b.json);
      expect(a.headers).toEqual(b.headers);
      // Never HTML or a stack, on either path; every error has a code.
      expect(a.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
      for (const e of ((a.json as { errors?: Array<{ extensions?: { code?: string }; stack?: unknown }> }).errors ?? [])) {
        expect(typeof e.extensions?.code).toBe('string');
        expect(JSON.stringify(e)).not.toMatch(/\n\s+at |SELECT |node_modules/);
      }
      // Which path served: Express's res.send adds an ETag, the lean path does not.
      expect(a.etag).toBeNull();
      if (b.status !== 413) expect(b.etag).not.toBeNull();
    });
  }

  it('a large answer in Chinese is sent whole: content-length counts its UTF-8 bytes, as Express does', async () => {
    // Large enough that JSON.stringify answers a rope of parts (the lean path encodes it once into bytes).
    const body = gql('{ staffMembers(first: 500) { edges { cursor node { id name title homeCampus { name school { name } } } } } }');
    const auth = await lean.headers({ sub: 'test:lean-post', role: 'BUREAU_ADMIN', jurisdiction: '000000' });
    const fetchBytes = async (hub: TestHub) => {
      const res = await fetch(new URL('/graphql', hub.url), { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });
      return { length: Number(res.headers.get('content-length')), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const a = await fetchBytes(lean);
    const b = await fetchBytes(express);
    expect(a.bytes.length).toBeGreaterThan(16 * 1024);
    expect(a.length).toBe(a.bytes.length);
    expect(a.bytes.toString('utf8')).toMatch(/[\u4e00-\u9fff]/);
    expect(a.bytes.equals(b.bytes)).toBe(true);
  });

  it('variables nested 5,000 deep are refused as BAD_USER_INPUT (they overflowed the stack: a 500)', async () => {
    const a = await send(lean, CASES['variables nested 5,000 deep (a client error, not a crash)']);
    expect(a.status).toBe(400);
    expect((a.json as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('a body over 1 MB is read off before the 413, so the connection serves the next request', async () => {
    // Two requests on one connection, the first too large and sent in slices: both answered, in order.
    for (const hub of [lean, express]) {
      const auth = await hub.headers({ sub: 'test:lean-post', role: 'BUREAU_ADMIN', jurisdiction: '640502' });
      const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_500_000) } });
      const small = JSON.stringify({ query: '{ __typename }' });
      const head = (len: number) => `POST /graphql HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nAuthorization: ${auth.authorization}\r\nContent-Length: ${len}\r\n\r\n`;
      const answers = await new Promise<string>((resolve, reject) => {
        let got = '';
        const s = net.connect(Number(new URL(hub.url).port), '127.0.0.1', async () => {
          s.write(head(Buffer.byteLength(big)));
          for (let i = 0; i < big.length; i += 100_000) {
            s.write(big.slice(i, i + 100_000));
            await new Promise((r) => setTimeout(r, 5));
          }
          s.write(head(Buffer.byteLength(small)) + small);
        });
        const done = () => {
          clearTimeout(timer);
          s.destroy();
          resolve(got);
        };
        const timer = setTimeout(done, 10_000);
        s.on('data', (d) => {
          got += d.toString();
          if ((got.match(/HTTP\/1\.1 /g) ?? []).length >= 2 && got.includes('"Query"')) done();
        });
        s.on('close', done);
        s.on('error', reject);
      });
      const statuses = [...answers.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
      expect(statuses).toEqual(['413', '200']);
    }
  });

  it('a client that leaves mid-body is logged and counted as on Express (400 BAD_USER_INPUT, aborted)', async () => {
    for (const [hub, id] of [[lean, 'lean-abort-1'], [express, 'express-abort-1']] as const) {
      await new Promise<void>((resolve) => {
        const s = net.connect(Number(new URL(hub.url).port), '127.0.0.1', () => {
          s.write(`POST /graphql HTTP/1.1\r\nHost: hub\r\nX-Request-Id: ${id}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
          setTimeout(() => { s.destroy(); resolve(); }, 100);
        });
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    const line = (id: string) => lines.find((l) => l.requestId === id && l.msg === 'request');
    expect(line('lean-abort-1')).toMatchObject({ status: 400, aborted: true, errors: ['BAD_USER_INPUT'] });
    expect(line('express-abort-1')).toMatchObject({ status: 400, aborted: true, errors: ['BAD_USER_INPUT'] });
  });

  it('a fresh request id for each request', async () => {
    const a = await send(lean, CASES['a query']);
    const again = await send(lean, CASES['a query']);
    expect(a.status).toBe(200);
    expect((a.json as { data: { groups: { edges: unknown[] } } }).data.groups.edges.length).toBeGreaterThan(0);
    expect(a.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(again.requestId).not.toBe(a.requestId);
  });

  it('other paths, methods and content types still go through Express', async () => {
    // Not exactly /graphql: Express's routing (a trailing slash matches /graphql there too).
    const slash = await send(lean, { body: gql('{ __typename }'), path: '/graphql/' });
    expect(slash.status).toBe(200);
    expect(slash.etag).not.toBeNull();
    // Another charset: Express's body parser refuses it in its words.
    const latin = await send(lean, { body: gql('{ __typename }'), headers: { 'content-type': 'application/json; charset=latin1' } });
    const latinExpress = await send(express, { body: gql('{ __typename }'), headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin.status).toBe(latinExpress.status);
    expect(latin.json).toEqual(latinExpress.json);
  });
});
