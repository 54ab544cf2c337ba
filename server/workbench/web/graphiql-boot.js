// GraphiQL at /graphiql, started with the workbench's sign-in (the credentials of this tab, in
// sessionStorage). Nothing is requested before there are credentials; with them, the schema loads
// at once (Docs and autocompletion work from the start) and the analyses open as example tabs.
'use strict';

(() => {
  /** Where the workbench keeps the tab's credentials (app.js CRED_KEY). */
  const CRED_KEY = 'hub.credentials';
  const DEFAULT_QUERY = `# 集团化办学数据中枢 · free-form queries as the signed-in caller
{
  viewer { subject role jurisdiction { name code } }
  groups(first: 10) {
    totalCount
    edges { node { name mode status memberships { totalCount } } }
  }
}
`;
  const root = document.getElementById('graphiql');
  let creds = null;
  try {
    creds = JSON.parse(sessionStorage.getItem(CRED_KEY) || 'null');
  } catch {
    creds = null;
  }
  if (!creds || !creds.value) {
    const link = document.createElement('a');
    link.href = '/';
    link.id = 'signin-link';
    link.textContent = '登录分析工作台 · Sign in on the workbench';
    const p = document.createElement('p');
    p.className = 'signin';
    p.append('尚未登录：请先', link, '，再回到此页（凭据只保存在当前标签页）。 Not signed in: sign in first, then come back (credentials are kept per tab).');
    root.replaceChildren(p);
    return;
  }
  const headers = creds.kind === 'apiKey' ? { 'X-Api-Key': creds.value } : { Authorization: `Bearer ${creds.value}` };

  // GraphiQL's tabs and history: this tab only, under its namespace; never the headers.
  const PREFIX = 'graphiql:';
  const ownKeys = () => Object.keys(sessionStorage).filter((k) => k.startsWith(PREFIX));
  const storage = {
    getItem: (k) => sessionStorage.getItem(k),
    setItem: (k, v) => sessionStorage.setItem(k, v),
    removeItem: (k) => sessionStorage.removeItem(k),
    get length() {
      return ownKeys().length;
    },
    clear: () => ownKeys().forEach((k) => sessionStorage.removeItem(k)),
  };

  const post = (query) =>
    fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) })
      .then((r) => r.json())
      .catch(() => ({}));
  const schoolYear = () => {
    const now = new Date();
    const y = now.getMonth() >= 8 ? now.getFullYear() : now.getFullYear() - 1;
    return `${y}-${y + 1}`;
  };
  const comment = (text) => (text ? `${String(text).split('\n').map((l) => `# ${l}`).join('\n')}\n` : '');

  // The shipped catalog, then the bureau's saved analyses (a caller who may not read them gets the catalog).
  Promise.all([
    fetch('/workbench/analyses.json').then((r) => (r.ok ? r.json() : [])).catch(() => []),
    post('query GraphiQLViewer { viewer { jurisdiction { code } } }'),
    post('query GraphiQLSavedAnalyses { savedAnalyses { edges { node { name description document parameters } } } }'),
  ]).then(([catalog, viewer, saved]) => {
    const code = viewer?.data?.viewer?.jurisdiction?.code ?? '';
    const tabs = [{ query: DEFAULT_QUERY }];
    for (const a of Array.isArray(catalog) ? catalog : []) {
      const variables = {};
      for (const p of a.parameters ?? []) variables[p.name] = p.default ?? (p.name === 'jurisdiction' ? code : p.name === 'schoolYear' ? schoolYear() : '');
      tabs.push({ query: `${comment(`${a.title?.zh ?? ''} · ${a.title?.en ?? ''}`)}${comment(a.description?.zh)}${a.document}`, variables: JSON.stringify(variables, null, 2) });
    }
    for (const edge of saved?.data?.savedAnalyses?.edges ?? []) {
      const s = edge.node;
      let variables;
      try {
        variables = s.parameters ? JSON.stringify(JSON.parse(s.parameters), null, 2) : undefined;
      } catch {
        variables = undefined;
      }
      tabs.push({ query: `${comment(s.name)}${comment(s.description)}${s.document}`, variables });
    }
    const h = React.createElement;
    ReactDOM.createRoot(root).render(
      h(
        GraphiQL,
        {
          fetcher: GraphiQL.createFetcher({ url: '/graphql', headers }),
          defaultTabs: tabs,
          storage,
          shouldPersistHeaders: false,
          defaultEditorToolsVisibility: 'variables',
        },
        h(GraphiQL.Logo, null, h('a', { href: '/', title: '分析工作台 · Workbench' }, '集团化办学数据中枢')),
      ),
    );
  });
})();
