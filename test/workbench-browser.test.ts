import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { readAuthConfig } from '../server/access/authenticate';
import { demoCredentials, signToken, TokenClaims } from '../server/access/tokens';
import { devCallersOf } from '../server/http/workbench-page';
import { Analysis, AnalysisColumn, ANALYSES, rowsAt, valueAt } from '../server/workbench/analyses';
import { GLOSSARY } from '../server/workbench/glossary';
import { startHub, TestHub } from './support/hub';

/**
 * The analysts' workbench at `/`, driven in Debian's chromium as an analyst would use it: sign in
 * with the demo picker, run three shipped analyses and check every cell on screen against the
 * API, download CSV and XLSX and read them back, save / edit / delete an analysis, switch to
 * English, open GraphiQL, sign out. Every request the browser makes is recorded: all go to the
 * hub. Screenshots of each step go to test-output/workbench/<timestamp>/.
 */

const CHROMIUM = process.env.HUB_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's chromium, installed when missing (as root, with apt); else why the test is skipped. */
function chromiumMissing(): string | null {
  if (fs.existsSync(CHROMIUM)) return null;
  const root = process.getuid?.() === 0;
  const apt = fs.existsSync('/usr/bin/apt-get');
  if (!root || !apt) {
    return `${CHROMIUM} is missing and cannot be installed here (${!apt ? 'no apt-get' : 'not root'}): run \`apt-get install -y chromium\` as root, or set HUB_CHROMIUM to a Chromium binary`;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env, timeout: 600_000 });
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env, timeout: 600_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env, timeout: 600_000 });
  }
  return fs.existsSync(CHROMIUM) ? null : `apt-get install chromium did not provide ${CHROMIUM}`;
}

/** Screenshots show Chinese only with a CJK font: one small font is installed when there is none (else tofu, not a failure). */
function ensureCjkFont(): void {
  const hasCjk = () => {
    try {
      return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim() !== '';
    } catch {
      return false;
    }
  };
  if (hasCjk() || process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) return;
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'fonts-wqy-microhei'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 });
  } catch {
    console.warn('no CJK font (apt-get install fonts-wqy-microhei failed): screenshots show Chinese as boxes');
  }
}

const missing = chromiumMissing();
if (!missing) ensureCjkFont();
if (missing) console.warn(`workbench browser test skipped: ${missing}`);
const describeBrowser = missing ? describe.skip : describe;

// ------------------------------------------------------------------ the page's formatting, restated
type Lang = 'zh' | 'en';
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const NUMERIC = new Set(['percent', 'integer', 'yuan']);

function format(v: unknown, fmt: string | undefined, lang: Lang): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => format(x, fmt, lang)).filter((x) => x !== '').join(lang === 'zh' ? '、' : ', ');
  if (typeof v === 'boolean') return lang === 'zh' ? (v ? '是' : '否') : v ? 'Yes' : 'No';
  if (fmt === 'percent' && typeof v === 'number') return `${(v * 100).toFixed(1)}%`;
  if (fmt === 'integer' && typeof v === 'number') return INTEGER.format(v);
  if (fmt === 'yuan' && typeof v === 'number') return `¥${MONEY.format(v)}`;
  if (fmt === 'date' && typeof v === 'string') return v.slice(0, 10);
  if (fmt?.startsWith('enum:')) return GLOSSARY.enums[fmt.slice(5)]?.[String(v)]?.[lang] ?? String(v);
  return String(v);
}
const header = (c: AnalysisColumn, lang: Lang) => c.label?.[lang] ?? GLOSSARY.fields[c.path.split('.').pop()!]?.[lang] ?? c.path.split('.').pop()!;
/** On screen a missing number is a dash; in the files an empty cell. */
const screenCell = (c: AnalysisColumn, text: string) => (text === '' && NUMERIC.has(c.format ?? '') ? '—' : text);

const currentSchoolYear = () => {
  const now = new Date();
  const y = now.getMonth() >= 8 ? now.getFullYear() : now.getFullYear() - 1;
  return `${y}-${y + 1}`;
};

/** RFC 4180 records (quoted fields with doubled quotes, CRLF between records). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

describeBrowser('the analysts’ workbench in a browser', () => {
  let hub: TestHub;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  let step = 0;
  const requests: string[] = [];
  const problems: string[] = [];
  /** The analyst's token, read from the page's sessionStorage after sign-in. */
  let token = '';
  let jurisdiction = '';
  const chosen: Analysis[] = [];
  /** While the form is tried with a bad token: its 401 is the point. */
  let refusalExpected = false;

  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({ path: path.join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  const api = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  /** Runs the analysis on screen: its table, or the test fails with the page's message. */
  const runShown = async () => {
    await page.click('#run');
    await page.waitForSelector('#result-table, #result p, #message:not([hidden])');
    const message = await page.$eval('#message', (m) => ((m as HTMLElement).hidden ? '' : m.textContent));
    if (message && !(await page.$('#result-table'))) throw new Error(`the page says: ${message}`);
  };
  const tableText = () =>
    page.$eval('#result-table', (t) => ({
      headers: [...t.querySelectorAll('thead th')].map((th) => th.textContent ?? ''),
      rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    }));
  const variablesOf = (a: Analysis) => {
    const v: Record<string, string> = {};
    for (const p of a.parameters) v[p.name] = p.default ?? (p.name === 'jurisdiction' ? jurisdiction : currentSchoolYear());
    return v;
  };
  const expectedTable = async (a: Analysis, lang: Lang) => {
    const data = await api(a.document, variablesOf(a));
    const rows = rowsAt(data, a.rows);
    return {
      headers: a.columns.map((c) => header(c, lang)),
      rows: rows.map((r) => a.columns.map((c) => format(valueAt(r, c.path), c.format, lang))),
      raw: rows.map((r) => a.columns.map((c) => valueAt(r, c.path))),
    };
  };

  beforeAll(async () => {
    const secret = readAuthConfig().hsSecret!;
    // The picker as `npm start` offers it with the development secret (the tests sign with their own).
    hub = await startHub({ writes: true, http: { devCallers: async () => devCallersOf(await demoCredentials(hub.ds, secret)) } });
    base = hub.url.replace(/\/graphql$/, '');
    shots = path.join(__dirname, '..', 'test-output', 'workbench', new Date().toISOString().replace(/[:.]/g, '-'));
    fs.mkdirSync(shots, { recursive: true });
    console.log(`workbench screenshots: ${shots}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN', viewport: { width: 1440, height: 960 } });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => {
      if (r.status() >= 400 && !(refusalExpected && r.status() === 401)) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // A failed load is listed with its URL above.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('dialog', (d) => void d.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  test('GraphiQL before sign-in: a link to sign in, no GraphQL request', async () => {
    await page.goto(`${base}/graphiql`);
    await page.waitForSelector('#signin-link');
    expect(await page.getAttribute('#signin-link', 'href')).toBe('/');
    expect(requests.filter((u) => u.includes('/graphql'))).toEqual([]);
    await shot('graphiql-signed-out');
  });

  test('sign-in: the demo picker, the form, a strict CSP; nothing sent to /graphql before', async () => {
    const res = await page.goto(`${base}/`);
    expect(res!.headers()['content-security-policy']).toMatch(/default-src 'self'.*script-src 'self'/);
    await page.waitForSelector('#dev-callers button[data-role="ANALYST"]');
    expect(await page.isVisible('#cred-form')).toBe(true);
    expect(await page.textContent('#signin h2')).toBe('登录');
    expect(requests.filter((u) => new URL(u).pathname === '/graphql')).toEqual([]);
    await shot('sign-in');
    // The form: a token the hub refuses is said plainly, with the GraphQL error's message and code, and not kept.
    await page.fill('#cred-value', 'Bearer not.a.token');
    refusalExpected = true;
    await page.click('#cred-form button[type="submit"]');
    await page.waitForSelector('#message:not([hidden])');
    refusalExpected = false;
    expect(await page.textContent('#message')).toMatch(/^出错了：.+（错误代码 UNAUTHENTICATED · 未登录，或凭据无效、已过期）$/);
    expect(await page.evaluate(() => sessionStorage.getItem('hub.credentials'))).toBeNull();
    await shot('sign-in-refused');
    await page.click('#dev-callers button[data-role="ANALYST"] >> nth=0');
    await page.waitForSelector('#who-subject');
    const creds = JSON.parse((await page.evaluate(() => sessionStorage.getItem('hub.credentials')))!);
    expect(creds.kind).toBe('bearer');
    token = creds.value;
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => /credential|token|graphiql/i.test(k)))).toEqual([]);
    const { viewer } = await api('{ viewer { subject role jurisdiction { name code } } }');
    expect(viewer.role).toBe('ANALYST');
    jurisdiction = viewer.jurisdiction.code;
    expect(await page.textContent('#who-subject')).toBe(viewer.subject);
    expect(await page.textContent('#who-role')).toBe(GLOSSARY.enums.Role.ANALYST.zh);
    expect(await page.textContent('#who-jurisdiction')).toBe(`${viewer.jurisdiction.name}（${viewer.jurisdiction.code}）`);
    expect(await page.$$eval('#catalog button', (b) => b.length)).toBe(ANALYSES.length);
    await shot('signed-in');
  });

  test('three shipped analyses: every cell on screen as the API answers it, formatted', async () => {
    // Money per group of the caller's county, coverage against target (percentages, a chart), rotation per group (enums, a chart).
    for (const id of ['funding-by-group', 'coverage-by-county', 'rotation-by-group']) chosen.push(ANALYSES.find((a) => a.id === id)!);
    for (const a of chosen) {
      await page.click(`#catalog button[data-key="${a.id}"]`);
      await page.waitForSelector('#analysis-title');
      expect(await page.textContent('#analysis-title')).toBe(a.title.zh);
      for (const p of a.parameters) expect(await page.inputValue(`#param-${p.name}`)).toBe(variablesOf(a)[p.name]);
      await runShown();
      const expected = await expectedTable(a, 'zh');
      expect(expected.rows.length).toBeGreaterThan(0);
      const shown = await tableText();
      expect(shown.headers).toEqual(expected.headers);
      expect(shown.rows).toEqual(expected.rows.map((r) => r.map((text, i) => screenCell(a.columns[i], text))));
      expect(await page.textContent('#row-count')).toBe(`共 ${expected.rows.length} 行`);
      // Rates as percentages with one decimal, money in yuan with thousands separators, counts with separators.
      const shapes: Record<string, RegExp> = { percent: /^(\d+\.\d%|—)$/, yuan: /^(¥\d{1,3}(,\d{3})*\.\d\d|—)$/, integer: /^(\d{1,3}(,\d{3})*|—)$/ };
      a.columns.forEach((c, i) => {
        if (shapes[c.format ?? '']) for (const r of shown.rows) expect(r[i]).toMatch(shapes[c.format!]);
      });
      if (a.chart) expect(await page.$$eval('#chart canvas', (c) => c.length)).toBeGreaterThan(0);
      await shot(`analysis-${a.id}`);
    }
  });

  test('CSV: UTF-8 with BOM, RFC 4180, the rows on screen', async () => {
    const a = chosen[0];
    await page.click(`#catalog button[data-key="${a.id}"]`);
    await runShown();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const bytes = fs.readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const expected = await expectedTable(a, 'zh');
    expect(parseCsv(text)).toEqual([expected.headers, ...expected.rows]);
    // Money with thousands separators is quoted (it contains commas).
    if (expected.rows.some((r) => r.some((c) => c.includes(',')))) expect(text).toMatch(/"¥\d{1,3}(,\d{3})+\.\d\d"/);
  });

  test('XLSX: the same rows, numbers as numbers with their number formats', async () => {
    const a = chosen[0];
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-xlsx')]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    const sheet = wb.worksheets[0];
    const expected = await expectedTable(a, 'zh');
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(values(1)).toEqual(expected.headers);
    expect(sheet.rowCount).toBe(expected.rows.length + 1);
    expected.raw.forEach((raw, i) => {
      const cells = values(i + 2);
      a.columns.forEach((c, j) => {
        const cell = cells[j] ?? null;
        if (NUMERIC.has(c.format ?? '')) expect(cell).toBe(typeof raw[j] === 'number' ? raw[j] : null);
        else expect(cell ?? '').toBe(expected.rows[i][j]);
      });
    });
    const yuan = a.columns.findIndex((c) => c.format === 'yuan');
    if (yuan >= 0) expect(sheet.getRow(2).getCell(yuan + 1).numFmt).toContain('#,##0.00');
    await shot('downloads');
  });

  test('save the query as a named analysis of the bureau, run it, edit it, delete it', async () => {
    const a = chosen[1];
    await page.click(`#catalog button[data-key="${a.id}"]`);
    await page.click('#save-as');
    await page.fill('#editor-name', '覆盖率月报（测试）');
    await page.fill('#editor-description', '每月初给局务会的覆盖率表');
    expect(await page.isChecked('#editor-shared')).toBe(true);
    await shot('save-analysis');
    await page.click('#editor-save');
    await page.waitForSelector('#saved button >> text=覆盖率月报（测试）');
    const list = async () => (await api('{ savedAnalyses { edges { node { id name description document parameters shared mine } } } }')).savedAnalyses.edges.map((e: any) => e.node);
    const [saved] = (await list()).filter((s: any) => s.name === '覆盖率月报（测试）');
    expect(saved).toMatchObject({ description: '每月初给局务会的覆盖率表', document: a.document, shared: true, mine: true });
    expect(JSON.parse(saved.parameters)).toEqual(variablesOf(a));
    // Run as saved: the catalog's table, since the document is the catalog's.
    await runShown();
    expect((await tableText()).rows).toEqual((await expectedTable(a, 'zh')).rows.map((r) => r.map((t, i) => screenCell(a.columns[i], t))));
    await page.click('#edit');
    await page.fill('#editor-name', '覆盖率季报（测试）');
    await page.uncheck('#editor-shared');
    await page.click('#editor-save');
    await page.waitForSelector('#saved button >> text=覆盖率季报（测试）');
    expect((await list()).find((s: any) => s.id === saved.id)).toMatchObject({ name: '覆盖率季报（测试）', shared: false });
    await shot('saved-analysis');
    await page.click('#delete');
    await page.waitForSelector('#saved-empty, #saved');
    await page.waitForFunction((id) => !document.querySelector(`#saved button[data-key="saved:${id}"]`), saved.id);
    expect((await list()).find((s: any) => s.id === saved.id)).toBeUndefined();
  });

  test('English: headers and enum values from the glossary in English', async () => {
    const a = chosen[2];
    await page.click(`#catalog button[data-key="${a.id}"]`);
    await runShown();
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    const expected = await expectedTable(a, 'en');
    const shown = await tableText();
    expect(shown.headers).toEqual(expected.headers);
    expect(shown.headers).not.toEqual((await expectedTable(a, 'zh')).headers);
    expect(shown.rows).toEqual(expected.rows.map((r) => r.map((t, i) => screenCell(a.columns[i], t))));
    expect(await page.textContent('#analysis-title')).toBe(a.title.en);
    await shot('english');
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  });

  test('GraphiQL after sign-in: schema loaded at once, the analyses as tabs, no headers stored', async () => {
    const introspection = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('IntrospectionQuery'));
    await page.goto(`${base}/graphiql`);
    const res = await introspection;
    expect(res.status()).toBe(200);
    expect(((await res.json()) as any).data.__schema).toBeDefined();
    await page.waitForSelector('.graphiql-tab');
    // The default query, the catalog, the bureau's saved analyses (none left).
    expect(await page.$$eval('.graphiql-tab', (t) => t.length)).toBe(1 + ANALYSES.length);
    await page.click('[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer');
    expect(await page.textContent('.graphiql-doc-explorer')).not.toMatch(/Error fetching schema/);
    await shot('graphiql');
    const stored = await page.evaluate(() => ({ local: JSON.stringify({ ...localStorage }), session: Object.keys(sessionStorage) }));
    expect(stored.local).not.toContain(token);
    expect(stored.session.some((k) => k.startsWith('graphiql:'))).toBe(true);
    const graphiqlState = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('graphiql:')).map((k) => sessionStorage.getItem(k)).join('\n'));
    expect(graphiqlState).not.toContain(token);
  });

  test('sign out: the tab’s storage cleared, back to sign-in; every request went to the hub', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#signout');
    await page.click('#signout');
    await page.waitForSelector('#signin');
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    await shot('signed-out');
    const origin = new URL(base).origin;
    const elsewhere = requests.filter((u) => new URL(u).origin !== origin);
    expect(elsewhere).toEqual([]);
    expect(requests.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
    console.log(`workbench: ${requests.length} requests, all to ${origin}; screenshots in ${shots}`);
  });

  test('sign-in with the identity provider: OpenID Connect code flow with PKCE (S256), state and nonce checked', async () => {
    const secret = readAuthConfig().hsSecret!;
    const clientId = 'edu-hub-workbench';
    // A small identity provider on another origin: discovery, authorization (signs in at once), token.
    const seen: { authorize?: URLSearchParams; token?: URLSearchParams } = {};
    const codes = new Map<string, { challenge: string; nonce: string; redirectUri: string }>();
    let idpBase = '';
    const idp = http.createServer((req, res) => {
      const url = new URL(req.url!, idpBase);
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(JSON.stringify(body));
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(200, { issuer: idpBase, authorization_endpoint: `${idpBase}/authorize`, token_endpoint: `${idpBase}/token`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] });
      }
      if (url.pathname === '/authorize') {
        seen.authorize = url.searchParams;
        const code = crypto.randomBytes(12).toString('hex');
        codes.set(code, { challenge: url.searchParams.get('code_challenge')!, nonce: url.searchParams.get('nonce')!, redirectUri: url.searchParams.get('redirect_uri')! });
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state')!);
        return void res.writeHead(302, { location: back.toString() }).end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', async () => {
          const form = new URLSearchParams(body);
          seen.token = form;
          const grant = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          const verifier = form.get('code_verifier') ?? '';
          const s256 = crypto.createHash('sha256').update(verifier).digest('base64url');
          if (!grant || grant.challenge !== s256 || grant.redirectUri !== form.get('redirect_uri') || form.get('client_id') !== clientId) return json(400, { error: 'invalid_grant' });
          const claims = { sub: 'oidc:analyst-640502', role: 'ANALYST', jurisdiction: '640502', nonce: grant.nonce, aud: clientId, iss: idpBase } as TokenClaims;
          json(200, { token_type: 'Bearer', id_token: await signToken(secret, claims, 600), access_token: 'opaque-access-token', expires_in: 600 });
        });
        return;
      }
      json(404, { error: 'not_found' });
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    idpBase = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
    process.env.AUTH_OIDC_ISSUER = idpBase;
    process.env.AUTH_OIDC_CLIENT_ID = clientId;
    let hub2: TestHub | undefined;
    const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 960 } });
    try {
      hub2 = await startHub({ http: { devCallers: null } });
      const base2 = hub2.url.replace(/\/graphql$/, '');
      const p = await ctx.newPage();
      const seenUrls: string[] = [];
      p.on('request', (r) => seenUrls.push(r.url()));
      const res = await p.goto(`${base2}/`);
      expect(res!.headers()['content-security-policy']).toContain(`connect-src 'self' ${idpBase}`);
      await p.waitForSelector('#oidc-signin');
      expect(await p.textContent('#oidc-signin')).toBe('使用统一身份认证登录');
      expect(await p.$('#dev-callers')).toBeNull();
      await p.click('#oidc-signin');
      await p.waitForSelector('#who-subject');
      expect(await p.textContent('#who-subject')).toBe('oidc:analyst-640502');
      const a = seen.authorize!;
      expect(Object.fromEntries(['response_type', 'client_id', 'redirect_uri', 'code_challenge_method'].map((k) => [k, a.get(k)]))).toEqual({ response_type: 'code', client_id: clientId, redirect_uri: `${base2}/`, code_challenge_method: 'S256' });
      expect(a.get('scope')!.split(' ')).toContain('openid');
      expect(a.get('state')!.length).toBeGreaterThanOrEqual(16);
      expect(a.get('nonce')!.length).toBeGreaterThanOrEqual(16);
      expect(seen.token!.get('code_verifier')!.length).toBeGreaterThanOrEqual(43);
      // The code is gone from the address bar; the tab keeps the ID token only, nothing of the flight.
      expect(new URL(p.url()).search).toBe('');
      const stored = await p.evaluate(() => ({ ...sessionStorage }));
      expect(Object.keys(stored)).toEqual(['hub.credentials']);
      expect(JSON.parse(stored['hub.credentials']).value.split('.')).toHaveLength(3);
      const origins = new Set(seenUrls.map((u) => new URL(u).origin));
      expect([...origins].sort()).toEqual([new URL(base2).origin, idpBase].sort());
      // Nothing reached /graphql before the token came back.
      const firstGraphql = seenUrls.findIndex((u) => new URL(u).pathname === '/graphql');
      expect(firstGraphql).toBeGreaterThan(seenUrls.findIndex((u) => u.startsWith(`${idpBase}/token`)));
      await shot('oidc-signed-in');
      // A reply that is not the answer to this tab's request (state) is refused.
      await p.evaluate(() => sessionStorage.clear());
      await p.goto(`${base2}/?code=forged&state=forged`);
      await p.waitForSelector('#message:not([hidden])');
      expect(await p.textContent('#message')).toContain('state 不一致');
      expect(await p.evaluate(() => sessionStorage.getItem('hub.credentials'))).toBeNull();
      await shot('oidc-state-refused');
    } finally {
      delete process.env.AUTH_OIDC_ISSUER;
      delete process.env.AUTH_OIDC_CLIENT_ID;
      await ctx.close();
      await hub2?.stop();
      idp.close();
    }
  });
});
