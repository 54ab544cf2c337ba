// The analysts' workbench (分析工作台): plain browser JavaScript, no framework, no build step.
// Everything it loads comes from the hub; only OpenID Connect sign-in talks to the identity provider.
'use strict';

(() => {
  /** Credentials of this tab only (sessionStorage): { kind: 'bearer' | 'apiKey', value, label }. */
  const CRED_KEY = 'hub.credentials';
  /** An OpenID Connect sign-in in flight: PKCE verifier, state, nonce, endpoints. */
  const OIDC_KEY = 'hub.oidc';
  /** The UI language: a preference, not a credential. */
  const LANG_KEY = 'hub.lang';

  // ---------------------------------------------------------------- UI strings (界面文字)
  const STRINGS = {
    zh: {
      title: '集团化办学数据中枢 · 分析工作台',
      loading: '正在加载…',
      signInTitle: '登录',
      devCallers: '演示账号',
      devCallersHint: '使用开发密钥并已加载演示数据时提供，正式环境不会出现。',
      oidc: '使用统一身份认证登录',
      oidcHint: '跳转到本局的身份认证系统，登录后返回本页。',
      credForm: '使用访问令牌或 API 密钥登录',
      kindBearer: '访问令牌（Bearer）',
      kindApiKey: 'API 密钥（X-Api-Key）',
      credPlaceholder: '粘贴令牌或密钥',
      signIn: '登录',
      signOut: '退出登录',
      tabOnly: '凭据只保存在当前浏览器标签页，关闭标签页或退出登录即清除。',
      signedInAs: '当前用户',
      colon: '：',
      place: '{0}（{1}）',
      switchLang: 'English',
      graphiql: 'GraphiQL 自由查询',
      catalog: '内置分析',
      saved: '本局保存的分析',
      noSaved: '尚无保存的分析。',
      savedUnavailable: '无法读取保存的分析：{0}',
      sharedTag: '本局共享',
      privateTag: '仅自己可见',
      by: '创建人：{0}',
      chooseAnalysis: '请从左侧选择一个分析。',
      run: '运行',
      running: '正在运行…',
      saveAs: '保存为我的分析…',
      edit: '编辑',
      delete: '删除',
      confirmDelete: '确定删除分析“{0}”？',
      rows: '共 {0} 行',
      noRows: '没有符合条件的数据。',
      csv: '下载 CSV',
      xlsx: '下载 Excel（XLSX）',
      name: '名称',
      description: '说明',
      shared: '与本局共享',
      document: 'GraphQL 查询文档',
      save: '保存',
      cancel: '取消',
      savedOk: '已保存“{0}”。',
      deletedOk: '已删除“{0}”。',
      newAnalysis: '保存分析',
      editAnalysis: '编辑分析',
      nameRequired: '请填写名称。',
      error: '出错了',
      codeNote: '（错误代码 {0}）',
      field: '字段',
      network: '无法连接数据中枢：{0}',
      badResponse: '数据中枢返回了无法识别的应答（HTTP {0}）。',
      oidcState: '登录校验失败（state 不一致），请重新登录。',
      oidcNonce: '身份令牌校验失败（nonce、签发方或受众不一致），请重新登录。',
      oidcNoIdToken: '身份提供方没有返回身份令牌（id_token）。',
      oidcInsecure: '统一身份认证登录需要 HTTPS 访问本页（或在本机访问）。',
      oidcFailed: '统一身份认证登录失败：{0}',
      oidcRejected: '数据中枢不接受身份提供方签发的令牌：{0}',
      yes: '是',
      no: '否',
      jurisdiction: '行政区划代码',
      schoolYear: '学年',
      sep: '、',
      codes: {
        UNAUTHENTICATED: '未登录，或凭据无效、已过期',
        FORBIDDEN: '无权进行此操作',
        BAD_USER_INPUT: '输入有误',
        NOT_FOUND: '未找到',
        GRAPHQL_VALIDATION_FAILED: '查询文档不合法',
        GRAPHQL_PARSE_FAILED: '查询文档语法错误',
        SERVICE_UNAVAILABLE: '服务暂时不可用，请稍后重试',
        RATE_LIMITED: '请求过于频繁，请稍后重试',
        INTERNAL_SERVER_ERROR: '服务器内部错误',
      },
    },
    en: {
      title: 'Education-group data hub · Analysts’ workbench',
      loading: 'Loading…',
      signInTitle: 'Sign in',
      devCallers: 'Demo callers',
      devCallersHint: 'Offered with the development secret and the demo data only, never in production.',
      oidc: 'Sign in with the bureau’s identity provider',
      oidcHint: 'Goes to the bureau’s identity provider and comes back here.',
      credForm: 'Sign in with an access token or an API key',
      kindBearer: 'Access token (Bearer)',
      kindApiKey: 'API key (X-Api-Key)',
      credPlaceholder: 'Paste the token or key',
      signIn: 'Sign in',
      signOut: 'Sign out',
      tabOnly: 'Credentials are kept in this browser tab only, gone when it closes or on sign-out.',
      signedInAs: 'Signed in as',
      colon: ': ',
      place: '{0} ({1})',
      switchLang: '中文',
      graphiql: 'GraphiQL (free-form queries)',
      catalog: 'Shipped analyses',
      saved: 'Saved analyses of my bureau',
      noSaved: 'No saved analyses yet.',
      savedUnavailable: 'Saved analyses cannot be read: {0}',
      sharedTag: 'shared with the bureau',
      privateTag: 'private',
      by: 'by {0}',
      chooseAnalysis: 'Choose an analysis on the left.',
      run: 'Run',
      running: 'Running…',
      saveAs: 'Save as my analysis…',
      edit: 'Edit',
      delete: 'Delete',
      confirmDelete: 'Delete the analysis “{0}”?',
      rows: '{0} rows',
      noRows: 'No rows.',
      csv: 'Download CSV',
      xlsx: 'Download Excel (XLSX)',
      name: 'Name',
      description: 'Description',
      shared: 'Share with my bureau',
      document: 'GraphQL document',
      save: 'Save',
      cancel: 'Cancel',
      savedOk: 'Saved “{0}”.',
      deletedOk: 'Deleted “{0}”.',
      newAnalysis: 'Save the analysis',
      editAnalysis: 'Edit the analysis',
      nameRequired: 'A name is required.',
      error: 'Error',
      codeNote: ' (code {0})',
      field: 'field',
      network: 'Cannot reach the hub: {0}',
      badResponse: 'The hub sent an answer the page cannot read (HTTP {0}).',
      oidcState: 'Sign-in check failed (state mismatch); please sign in again.',
      oidcNonce: 'ID token check failed (nonce, issuer or audience mismatch); please sign in again.',
      oidcNoIdToken: 'The identity provider returned no ID token (id_token).',
      oidcInsecure: 'Identity-provider sign-in needs this page over HTTPS (or on this machine).',
      oidcFailed: 'Identity-provider sign-in failed: {0}',
      oidcRejected: 'The hub does not accept the identity provider’s token: {0}',
      yes: 'Yes',
      no: 'No',
      jurisdiction: 'Division code',
      schoolYear: 'School year',
      sep: ', ',
      codes: {
        UNAUTHENTICATED: 'not signed in, or the credentials are invalid or expired',
        FORBIDDEN: 'not allowed',
        BAD_USER_INPUT: 'invalid input',
        NOT_FOUND: 'not found',
        GRAPHQL_VALIDATION_FAILED: 'the document is not valid',
        GRAPHQL_PARSE_FAILED: 'the document does not parse',
        SERVICE_UNAVAILABLE: 'temporarily unavailable; retry shortly',
        RATE_LIMITED: 'too many requests; retry shortly',
        INTERNAL_SERVER_ERROR: 'internal server error',
      },
    },
  };

  const state = {
    lang: localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh',
    config: { oidc: null, devSignIn: false },
    glossary: { enums: {}, fields: {} },
    catalog: [],
    devCallers: [],
    viewer: null,
    saved: [],
    savedError: null,
    /** The analysis on screen: { key, spec, saved? } (spec: the catalog entry's shape). */
    current: null,
    params: {},
    /** The last run: { key, rows (raw), columns (spec columns) }. */
    result: null,
    running: false,
    editor: null,
    chart: null,
  };

  const t = (key, ...args) => {
    const s = STRINGS[state.lang][key] ?? STRINGS.zh[key] ?? key;
    return typeof s === 'string' ? s.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? '')) : s;
  };
  const tr = (text) => (text && typeof text === 'object' ? text[state.lang] ?? text.zh ?? text.en ?? '' : text ?? '');

  // ---------------------------------------------------------------- DOM helpers
  /** An element; children are nodes or text (never parsed as HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (k === 'text') node.textContent = v;
      else if (k in node && k !== 'list' && !k.startsWith('data-') && !k.startsWith('aria-')) node[k] = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
    return node;
  }
  const $ = (id) => document.getElementById(id);

  function showMessage(text, kind = 'error') {
    const box = $('message');
    box.replaceChildren(...(Array.isArray(text) ? text : [text]).map((line) => el('div', { text: line })));
    box.className = kind;
    box.hidden = false;
  }
  const clearMessage = () => {
    $('message').hidden = true;
  };

  /** A hub error: the GraphQL errors (message, extensions.code, extensions.field) or a network failure. */
  class HubError extends Error {
    constructor(errors) {
      super(errors.map((e) => e.message).join('; '));
      this.errors = errors;
    }
    get code() {
      return this.errors[0]?.extensions?.code;
    }
  }

  function showError(e) {
    const errors = e instanceof HubError ? e.errors : [{ message: e && e.message ? e.message : String(e) }];
    const codes = t('codes');
    showMessage(
      errors.map((err) => {
        const code = err.extensions?.code;
        const parts = [`${t('error')}${t('colon')}${err.message}`];
        if (code) parts.push(t('codeNote', `${code}${codes[code] ? ` · ${codes[code]}` : ''}`));
        if (err.extensions?.field) parts.push(` [${t('field')} ${err.extensions.field}]`);
        return parts.join('');
      }),
    );
  }

  // ---------------------------------------------------------------- credentials and requests
  const credentials = () => {
    try {
      return JSON.parse(sessionStorage.getItem(CRED_KEY) || 'null');
    } catch {
      return null;
    }
  };
  const setCredentials = (c) => sessionStorage.setItem(CRED_KEY, JSON.stringify(c));
  const authHeaders = () => {
    const c = credentials();
    if (!c) return {};
    return c.kind === 'apiKey' ? { 'x-api-key': c.value } : { authorization: `Bearer ${c.value}` };
  };

  async function getJson(url) {
    let res;
    try {
      res = await fetch(url, { headers: { accept: 'application/json' } });
    } catch (e) {
      throw new HubError([{ message: t('network', e.message) }]);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new HubError(body?.errors ?? [{ message: t('badResponse', res.status) }]);
    return body;
  }

  /** POST /graphql as the signed-in caller: { data, errors }; throws HubError without data. */
  async function gql(query, variables) {
    if (!credentials()) throw new HubError([{ message: 'not signed in', extensions: { code: 'UNAUTHENTICATED' } }]);
    let res;
    try {
      res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders() },
        body: JSON.stringify({ query, variables }),
      });
    } catch (e) {
      throw new HubError([{ message: t('network', e.message) }]);
    }
    const body = await res.json().catch(() => null);
    if (!body) throw new HubError([{ message: t('badResponse', res.status) }]);
    if (body.errors?.length && !body.data) throw new HubError(body.errors);
    return body;
  }

  /** Ends the session on the hub's word that the credentials are no good. */
  function handleError(e) {
    if (e instanceof HubError && e.code === 'UNAUTHENTICATED' && state.viewer) signOut();
    showError(e);
  }

  // ---------------------------------------------------------------- formatting (one place for screen, CSV and XLSX)
  const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

  const enumLabel = (enumName, value) => tr(state.glossary.enums?.[enumName]?.[value]) || value;
  const lastSegment = (p) => p.split('.').pop();
  const columnLabel = (col) => tr(col.label) || tr(state.glossary.fields?.[lastSegment(col.path)]) || lastSegment(col.path);
  const isNumeric = (col) => col.format === 'percent' || col.format === 'integer' || col.format === 'yuan';

  /** One value as text in the chosen language. */
  function formatValue(v, format) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return v.map((x) => formatValue(x, format)).filter((x) => x !== '').join(t('sep'));
    if (typeof v === 'boolean') return v ? t('yes') : t('no');
    if (format === 'percent' && typeof v === 'number') return `${(v * 100).toFixed(1)}%`;
    if (format === 'integer' && typeof v === 'number') return INTEGER.format(v);
    if (format === 'yuan' && typeof v === 'number') return `¥${MONEY.format(v)}`;
    if (format === 'date' && typeof v === 'string') return v.slice(0, 10);
    if (format && format.startsWith('enum:')) return enumLabel(format.slice(5), String(v));
    if (!format && typeof v === 'string') {
      // A saved custom document: an enum value is recognised by the glossary.
      for (const values of Object.values(state.glossary.enums ?? {})) if (values[v]) return tr(values[v]);
    }
    if (typeof v === 'number') return NUMBER.format(v);
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  // Paths as server/workbench/analyses.ts reads them (rowsAt / valueAt): a connection stands for
  // its nodes, lists on the way are flattened, a number picks a list's element.
  const nodesOf = (v) => (v && typeof v === 'object' && !Array.isArray(v) && Array.isArray(v.edges) ? v.edges.map((e) => e?.node) : v);

  /** The rows at `path` from `data`. */
  function rowsAt(data, path) {
    let current = [data];
    for (const key of String(path ?? '').split('.').filter(Boolean)) {
      const next = [];
      for (const item of current) {
        if (item === null || typeof item !== 'object') continue;
        const v = nodesOf(item[key]);
        if (Array.isArray(v)) next.push(...v.map(nodesOf));
        else if (v !== null && v !== undefined) next.push(v);
      }
      current = next.flatMap((x) => (Array.isArray(x) ? x : [x]));
    }
    return current.filter((r) => r !== null && r !== undefined);
  }

  /** A cell at `path` from a row: a list on the way gives the list of values. */
  function valueAt(row, path) {
    const keys = String(path).split('.').filter(Boolean);
    const walk = (v, i) => {
      if (i === keys.length || v === null || v === undefined) return v ?? null;
      const value = nodesOf(v);
      if (Array.isArray(value)) {
        if (/^\d+$/.test(keys[i])) return walk(value[Number(keys[i])], i + 1);
        return value.flatMap((x) => {
          const r = walk(x, i);
          return r === null || r === undefined ? [] : Array.isArray(r) ? r : [r];
        });
      }
      return typeof value === 'object' ? walk(value[keys[i]], i + 1) : null;
    };
    return walk(row, 0);
  }

  const cellValue = (row, col) => valueAt(row, col.path);
  const cellText = (row, col) => formatValue(cellValue(row, col), col.format);

  // ---------------------------------------------------------------- analyses
  const currentSchoolYear = () => {
    const now = new Date();
    const y = now.getMonth() >= 8 ? now.getFullYear() : now.getFullYear() - 1;
    return `${y}-${y + 1}`;
  };
  const normalizeDoc = (d) => String(d ?? '').replace(/#[^\n]*/g, '').replace(/\s+/g, ' ').trim();

  /** A saved analysis's shape: its catalog entry when the document is one, else read from the data. */
  function specOfSaved(saved) {
    const base = state.catalog.find((a) => normalizeDoc(a.document) === normalizeDoc(saved.document));
    const declared = [...String(saved.document).matchAll(/\$(\w+)\s*:/g)].map((m) => m[1]);
    const parameters = base
      ? base.parameters
      : [...new Set(declared)].map((name) => ({ name, label: { zh: STRINGS.zh[name] ?? name, en: STRINGS.en[name] ?? name } }));
    return {
      id: `saved:${saved.id}`,
      title: { zh: saved.name, en: saved.name },
      description: { zh: saved.description ?? '', en: saved.description ?? '' },
      document: saved.document,
      parameters,
      rows: base?.rows ?? null,
      columns: base?.columns ?? null,
      chart: base?.chart,
    };
  }

  /** Without a catalog shape: the first list in the data, its scalar leaves as columns. */
  function inferShape(data) {
    const find = (v, path) => {
      if (Array.isArray(v)) return path;
      if (v && typeof v === 'object') {
        if (Array.isArray(v.edges)) return path;
        for (const [k, x] of Object.entries(v)) {
          const p = find(x, path ? `${path}.${k}` : k);
          if (p !== null) return p;
        }
      }
      return null;
    };
    const rowsPath = find(data, '') ?? '';
    const rows = rowsPath ? rowsAt(data, rowsPath) : [data];
    const columns = [];
    const seen = new Set();
    const leaves = (v, prefix) => {
      for (const [k, x] of Object.entries(v ?? {})) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (x && typeof x === 'object' && !Array.isArray(x) && !Array.isArray(x.edges)) leaves(x, p);
        else if (!seen.has(p)) {
          seen.add(p);
          const rate = /Rate$|Share$|Target$/.test(k);
          columns.push({ path: p, format: rate ? 'percent' : Number.isInteger(x) ? 'integer' : undefined });
        }
      }
    };
    for (const r of (Array.isArray(rows) ? rows : [rows]).slice(0, 20)) leaves(r, '');
    return { rowsPath, columns };
  }

  function defaultParams(spec, savedValues) {
    const values = {};
    for (const p of spec.parameters ?? []) {
      let v = savedValues?.[p.name];
      if (v === undefined || v === null || v === '') {
        if (p.default) v = p.default;
        else if (p.name === 'jurisdiction') v = state.viewer?.jurisdiction?.code ?? '';
        else if (p.name === 'schoolYear') v = currentSchoolYear();
        else v = '';
      }
      values[p.name] = v;
    }
    return values;
  }

  function select(key) {
    let current;
    if (key.startsWith('saved:')) {
      const saved = state.saved.find((s) => `saved:${s.id}` === key);
      if (!saved) return;
      let values = {};
      try {
        values = JSON.parse(saved.parameters || '{}') ?? {};
      } catch {
        values = {};
      }
      current = { key, spec: specOfSaved(saved), saved };
      state.params = defaultParams(current.spec, values);
    } else {
      const spec = state.catalog.find((a) => a.id === key);
      if (!spec) return;
      current = { key, spec };
      state.params = defaultParams(spec);
    }
    state.current = current;
    state.result = null;
    state.editor = null;
    clearMessage();
    renderWorkbench();
  }

  async function run() {
    const cur = state.current;
    if (!cur || state.running) return;
    readParams();
    state.running = true;
    clearMessage();
    renderPanel();
    try {
      const variables = {};
      for (const p of cur.spec.parameters ?? []) if (state.params[p.name] !== '') variables[p.name] = state.params[p.name];
      const body = await gql(cur.spec.document, variables);
      if (body.errors?.length) showError(new HubError(body.errors));
      const shape = cur.spec.rows !== null && cur.spec.rows !== undefined && cur.spec.columns
        ? { rowsPath: cur.spec.rows, columns: cur.spec.columns }
        : inferShape(body.data);
      const rows = body.data ? rowsAt(body.data, shape.rowsPath) : [];
      state.result = { key: cur.key, rows, columns: shape.columns, params: { ...state.params } };
    } catch (e) {
      state.result = null;
      handleError(e);
    } finally {
      state.running = false;
      if (state.viewer) renderPanel();
    }
  }

  function readParams() {
    for (const input of document.querySelectorAll('[data-param]')) state.params[input.dataset.param] = input.value.trim();
  }

  // ---------------------------------------------------------------- saved analyses (GraphQL)
  const SAVED_FIELDS = 'id name description document parameters shared mine ownerName updatedAt jurisdiction { name code }';

  async function loadSaved() {
    try {
      const body = await gql(`query WorkbenchSavedAnalyses { savedAnalyses { edges { node { ${SAVED_FIELDS} } } } }`);
      state.saved = (body.data?.savedAnalyses?.edges ?? []).map((e) => e.node);
      state.savedError = body.errors?.length ? new HubError(body.errors).message : null;
    } catch (e) {
      state.saved = [];
      state.savedError = e.message;
      if (e instanceof HubError && e.code === 'UNAUTHENTICATED') throw e;
    }
  }

  async function saveAnalysis(form) {
    const name = form.name.trim();
    if (!name) return showMessage(t('nameRequired'));
    const input = { name, description: form.description.trim(), document: form.document, parameters: JSON.stringify(form.parameters), shared: form.shared };
    if (form.id) input.id = form.id;
    try {
      const body = await gql(`mutation WorkbenchSaveAnalysis($input: SaveAnalysisInput!) { saveAnalysis(input: $input) { ${SAVED_FIELDS} } }`, { input });
      if (body.errors?.length) throw new HubError(body.errors);
      const saved = body.data.saveAnalysis;
      await loadSaved();
      state.editor = null;
      select(`saved:${saved.id}`);
      showMessage(t('savedOk', saved.name), 'info');
    } catch (e) {
      handleError(e);
    }
  }

  async function deleteAnalysis(saved) {
    if (!window.confirm(t('confirmDelete', saved.name))) return;
    try {
      const body = await gql('mutation WorkbenchDeleteAnalysis($id: ID!) { deleteAnalysis(id: $id) }', { id: saved.id });
      if (body.errors?.length) throw new HubError(body.errors);
      await loadSaved();
      state.current = null;
      state.result = null;
      renderWorkbench();
      showMessage(t('deletedOk', saved.name), 'info');
    } catch (e) {
      handleError(e);
    }
  }

  // ---------------------------------------------------------------- downloads
  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const fileName = (ext) => {
    const cur = state.current;
    const parts = [tr(cur.spec.title), ...Object.values(state.result.params ?? {}).filter(Boolean)];
    return `${parts.join('_').replace(/[\\/:*?"<>|\s]+/g, '_')}.${ext}`;
  };

  /** RFC 4180 (CRLF, quotes doubled), UTF-8 with a BOM so Excel reads Chinese; no cell starts a formula. */
  function toCsv(header, lines) {
    const quote = (s) => {
      let x = String(s);
      // A cell Excel would read as a formula (=, +, @, -, tab, CR first) gets a leading quote, unless it is plainly a number.
      if (/^[=+@\t\r-]/.test(x) && !/^-?\d+(\.\d+)?%?$/.test(x)) x = `'${x}`;
      return /[",\r\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
    };
    return `\uFEFF${[header, ...lines].map((r) => r.map(quote).join(',')).join('\r\n')}\r\n`;
  }

  function downloadCsv() {
    const { rows, columns } = state.result;
    const csv = toCsv(columns.map(columnLabel), rows.map((r) => columns.map((c) => cellText(r, c))));
    download(new Blob([csv], { type: 'text/csv;charset=utf-8' }), fileName('csv'));
  }

  const loaded = {};
  function loadScript(src) {
    return (loaded[src] ??= new Promise((resolve, reject) => {
      document.head.append(el('script', { src, onload: resolve, onerror: () => reject(new Error(`${src} did not load`)) }));
    }));
  }

  async function downloadXlsx() {
    try {
      await loadScript('/workbench/assets/exceljs.min.js');
      const { rows, columns } = state.result;
      const wb = new window.ExcelJS.Workbook();
      wb.creator = '集团化办学数据中枢';
      const sheet = wb.addWorksheet(tr(state.current.spec.title).replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet1');
      const NUMFMT = { percent: '0.0%', integer: '#,##0', yuan: '"¥"#,##0.00' };
      sheet.columns = columns.map((c) => ({ header: columnLabel(c), key: c.path, width: Math.max(10, columnLabel(c).length * 2 + 2), style: NUMFMT[c.format] ? { numFmt: NUMFMT[c.format] } : {} }));
      sheet.getRow(1).font = { bold: true };
      for (const r of rows) {
        // Numbers stay numbers (formatted by Excel); everything else as on screen.
        sheet.addRow(columns.map((c) => {
          const v = cellValue(r, c);
          return isNumeric(c) && typeof v === 'number' ? v : isNumeric(c) && (v === null || v === undefined) ? null : cellText(r, c);
        }));
      }
      const buffer = await wb.xlsx.writeBuffer();
      download(new Blob([buffer], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), fileName('xlsx'));
    } catch (e) {
      showError(e);
    }
  }

  // ---------------------------------------------------------------- OpenID Connect (authorization code + PKCE)
  const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const randomString = (n = 32) => b64url(crypto.getRandomValues(new Uint8Array(n)));
  const trimSlash = (s) => String(s).replace(/\/+$/, '');
  const redirectUri = () => `${location.origin}${location.pathname}`;
  const jwtClaims = (jwt) => {
    try {
      const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part + '='.repeat((4 - (part.length % 4)) % 4)), (c) => c.charCodeAt(0))));
    } catch {
      return null;
    }
  };

  async function discover(issuer) {
    const res = await fetch(`${trimSlash(issuer)}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`discovery HTTP ${res.status}`);
    const doc = await res.json();
    if (trimSlash(doc.issuer) !== trimSlash(issuer)) throw new Error(`discovery names issuer ${doc.issuer}`);
    return doc;
  }

  async function oidcStart() {
    const oidc = state.config.oidc;
    try {
      if (!window.isSecureContext || !crypto.subtle) throw new Error(t('oidcInsecure'));
      const doc = await discover(oidc.issuer);
      const verifier = randomString(32);
      const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
      const flight = { verifier, state: randomString(16), nonce: randomString(16), issuer: oidc.issuer, clientId: oidc.clientId, tokenEndpoint: doc.token_endpoint, redirectUri: redirectUri() };
      sessionStorage.setItem(OIDC_KEY, JSON.stringify(flight));
      const url = new URL(doc.authorization_endpoint);
      const q = { response_type: 'code', client_id: oidc.clientId, redirect_uri: flight.redirectUri, scope: oidc.scope || 'openid', state: flight.state, nonce: flight.nonce, code_challenge: challenge, code_challenge_method: 'S256' };
      for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
      location.assign(url.toString());
    } catch (e) {
      showMessage(t('oidcFailed', e.message));
    }
  }

  /** Back from the identity provider (?code&state): checks state and nonce, exchanges the code, signs in. */
  async function oidcFinish(query) {
    const flight = JSON.parse(sessionStorage.getItem(OIDC_KEY) || 'null');
    sessionStorage.removeItem(OIDC_KEY);
    history.replaceState(null, '', location.pathname);
    if (query.get('error')) throw new Error(t('oidcFailed', `${query.get('error')} ${query.get('error_description') ?? ''}`.trim()));
    if (!flight || query.get('state') !== flight.state) throw new Error(t('oidcState'));
    const res = await fetch(flight.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: query.get('code') ?? '', redirect_uri: flight.redirectUri, client_id: flight.clientId, code_verifier: flight.verifier }),
    });
    const tokens = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(t('oidcFailed', `${tokens.error ?? `HTTP ${res.status}`} ${tokens.error_description ?? ''}`.trim()));
    if (!tokens.id_token) throw new Error(t('oidcNoIdToken'));
    const claims = jwtClaims(tokens.id_token);
    const aud = Array.isArray(claims?.aud) ? claims.aud : [claims?.aud];
    if (!claims || claims.nonce !== flight.nonce || trimSlash(claims.iss) !== trimSlash(flight.issuer) || !aud.includes(flight.clientId)) throw new Error(t('oidcNonce'));
    // The hub checks the token as it checks any: the ID token first, else the access token if it is a JWT.
    const candidates = [tokens.id_token, tokens.access_token].filter((x, i, all) => x && all.indexOf(x) === i && x.split('.').length === 3);
    let last;
    for (const token of candidates) {
      setCredentials({ kind: 'bearer', value: token, label: claims.name || claims.preferred_username || claims.sub });
      try {
        await loadViewer();
        return;
      } catch (e) {
        last = e;
        sessionStorage.removeItem(CRED_KEY);
      }
    }
    throw new Error(t('oidcRejected', last?.message ?? ''));
  }

  // ---------------------------------------------------------------- sign-in and out
  async function loadViewer() {
    const body = await gql('query WorkbenchViewer { viewer { subject role jurisdiction { name code } } }');
    if (body.errors?.length || !body.data?.viewer) throw new HubError(body.errors ?? [{ message: 'no viewer' }]);
    state.viewer = body.data.viewer;
  }

  async function signIn(creds) {
    setCredentials(creds);
    clearMessage();
    try {
      await loadViewer();
    } catch (e) {
      sessionStorage.removeItem(CRED_KEY);
      state.viewer = null;
      showError(e);
      return;
    }
    await enterWorkbench();
  }

  async function enterWorkbench() {
    try {
      state.catalog = await getJson('/workbench/analyses.json');
      await loadSaved();
    } catch (e) {
      handleError(e);
    }
    renderAll();
  }

  function signOut() {
    // The whole tab's storage of this origin: credentials, sign-in in flight, GraphiQL's tabs.
    sessionStorage.clear();
    if (state.chart) state.chart.dispose();
    Object.assign(state, { viewer: null, saved: [], current: null, result: null, editor: null, chart: null });
    clearMessage();
    renderAll();
  }

  // ---------------------------------------------------------------- rendering
  function renderAll() {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    $('app-title').textContent = t('title');
    renderTop();
    if (state.viewer) renderWorkbench();
    else renderSignIn();
  }

  function renderTop() {
    const v = state.viewer;
    $('who').replaceChildren(
      ...(v
        ? [
            el('span', { class: 'muted', text: `${t('signedInAs')}${t('colon')}` }),
            el('strong', { id: 'who-subject', text: v.subject }),
            el('span', { class: 'tag', id: 'who-role', text: enumLabel('Role', v.role) }),
            v.jurisdiction ? el('span', { id: 'who-jurisdiction', text: t('place', v.jurisdiction.name, v.jurisdiction.code) }) : null,
          ].filter(Boolean)
        : []),
    );
    $('tools').replaceChildren(
      ...[
        el('button', { id: 'lang', type: 'button', class: 'link', text: t('switchLang'), onclick: switchLanguage }),
        v ? el('a', { id: 'graphiql-link', href: '/graphiql', text: t('graphiql') }) : null,
        v ? el('button', { id: 'signout', type: 'button', text: t('signOut'), onclick: signOut }) : null,
      ].filter(Boolean),
    );
  }

  function switchLanguage() {
    readParams();
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG_KEY, state.lang);
    renderAll();
  }

  function renderSignIn() {
    const kind = el('select', { id: 'cred-kind', name: 'kind' }, el('option', { value: 'bearer', text: t('kindBearer') }), el('option', { value: 'apiKey', text: t('kindApiKey') }));
    const value = el('textarea', { id: 'cred-value', name: 'value', rows: 3, required: true, placeholder: t('credPlaceholder'), autocomplete: 'off', spellcheck: false });
    const form = el(
      'form',
      {
        id: 'cred-form',
        onsubmit: (ev) => {
          ev.preventDefault();
          const v = value.value.trim().replace(/^(Authorization:\s*)?Bearer\s+/i, '').replace(/^X-Api-Key:\s*/i, '');
          if (v) void signIn({ kind: kind.value, value: v, label: '' });
        },
      },
      el('h3', { text: t('credForm') }),
      kind,
      value,
      el('button', { type: 'submit', text: t('signIn') }),
    );
    const sections = [];
    if (state.config.devSignIn && state.devCallers.length) {
      sections.push(
        el(
          'div',
          { id: 'dev-callers', class: 'card' },
          el('h3', { text: t('devCallers') }),
          el('p', { class: 'muted', text: t('devCallersHint') }),
          el(
            'ul',
            { class: 'plain' },
            state.devCallers.map((c) =>
              el(
                'li',
                {},
                el('button', {
                  type: 'button',
                  class: 'caller',
                  'data-role': c.role,
                  onclick: () => void signIn({ kind: /^hub_/.test(c.token) ? 'apiKey' : 'bearer', value: c.token, label: c.label }),
                }, el('span', { class: 'tag', text: enumLabel('Role', c.role) }), ` ${c.label}`),
              ),
            ),
          ),
        ),
      );
    }
    if (state.config.oidc) {
      sections.push(el('div', { class: 'card', id: 'oidc' }, el('button', { type: 'button', id: 'oidc-signin', class: 'primary', text: t('oidc'), onclick: oidcStart }), el('p', { class: 'muted', text: t('oidcHint') })));
    }
    sections.push(el('div', { class: 'card' }, form));
    $('main').replaceChildren(el('section', { id: 'signin' }, el('h2', { text: t('signInTitle') }), ...sections, el('p', { class: 'muted', text: t('tabOnly') })));
  }

  function renderWorkbench() {
    const item = (key, title, sub, extra) =>
      el(
        'li',
        { class: state.current?.key === key ? 'active' : '' },
        el('button', { type: 'button', 'data-key': key, onclick: () => select(key) }, el('span', { class: 'title', text: title }), sub ? el('span', { class: 'sub', text: sub }) : null, extra ?? null),
      );
    const catalog = el('ul', { id: 'catalog', class: 'plain list' }, state.catalog.map((a) => item(a.id, tr(a.title), tr(a.description))));
    const saved = state.savedError
      ? el('p', { class: 'muted', text: t('savedUnavailable', state.savedError) })
      : state.saved.length
        ? el(
            'ul',
            { id: 'saved', class: 'plain list' },
            state.saved.map((s) =>
              item(`saved:${s.id}`, s.name, s.description, el('span', { class: 'sub' }, el('span', { class: 'tag', text: s.shared ? t('sharedTag') : t('privateTag') }), ` ${t('by', s.ownerName)}`)),
            ),
          )
        : el('p', { class: 'muted', id: 'saved-empty', text: t('noSaved') });
    $('main').replaceChildren(
      el('div', { class: 'layout' }, el('aside', {}, el('h2', { text: t('catalog') }), catalog, el('h2', { text: t('saved') }), saved), el('section', { id: 'panel' })),
    );
    renderPanel();
  }

  function renderPanel() {
    const panel = $('panel');
    if (!panel) return;
    if (state.chart) {
      state.chart.dispose();
      state.chart = null;
    }
    const cur = state.current;
    if (!cur) return void panel.replaceChildren(el('p', { class: 'muted', text: t('chooseAnalysis') }));
    const spec = cur.spec;
    const params = (spec.parameters ?? []).map((p) => {
      const label = tr(p.label) || t(p.name);
      let input;
      if (p.name === 'schoolYear') {
        const years = [];
        const [y] = currentSchoolYear().split('-').map(Number);
        for (let i = 0; i < 6; i++) years.push(`${y - i}-${y - i + 1}`);
        if (state.params[p.name] && !years.includes(state.params[p.name])) years.unshift(state.params[p.name]);
        input = el('select', { 'data-param': p.name, id: `param-${p.name}` }, years.map((v) => el('option', { value: v, text: v, selected: v === state.params[p.name] })));
      } else {
        input = el('input', { 'data-param': p.name, id: `param-${p.name}`, value: state.params[p.name] ?? '', inputmode: p.name === 'jurisdiction' ? 'numeric' : undefined, pattern: p.name === 'jurisdiction' ? '\\d{6}' : undefined, size: 10 });
      }
      return el('label', { class: 'param' }, el('span', { text: label }), input);
    });
    const mine = cur.saved?.mine;
    const actions = el(
      'div',
      { class: 'actions' },
      el('button', { id: 'run', type: 'submit', class: 'primary', disabled: state.running, text: state.running ? t('running') : t('run') }),
      el('button', { id: 'save-as', type: 'button', onclick: () => openEditor(null) , text: t('saveAs') }),
      mine ? el('button', { id: 'edit', type: 'button', onclick: () => openEditor(cur.saved), text: t('edit') }) : null,
      mine ? el('button', { id: 'delete', type: 'button', class: 'danger', onclick: () => deleteAnalysis(cur.saved), text: t('delete') }) : null,
    );
    const form = el('form', { id: 'params', onsubmit: (ev) => { ev.preventDefault(); void run(); } }, params, actions);
    const children = [el('h2', { id: 'analysis-title', text: tr(spec.title) }), spec.description && tr(spec.description) ? el('p', { class: 'muted', text: tr(spec.description) }) : null, form];
    if (state.editor) children.push(renderEditor());
    if (state.result && state.result.key === cur.key) children.push(renderResult());
    panel.replaceChildren(...children.filter(Boolean));
    if (state.result && state.result.key === cur.key && spec.chart && state.result.rows.length) drawChart(spec.chart, state.result);
  }

  function openEditor(saved) {
    readParams();
    const cur = state.current;
    state.editor = saved
      ? { id: saved.id, name: saved.name, description: saved.description ?? '', document: saved.document, shared: saved.shared }
      : { id: null, name: tr(cur.spec.title), description: tr(cur.spec.description), document: cur.spec.document, shared: true };
    renderPanel();
    $('editor-name')?.focus();
  }

  function renderEditor() {
    const e = state.editor;
    const name = el('input', { id: 'editor-name', value: e.name, required: true, maxLength: 200 });
    const description = el('textarea', { id: 'editor-description', rows: 2, value: e.description });
    const shared = el('input', { id: 'editor-shared', type: 'checkbox', checked: e.shared });
    const doc = el('textarea', { id: 'editor-document', rows: 10, value: e.document, spellcheck: false, class: 'code' });
    return el(
      'form',
      {
        id: 'editor',
        class: 'card',
        onsubmit: (ev) => {
          ev.preventDefault();
          readParams();
          const parameters = {};
          for (const p of state.current.spec.parameters ?? []) parameters[p.name] = state.params[p.name];
          void saveAnalysis({ id: e.id, name: name.value, description: description.value, document: doc.value, shared: shared.checked, parameters });
        },
      },
      el('h3', { text: e.id ? t('editAnalysis') : t('newAnalysis') }),
      el('label', {}, el('span', { text: t('name') }), name),
      el('label', {}, el('span', { text: t('description') }), description),
      el('label', { class: 'inline' }, shared, el('span', { text: t('shared') })),
      el('details', {}, el('summary', { text: t('document') }), doc),
      el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'editor-save', class: 'primary', text: t('save') }), el('button', { type: 'button', text: t('cancel'), onclick: () => { state.editor = null; renderPanel(); } })),
    );
  }

  function renderResult() {
    const { rows, columns } = state.result;
    const head = el('tr', {}, columns.map((c) => el('th', { 'data-path': c.path, class: isNumeric(c) ? 'num' : '', text: columnLabel(c) })));
    const body = rows.map((r) => el('tr', {}, columns.map((c) => {
      const text = cellText(r, c);
      return el('td', { class: isNumeric(c) ? 'num' : '', text: text === '' && isNumeric(c) ? '—' : text });
    })));
    return el(
      'div',
      { id: 'result' },
      el(
        'div',
        { class: 'actions' },
        el('span', { id: 'row-count', class: 'muted', text: t('rows', rows.length) }),
        el('button', { id: 'download-csv', type: 'button', disabled: !rows.length, text: t('csv'), onclick: downloadCsv }),
        el('button', { id: 'download-xlsx', type: 'button', disabled: !rows.length, text: t('xlsx'), onclick: () => void downloadXlsx() }),
      ),
      state.current.spec.chart && rows.length ? el('div', { id: 'chart', class: 'chart' }) : null,
      rows.length ? el('div', { class: 'table-wrap' }, el('table', { id: 'result-table' }, el('thead', {}, head), el('tbody', {}, body))) : el('p', { class: 'muted', text: t('noRows') }),
    );
  }

  function drawChart(chart, result) {
    const box = $('chart');
    if (!box || !window.echarts) return;
    const col = (p) => result.columns.find((c) => c.path === p) ?? { path: p };
    const category = col(chart.category);
    const values = chart.values.map(col);
    const mixed = values.some((c) => c.format === 'percent') && values.some((c) => c.format !== 'percent');
    const axisOf = (c) => (mixed && c.format === 'percent' ? 1 : 0);
    const yAxis = (percent) => ({ type: 'value', axisLabel: { formatter: percent ? '{value}%' : '{value}' } });
    const cats = result.rows.map((r) => cellText(r, category));
    state.chart = window.echarts.init(box, null, { renderer: 'canvas' });
    state.chart.setOption({
      animation: false,
      // Rich text tooltips: drawn on the canvas, no inline HTML styles (the page's CSP forbids them).
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { data: values.map(columnLabel), top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: 'category', data: cats, axisLabel: { interval: 0, rotate: cats.length > 6 ? 30 : 0 } },
      yAxis: mixed ? [yAxis(false), yAxis(true)] : yAxis(values.every((c) => c.format === 'percent')),
      series: values.map((c) => ({
        name: columnLabel(c),
        type: chart.type === 'line' ? 'line' : 'bar',
        yAxisIndex: axisOf(c),
        data: result.rows.map((r) => {
          const v = cellValue(r, c);
          return typeof v === 'number' ? (c.format === 'percent' ? Number((v * 100).toFixed(1)) : v) : null;
        }),
      })),
    });
  }

  // ---------------------------------------------------------------- start
  async function start() {
    renderTop();
    try {
      [state.config, state.glossary] = await Promise.all([getJson('/workbench/config.json'), getJson('/workbench/glossary.json')]);
      if (state.config.devSignIn) state.devCallers = await getJson('/workbench/dev-callers.json').catch(() => []);
    } catch (e) {
      showError(e);
    }
    const query = new URLSearchParams(location.search);
    if (query.has('code') || query.has('error')) {
      try {
        await oidcFinish(query);
        await enterWorkbench();
        return;
      } catch (e) {
        renderAll();
        showMessage(e.message);
        return;
      }
    }
    if (credentials()) {
      try {
        await loadViewer();
        await enterWorkbench();
        return;
      } catch (e) {
        sessionStorage.removeItem(CRED_KEY);
        state.viewer = null;
        renderAll();
        showError(e);
        return;
      }
    }
    renderAll();
  }

  window.addEventListener('resize', () => state.chart?.resize());
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void start());
  else void start();
})();
