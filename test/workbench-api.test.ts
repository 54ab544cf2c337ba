import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import express from 'express';
import { buildSchema, isEnumType } from 'graphql';
import { hashApiKey, newApiKey, readAuthConfig } from '../server/access/authenticate';
import { demoCredentials, TokenClaims } from '../server/access/tokens';
import { ConfigError, readConfig } from '../server/config';
import { newId } from '../server/db/ids';
import { decodeId, encodeId } from '../server/graphql/ids';
import { ANALYSES, rowsAt, valueAt } from '../server/workbench/analyses';
import { GLOSSARY } from '../server/workbench/glossary';
import { readOidcSettings, WorkbenchCaller, workbenchDataRouter } from '../server/workbench/routes';
import { As, startHub, TestHub } from './support/hub';

/**
 * The workbench's backend (server/workbench/): the shipped analyses run as analysts of demo
 * bureaus and return rows their columns read; the glossary covers every enum value of the
 * schema and every column's field; the JSON endpoints; and saved analyses (分析方案): kept with
 * the caller's bureau, shared within the same jurisdiction only, changed by their owner only,
 * refused to roles that keep none, audited and never on the change feed.
 */

const SP = '640502'; // 沙坡头区
const ZW = '640500'; // 中卫市, SP's city
const ZN = '640521'; // 中宁县, SP's sibling county
const GZ = '620702'; // 甘州区
const KM = '530100'; // 昆明市 (the cross-county group 明远)
const NY = '411373'; // 南阳市职教园区 (a trusteeship over its cap)

const analyst = (jurisdiction: string, sub = `t:analyst:${jurisdiction}`): TokenClaims => ({ sub, role: 'ANALYST', jurisdiction });
const bureau = (jurisdiction: string, sub = `t:bureau:${jurisdiction}`): TokenClaims => ({ sub, role: 'BUREAU_ADMIN', jurisdiction });

const schemaText = fs.readFileSync(path.join(__dirname, '../schema/schema.graphql'), 'utf8');

/** Variables of an analysis for a caller anchored at `code`: its own jurisdiction, the parameters' defaults. */
function variablesFor(a: (typeof ANALYSES)[number], code: string): Record<string, string> {
  return Object.fromEntries(a.parameters.map((p) => [p.name, p.name === 'jurisdiction' ? code : p.default!]));
}

describe('the catalog of analyses (analyses.ts)', () => {
  let hub: TestHub;
  beforeAll(async () => (hub = await startHub()));
  afterAll(() => hub.stop());

  test('seven analyses with unique ids, Chinese and English titles, one operation whose variables are the parameters', () => {
    expect(ANALYSES).toHaveLength(7);
    expect(new Set(ANALYSES.map((a) => a.id)).size).toBe(7);
    for (const a of ANALYSES) {
      expect(a.title.zh && a.title.en && a.description.zh && a.description.en).toBeTruthy();
      const vars = [...a.document.matchAll(/\$(\w+)\s*:/g)].map((m) => m[1]).sort();
      expect({ id: a.id, vars }).toEqual({ id: a.id, vars: a.parameters.map((p) => p.name).sort() });
      expect((a.document.match(/^\s*(query|mutation|subscription)\b/gm) ?? []).length).toBe(1);
    }
  });

  // Where each analysis must find rows: the demo bureaus whose data it is about.
  const EXPECT_ROWS: Record<string, string[]> = {
    'coverage-by-county': [SP, GZ, KM, ZW],
    'rotation-by-group': [SP, GZ, KM, NY],
    'evaluation-grades-by-county': [SP, GZ, KM],
    'cross-county-approvals': [KM],
    'resource-reach-rural': [SP, GZ, KM, NY],
    'funding-by-group': [SP, GZ, NY],
    'policy-violations': [SP, GZ, NY],
  };

  for (const a of ANALYSES) {
    test(`${a.id}: runs without errors as an analyst of every demo bureau, returns rows where the data is, and every column and chart path resolves`, async () => {
      expect(EXPECT_ROWS[a.id]).toBeDefined();
      const seen = new Map<string, number>();
      const filled = new Set<string>();
      for (const code of [SP, GZ, KM, NY, ZW]) {
        const r = await hub.as(analyst(code)).gql(a.document, variablesFor(a, code));
        expect({ code, errors: r.errors ?? null }).toEqual({ code, errors: null });
        const rows = rowsAt(r.data, a.rows);
        seen.set(code, rows.length);
        for (const row of rows) {
          for (const c of a.columns) {
            const v = valueAt(row, c.path);
            if (v !== null && !(Array.isArray(v) && v.length === 0)) filled.add(c.path);
          }
        }
      }
      for (const code of EXPECT_ROWS[a.id]) expect({ code, rows: seen.get(code)! > 0 }).toEqual({ code, rows: true });
      // Each column holds a value somewhere (a path that resolves to nothing anywhere is a typo).
      expect(a.columns.map((c) => c.path).filter((p) => !filled.has(p))).toEqual([]);
      if (a.chart) for (const p of [a.chart.category, ...a.chart.values]) expect(a.columns.map((c) => c.path)).toContain(p);
    });
  }

  test('the table path flattens connections and lists: cross-county rows are every membership of every cross-county group 昆明市 sees', async () => {
    const a = ANALYSES.find((x) => x.id === 'cross-county-approvals')!;
    const data = await hub.as(analyst(KM)).data(a.document, variablesFor(a, KM));
    const expected = data.groups.edges.flatMap((e: any) => e.node.memberships.edges.map((m: any) => m.node));
    expect(expected.length).toBeGreaterThan(0);
    expect(rowsAt(data, a.rows)).toEqual(expected);
    // Every row's group is cross-county: its members lie in more than one county.
    const counties = new Set(expected.map((m: any) => m.campus.jurisdiction.code));
    expect(counties.size).toBeGreaterThan(1);
    // The pending cross-county application shows the authorities still to decide.
    expect(expected.some((m: any) => m.status === 'APPLIED' && m.pendingApprovals.length > 0)).toBe(true);
  });

  test('figures read by the columns are the API\'s own: funding total = base + campus amounts; grade counts by index add up to the graded groups', async () => {
    const f = ANALYSES.find((x) => x.id === 'funding-by-group')!;
    const rows = rowsAt(await hub.as(analyst(SP)).data(f.document, variablesFor(f, SP)), f.rows) as any[];
    expect(rows.length).toBe(5);
    for (const r of rows) expect(valueAt(r, 'fundingEntitlement.total')).toBe(r.fundingEntitlement.baseAmount + r.fundingEntitlement.campusAmount);
    // 沙坡头区 [002]: 100,000 yuan per group for a whole year of operation.
    expect(rows.filter((r) => r.stats.operatingDays === 365).every((r) => r.fundingEntitlement.baseAmount === 100000)).toBe(true);

    const g = ANALYSES.find((x) => x.id === 'evaluation-grades-by-county')!;
    const [sp] = rowsAt(await hub.as(analyst(SP)).data(g.document, variablesFor(g, SP)), g.rows) as any[];
    expect(sp.stats.evaluationGrades.map((x: any) => x.grade)).toEqual(['EXCELLENT', 'GOOD', 'FAIR', 'FAIL']);
    const byIndex = [0, 1, 2, 3].map((i) => valueAt(sp, `stats.evaluationGrades.${i}.count`) as number);
    expect(byIndex).toEqual(sp.stats.evaluationGrades.map((x: any) => x.count));
    expect(byIndex.reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
  });

  test('policy violations: the 南阳 trusteeship listing 6 members breaks the cap of 5 (maxMembers), and the rule reads in Chinese', async () => {
    const a = ANALYSES.find((x) => x.id === 'policy-violations')!;
    const rows = rowsAt(await hub.as(analyst(NY)).data(a.document, variablesFor(a, NY)), a.rows) as any[];
    const over = rows.filter((r) => (valueAt(r, 'policyViolations.rule') as string[]).includes('maxMembers'));
    expect(over.map((r) => [r.mode, r.stats.memberCount])).toEqual([['TRUSTEESHIP', 6]]);
    expect(GLOSSARY.enums.PolicyViolationRule.maxMembers.zh).toBe('成员校数量超过上限');
  });
});

describe('the glossary (glossary.ts)', () => {
  test('Chinese and English for every value of every enum of the schema', () => {
    const schema = buildSchema(schemaText);
    const missing: string[] = [];
    let values = 0;
    for (const t of Object.values(schema.getTypeMap())) {
      if (!isEnumType(t) || t.name.startsWith('__')) continue;
      for (const v of t.getValues()) {
        values++;
        const term = GLOSSARY.enums[t.name]?.[v.name];
        if (!term?.zh || !term?.en || !/[\u4e00-\u9fff]/.test(term.zh)) missing.push(`${t.name}.${v.name}`);
      }
    }
    expect(values).toBeGreaterThan(90);
    expect(missing).toEqual([]);
  });

  test('every field name the catalog\'s columns and charts use, and every enum a column names', () => {
    const missing: string[] = [];
    for (const a of ANALYSES) {
      for (const c of a.columns) {
        const fields = c.path.split('.').filter((k) => !/^\d+$/.test(k));
        const last = fields[fields.length - 1];
        if (!c.label && !GLOSSARY.fields[last]) missing.push(`${a.id}: ${c.path}`);
        for (const f of fields) if (!GLOSSARY.fields[f] && f !== 'stats') missing.push(`${a.id}: ${f} (of ${c.path})`);
        if (c.format?.startsWith('enum:') && !GLOSSARY.enums[c.format.slice(5)]) missing.push(`${a.id}: ${c.format}`);
      }
    }
    expect(missing).toEqual([]);
    for (const term of Object.values(GLOSSARY.fields)) expect(/[\u4e00-\u9fff]/.test(term.zh) && term.en.length > 0).toBe(true);
  });
});

/** A server of its own with the router alone (the hub mounts it too: checked below). */
async function serve(router: express.Router): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(router);
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('the workbench JSON endpoints (routes.ts)', () => {
  let hub: TestHub;
  // A database of its own: the demo's credentials register the demo vendor key.
  beforeAll(async () => (hub = await startHub({ writes: true })));
  afterAll(() => hub.stop());

  test('analyses.json and glossary.json serve the catalog and the glossary', async () => {
    const s = await serve(workbenchDataRouter({ devCallers: null, oidc: null }));
    try {
      const a = await fetch(`${s.url}/workbench/analyses.json`);
      expect(a.headers.get('content-type')).toMatch(/application\/json/);
      expect(await a.json()).toEqual(JSON.parse(JSON.stringify(ANALYSES)));
      expect(await (await fetch(`${s.url}/workbench/glossary.json`)).json()).toEqual(GLOSSARY);
      // Without the development secret: no picker, dev-callers.json is 404.
      expect(await (await fetch(`${s.url}/workbench/config.json`)).json()).toEqual({ oidc: null, devSignIn: false });
      expect((await fetch(`${s.url}/workbench/dev-callers.json`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  test('config.json names the identity provider from AUTH_OIDC_ISSUER / AUTH_OIDC_CLIENT_ID (scope default "openid profile"); both or none', async () => {
    expect(readOidcSettings({ AUTH_OIDC_ISSUER: 'https://idp.example.gov.cn/realms/edu', AUTH_OIDC_CLIENT_ID: 'workbench' }))
      .toEqual({ issuer: 'https://idp.example.gov.cn/realms/edu', clientId: 'workbench', scope: 'openid profile' });
    expect(readOidcSettings({ AUTH_OIDC_ISSUER: 'https://idp.example.gov.cn', AUTH_OIDC_CLIENT_ID: 'wb', AUTH_OIDC_SCOPE: 'openid email' })!.scope).toBe('openid email');
    expect(readOidcSettings({ AUTH_OIDC_ISSUER: 'https://idp.example.gov.cn' })).toBeNull();
    const s = await serve(workbenchDataRouter({ devCallers: null, oidc: readOidcSettings({ AUTH_OIDC_ISSUER: 'https://idp.example.gov.cn', AUTH_OIDC_CLIENT_ID: 'wb' }) }));
    try {
      expect(await (await fetch(`${s.url}/workbench/config.json`)).json()).toEqual({ oidc: { issuer: 'https://idp.example.gov.cn', clientId: 'wb', scope: 'openid profile' }, devSignIn: false });
    } finally {
      await s.close();
    }
    expect(() => readConfig({ AUTH_OIDC_ISSUER: 'https://idp.example.gov.cn' })).toThrow(ConfigError);
    expect(() => readConfig({ AUTH_OIDC_ISSUER: 'http://idp.example.gov.cn', AUTH_OIDC_CLIENT_ID: 'wb' })).toThrow(/AUTH_OIDC_ISSUER/);
    expect(() => readConfig({ AUTH_OIDC_ISSUER: 'https://idp.example.gov.cn', AUTH_OIDC_CLIENT_ID: 'wb', AUTH_OIDC_SCOPE: 'profile' })).toThrow(/AUTH_OIDC_SCOPE/);
    expect(readConfig({ AUTH_OIDC_ISSUER: 'https://idp.example.gov.cn', AUTH_OIDC_CLIENT_ID: 'wb' }).unknown).toEqual([]);
  });

  test('with the development secret and the demo loaded: the demo callers (analysts of 640502 and 620702, a bureau admin), labelled in Chinese, whose tokens work', async () => {
    // The demo's credentials signed with this run's secret, as `npm start` signs them with its development secret.
    const secret = readAuthConfig().hsSecret!;
    const callers = async (): Promise<WorkbenchCaller[]> => (await demoCredentials(hub.ds, secret)).flatMap(({ who, header }) => {
      const m = /^Authorization: Bearer (\S+)$/.exec(header);
      return m ? [{ label: who, role: JSON.parse(Buffer.from(m[1].split('.')[1], 'base64url').toString()).role, token: m[1] }] : [];
    });
    const s = await serve(workbenchDataRouter({ devCallers: callers, oidc: null }));
    try {
      expect(await (await fetch(`${s.url}/workbench/config.json`)).json()).toEqual({ oidc: null, devSignIn: true });
      const res = await fetch(`${s.url}/workbench/dev-callers.json`);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const list = (await res.json()) as WorkbenchCaller[];
      for (const c of list) expect(/[\u4e00-\u9fff]/.test(c.label)).toBe(true);
      const viewers = await Promise.all(list.map(async (c) => {
        const r = await hub.as({ headers: { authorization: `Bearer ${c.token}` } }).data(`{ viewer { role jurisdiction { code } } }`);
        expect(r.viewer.role).toBe(c.role);
        return `${r.viewer.role} ${r.viewer.jurisdiction?.code ?? ''}`.trim();
      }));
      expect(viewers).toEqual(expect.arrayContaining([`ANALYST ${SP}`, `ANALYST ${GZ}`, `BUREAU_ADMIN ${SP}`]));
    } finally {
      await s.close();
    }
    // The demo not loaded (the function finds none): no picker.
    const none = await serve(workbenchDataRouter({ devCallers: async () => [], oidc: null }));
    try {
      expect((await fetch(`${none.url}/workbench/dev-callers.json`)).status).toBe(404);
      expect(await (await fetch(`${none.url}/workbench/config.json`)).json()).toEqual({ oidc: null, devSignIn: false });
    } finally {
      await none.close();
    }
  });

  test('the hub serves them too; with a secret that is not the development one, no demo callers (404)', async () => {
    const base = hub.url.replace(/\/graphql$/, '');
    const a = await fetch(`${base}/workbench/analyses.json`);
    expect(a.status).toBe(200);
    expect(((await a.json()) as unknown[]).length).toBe(7);
    expect(((await (await fetch(`${base}/workbench/config.json`)).json()) as { devSignIn: boolean }).devSignIn).toBe(false);
    expect((await fetch(`${base}/workbench/dev-callers.json`)).status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------
// Saved analyses (分析方案).

const FIELDS = 'id name description document parameters shared mine ownerName jurisdiction { code } createdAt updatedAt';
const SAVE = `mutation($input: SaveAnalysisInput!) { saveAnalysis(input: $input) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteAnalysis(id: $id) }`;
const LIST = `{ savedAnalyses(first: 100) { totalCount edges { node { id name shared mine ownerName } } } }`;
const NODE = `query($id: ID!) { node(id: $id) { __typename ... on SavedAnalysis { id name mine } } }`;
const DOC = ANALYSES[1].document;

describe('saved analyses: kept with the bureau, shared within the same jurisdiction only, changed by the owner only', () => {
  let hub: TestHub;
  beforeAll(async () => (hub = await startHub({ writes: true })));
  afterAll(() => hub.stop());

  const owner = analyst(SP, 't:owner');
  const colleague = analyst(SP, 't:colleague');
  const spBureau = bureau(SP);
  const sameSubjectOtherRole = bureau(SP, 't:owner');
  const sameSubjectOtherPlace = analyst(ZW, 't:owner');
  const outsiders: Array<[string, As]> = [['the parent city 中卫市', analyst(ZW)], ['the parent city bureau', bureau(ZW)], ['a sibling county 中宁县', analyst(ZN)], ['甘州区', analyst(GZ)], ['the nation', bureau('000000')]];

  const listNames = async (who: As) => (await hub.as(who).data(LIST)).savedAnalyses.edges.map((e: any) => e.node.name);
  const codeOf = (r: { errors?: Array<{ extensions?: Record<string, any> }> }) => r.errors?.[0]?.extensions?.code;
  const count = async (sql: string, params: unknown[] = []) => Number((await hub.ds.query(sql, params))[0].n);

  let id: string;

  test('an analyst saves an analysis: kept with its jurisdiction, its own, private by default', async () => {
    const r = await hub.as(owner).data(SAVE, { input: { name: '甘州区交流轮岗（自存）', description: '每学年核对', document: DOC, parameters: JSON.stringify({ jurisdiction: SP, schoolYear: '2025-2026' }) } });
    const s = r.saveAnalysis;
    id = s.id;
    expect(decodeId(id)!.type).toBe('SavedAnalysis');
    expect(s).toMatchObject({ name: '甘州区交流轮岗（自存）', description: '每学年核对', document: DOC, shared: false, mine: true, ownerName: 't:owner', jurisdiction: { code: SP } });
    expect(JSON.parse(s.parameters)).toEqual({ jurisdiction: SP, schoolYear: '2025-2026' });
    const row = (await hub.ds.query(`SELECT s.owner_subject, s.owner_role, j.code FROM saved_analysis s JOIN jurisdiction j ON j.id = s.jurisdiction_id WHERE s.id = $1`, [decodeId(id)!.uuid]))[0];
    expect(row).toEqual({ owner_subject: 't:owner', owner_role: 'ANALYST', code: SP });

    expect(await listNames(owner)).toEqual(['甘州区交流轮岗（自存）']);
    // Private: nobody else reads it, not even its own bureau, nor the same subject in another role or place.
    for (const who of [colleague, spBureau, sameSubjectOtherRole, sameSubjectOtherPlace, ...outsiders.map(([, w]) => w)]) {
      expect(await listNames(who)).toEqual([]);
      expect((await hub.as(who).data(NODE, { id })).node).toBeNull();
    }
    expect((await hub.as(owner).data(NODE, { id })).node).toEqual({ __typename: 'SavedAnalysis', id, name: '甘州区交流轮岗（自存）', mine: true });
  });

  test('shared: every BUREAU_ADMIN and ANALYST of 沙坡头区 reads it (not theirs); the parent city, a sibling county, another province and the nation see nothing', async () => {
    const r = await hub.as(owner).data(SAVE, { input: { id, shared: true } });
    expect(r.saveAnalysis).toMatchObject({ shared: true, name: '甘州区交流轮岗（自存）', document: DOC });
    for (const who of [colleague, spBureau, sameSubjectOtherRole]) {
      const l = (await hub.as(who).data(LIST)).savedAnalyses;
      expect(l.totalCount).toBe(1);
      expect(l.edges[0].node).toEqual({ id, name: '甘州区交流轮岗（自存）', shared: true, mine: false, ownerName: 't:owner' });
      expect((await hub.as(who).data(NODE, { id })).node).toMatchObject({ id, mine: false });
    }
    for (const [label, who] of [...outsiders, ['the owner anchored elsewhere', sameSubjectOtherPlace] as [string, As]]) {
      expect({ label, names: await listNames(who) }).toEqual({ label, names: [] });
      expect({ label, node: (await hub.as(who).data(NODE, { id })).node }).toEqual({ label, node: null });
    }
  });

  test('only the owner changes or deletes it: FORBIDDEN for those who see it shared, NOT_FOUND for those who cannot; nothing written', async () => {
    const before = await hub.ds.query(`SELECT * FROM saved_analysis`);
    const audits = await count(`SELECT count(*) AS n FROM audit_entry`);
    for (const who of [colleague, spBureau, sameSubjectOtherRole]) {
      const u = await hub.as(who).gql(SAVE, { input: { id, name: '改名' } });
      expect(codeOf(u)).toBe('FORBIDDEN');
      expect(u.errors![0].message).toMatch(/owner/);
      expect(codeOf(await hub.as(who).gql(DELETE, { id }))).toBe('FORBIDDEN');
    }
    for (const [, who] of [...outsiders, ['elsewhere', sameSubjectOtherPlace] as [string, As]]) {
      const u = await hub.as(who).gql(SAVE, { input: { id, name: '改名' } });
      expect(codeOf(u)).toBe('NOT_FOUND');
      expect(u.errors![0].extensions!.field).toBe('input.id');
      const d = await hub.as(who).gql(DELETE, { id });
      expect(codeOf(d)).toBe('NOT_FOUND');
      expect(d.errors![0].extensions!.field).toBe('id');
    }
    expect(await hub.ds.query(`SELECT * FROM saved_analysis`)).toEqual(before);
    expect(await count(`SELECT count(*) AS n FROM audit_entry`)).toBe(audits);
  });

  test('roles that keep none: an empty list, and saving is FORBIDDEN (naming who may); nothing written', async () => {
    const groupId = (await hub.ds.query(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`))[0].id;
    const cycle = (await hub.ds.query(`SELECT y.id FROM evaluation_cycle y JOIN jurisdiction j ON j.id = y.jurisdiction_id WHERE j.code = $1 ORDER BY y.school_year LIMIT 1`, [SP]))[0].id;
    const key = newApiKey();
    await hub.ds.query(`INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash) VALUES ($1, 'wb vendor', 'VENDOR', (SELECT id FROM jurisdiction WHERE code = $2), '{}', '{campus:read}', $3)`,
      [newId(), SP, hashApiKey(key)]);
    const others: Array<[string, As]> = [
      ['GROUP_ADMIN', { sub: 't:ga', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', groupId) }],
      ['SCHOOL_ADMIN', { sub: 't:sa', role: 'SCHOOL_ADMIN', school: '2164050203' }],
      ['EVALUATOR', { sub: 't:ev', role: 'EVALUATOR', cycles: [encodeId('EvaluationCycle', cycle)] }],
      ['VENDOR', { apiKey: key }],
    ];
    const rows = await count(`SELECT count(*) AS n FROM saved_analysis`);
    for (const [label, who] of others) {
      expect({ label, list: (await hub.as(who).data(`{ savedAnalyses { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`)).savedAnalyses })
        .toEqual({ label, list: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } } });
      const s = await hub.as(who).gql(SAVE, { input: { name: '试试', document: DOC } });
      expect({ label, code: codeOf(s) }).toEqual({ label, code: 'FORBIDDEN' });
      expect(s.errors![0].message).toMatch(/ANALYST.*BUREAU_ADMIN|BUREAU_ADMIN.*ANALYST/);
      expect({ label, code: codeOf(await hub.as(who).gql(SAVE, { input: { id, name: '改名' } })) }).toEqual({ label, code: 'FORBIDDEN' });
      expect({ label, code: codeOf(await hub.as(who).gql(DELETE, { id })) }).toEqual({ label, code: 'FORBIDDEN' });
      expect({ label, code: codeOf(await hub.as(who).gql(NODE, { id })) }).toEqual({ label, code: 'FORBIDDEN' });
    }
    expect(await count(`SELECT count(*) AS n FROM saved_analysis`)).toBe(rows);
  });

  test('bad input names its field: a document that does not parse or holds other than one operation is input.document; nothing written', async () => {
    const rows = await count(`SELECT count(*) AS n FROM saved_analysis`);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', document: '{ groups { ' }, 'input.document'],
      [{ name: 'x', document: 'query A { viewer { role } } query B { viewer { role } }' }, 'input.document'],
      [{ name: 'x', document: 'fragment F on Viewer { role }' }, 'input.document'],
      [{ name: 'x', document: '   ' }, 'input.document'],
      [{ name: 'x', document: `{ viewer { role } }${' '.repeat(20_000)}` }, 'input.document'],
      [{ name: 'x' }, 'input.document'],
      [{ document: DOC }, 'input.name'],
      [{ name: ' ', document: DOC }, 'input.name'],
      [{ name: '名'.repeat(201), document: DOC }, 'input.name'],
      [{ name: 'x', document: DOC, description: '述'.repeat(2001) }, 'input.description'],
      [{ name: 'x', document: DOC, parameters: '[1]' }, 'input.parameters'],
      [{ name: 'x', document: DOC, parameters: '{"schoolYear": 2025}' }, 'input.parameters'],
      [{ name: 'x', document: DOC, parameters: 'not json' }, 'input.parameters'],
      [{ name: 'x', document: DOC, parameters: '{"a": "\\u0000"}' }, 'input.parameters'],
      [{ name: 'x', document: DOC, parameters: '{"a": "\\ud800"}' }, 'input.parameters'],
      [{ id, parameters: '{"a": "x\\u0000"}' }, 'input.parameters'],
      [{ id, document: 'mutation { a } mutation { b }' }, 'input.document'],
    ];
    for (const [input, field] of bad) {
      const r = await hub.as(owner).gql(SAVE, { input });
      expect({ input: JSON.stringify(input).slice(0, 80), code: codeOf(r), field: r.errors?.[0]?.extensions?.field }).toEqual({ input: JSON.stringify(input).slice(0, 80), code: 'BAD_USER_INPUT', field });
    }
    // The longest name and document allowed are accepted (then removed again).
    const ok = await hub.as(owner).data(SAVE, { input: { name: '名'.repeat(200), document: `{ viewer { role } }${' '.repeat(20_000 - 19)}`, description: '述'.repeat(2000) } });
    await hub.as(owner).data(DELETE, { id: ok.saveAnalysis.id });
    expect(await count(`SELECT count(*) AS n FROM saved_analysis`)).toBe(rows);
    // A fragment beside the one operation is fine.
    const frag = await hub.as(owner).gql(SAVE, { input: { id, document: `${DOC}\nfragment Unused on Viewer { role }` } });
    expect(frag.errors).toBeUndefined();
    await hub.as(owner).data(SAVE, { input: { id, document: DOC } });
    expect(codeOf(await hub.as(owner).gql(SAVE, { input: { id: encodeId('SavedAnalysis', newId()), name: 'x' } }))).toBe('NOT_FOUND');
    expect(codeOf(await hub.as(owner).gql(SAVE, { input: { id: 'garbage', name: 'x' } }))).toBe('NOT_FOUND');
  });

  test('audited (actor, action, before/after, the bureau), never on the change feed; an identical save writes nothing', async () => {
    const uuid = decodeId(id)!.uuid;
    const entries = await hub.ds.query(`SELECT actor, action, diff, jurisdiction_ids FROM audit_entry WHERE entity_id = $1 ORDER BY id`, [uuid]);
    const sp = (await hub.ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [SP]))[0].id;
    expect(entries.map((e: any) => e.action)).toEqual(['saveAnalysis', 'updateAnalysis', 'updateAnalysis', 'updateAnalysis']);
    for (const e of entries) expect({ actor: e.actor, j: e.jurisdiction_ids }).toEqual({ actor: 'ANALYST:t:owner', j: [sp] });
    expect(entries[1].diff).toEqual({ before: { shared: false }, after: { shared: true } });
    // An identical save: no audit entry, nothing changed.
    const before = await hub.ds.query(`SELECT * FROM saved_analysis WHERE id = $1`, [uuid]);
    await hub.as(owner).data(SAVE, { input: { id, shared: true, document: DOC, parameters: JSON.stringify({ schoolYear: '2025-2026', jurisdiction: SP }) } });
    expect(await hub.ds.query(`SELECT * FROM saved_analysis WHERE id = $1`, [uuid])).toEqual(before);
    expect(await count(`SELECT count(*) AS n FROM audit_entry WHERE entity_id = $1`, [uuid])).toBe(4);
    // The bureau's admins read the entries in the audit log; the change feed never carries them.
    const log = await hub.as(spBureau).data(`query($id: ID!) { auditLog(entityId: $id) { totalCount edges { node { action actor entityType } } } }`, { id });
    expect(log.auditLog.totalCount).toBe(4);
    expect(log.auditLog.edges[0].node).toEqual({ action: 'updateAnalysis', actor: 'ANALYST:t:owner', entityType: 'SavedAnalysis' });
    expect(await count(`SELECT count(*) AS n FROM change_event WHERE entity_type = 'SavedAnalysis' OR entity_id = $1`, [uuid])).toBe(0);
    // The trail keeps who, when and whether shared, and a digest of the content, never the content:
    // the bureaus reading the audit log may not read an analysis that is not shared with them.
    const row = (await hub.ds.query(`SELECT name, description, document FROM saved_analysis WHERE id = $1`, [uuid]))[0];
    for (const who of [spBureau, bureau(ZW), bureau('000000')]) {
      const text = JSON.stringify((await hub.as(who).data(`query($id: ID!) { auditLog(entityId: $id) { edges { node { diff } } } }`, { id })).auditLog);
      for (const secret of [row.name, row.document, '甘州区交流轮岗（自存）', '每学年核对']) expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    expect(Object.keys(entries[0].diff.after).sort()).toEqual(['content', 'owner', 'shared']);
    const feed = await hub.as(spBureau).data(`{ changes(first: 5000) { changes { entityType } } }`);
    expect(feed.changes.changes.filter((c: any) => c.entityType === 'SavedAnalysis')).toEqual([]);
  });

  test('racing updates by the owner leave one consistent row: every field from one of the writes, each write audited once', async () => {
    const uuid = decodeId(id)!.uuid;
    const audits = await count(`SELECT count(*) AS n FROM audit_entry WHERE entity_id = $1`, [uuid]);
    const N = 12;
    const results = await Promise.all(Array.from({ length: N }, (_, i) => hub.as(owner).gql(SAVE, {
      input: { id, name: `并发${i}`, description: `说明${i}`, document: `query Q${i} { viewer { role } }`, parameters: JSON.stringify({ schoolYear: `20${10 + i}-20${11 + i}` }) },
    })));
    for (const r of results) expect(r.errors).toBeUndefined();
    const [row] = await hub.ds.query(`SELECT name, description, document, parameters FROM saved_analysis WHERE id = $1`, [uuid]);
    const i = Number(/^并发(\d+)$/.exec(row.name)![1]);
    expect(row).toEqual({ name: `并发${i}`, description: `说明${i}`, document: `query Q${i} { viewer { role } }`, parameters: { schoolYear: `20${10 + i}-20${11 + i}` } });
    const entries = await hub.ds.query(`SELECT diff FROM audit_entry WHERE entity_id = $1 ORDER BY id`, [uuid]);
    expect(entries.length).toBe(audits + N);
    // The last write audited is the row as it stands.
    // (by its content's digest: the trail never holds the content itself)
    const digest = crypto.createHash('sha256').update(JSON.stringify({ name: row.name, description: row.description, document: row.document, parameters: row.parameters }), 'utf8').digest('hex');
    expect(entries[entries.length - 1].diff.after.content).toBe(digest);
  });

  test('pages newest first; the owner deletes it: gone from lists and node(id); deleting again is NOT_FOUND', async () => {
    const second = (await hub.as(owner).data(SAVE, { input: { name: '第二个', document: DOC, shared: true } })).saveAnalysis.id;
    const p1 = await hub.as(colleague).data(`{ savedAnalyses(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`);
    expect(p1.savedAnalyses.totalCount).toBe(2);
    expect(p1.savedAnalyses.edges.map((e: any) => e.node.id)).toEqual([second]);
    const p2 = await hub.as(colleague).data(`query($a: String) { savedAnalyses(first: 1, after: $a) { pageInfo { hasNextPage } edges { node { id } } } }`, { a: p1.savedAnalyses.pageInfo.endCursor });
    expect(p2.savedAnalyses).toEqual({ pageInfo: { hasNextPage: false }, edges: [{ node: { id } }] });

    expect((await hub.as(owner).data(DELETE, { id })).deleteAnalysis).toBe(id);
    expect((await hub.as(colleague).data(LIST)).savedAnalyses.edges.map((e: any) => e.node.id)).toEqual([second]);
    expect((await hub.as(owner).data(NODE, { id })).node).toBeNull();
    expect(codeOf(await hub.as(owner).gql(DELETE, { id }))).toBe('NOT_FOUND');
    const del = await hub.ds.query(`SELECT action, diff FROM audit_entry WHERE entity_id = $1 ORDER BY id DESC LIMIT 1`, [decodeId(id)!.uuid]);
    expect(del[0].action).toBe('deleteAnalysis');
    expect(del[0].diff.after).toBeNull();
    expect(await count(`SELECT count(*) AS n FROM change_event WHERE entity_type = 'SavedAnalysis'`)).toBe(0);
  });

  test('a bureau admin saves for its own jurisdiction too; its analysts read it once shared', async () => {
    const b = (await hub.as(spBureau).data(SAVE, { input: { name: '局里共享', document: DOC, shared: true, parameters: '{}' } })).saveAnalysis;
    expect(b).toMatchObject({ mine: true, jurisdiction: { code: SP }, parameters: '{}' });
    expect(await listNames(colleague)).toContain('局里共享');
    expect(await listNames(analyst(ZW))).toEqual([]);
  });
});
