import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

/**
 * GraphiQL served by the hub itself, from packages installed with it: bureau networks are
 * often offline, so nothing may load from a CDN. The page sends the Authorization (or
 * X-Api-Key) header the analyst enters in GraphiQL's header editor.
 */
/** The installed package's folder (its exports map hides the UMD builds from require.resolve). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name.split('/').pop()) dir = path.dirname(dir);
  return dir;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: path.join(packageDir('react'), 'umd', 'react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: path.join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

const DEFAULT_QUERY = `# 集团化办学数据中枢. Put your credentials in the Headers tab below, e.g.
#   { "Authorization": "Bearer <token>" }   (npm start prints demo tokens; npm run token signs more)
{
  viewer { subject role jurisdiction { name } }
  groups(first: 10) {
    totalCount
    edges { node { name mode status memberships { totalCount } } }
  }
}
`;

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8" />
  <title>集团化办学数据中枢 · GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
        defaultHeaders: '{\\n  "Authorization": "Bearer <token>"\\n}',
        shouldPersistHeaders: true,
        defaultEditorToolsVisibility: 'headers',
      }),
    );
  </script>
</body>
</html>`;

export function graphiqlRouter(): express.Router {
  const router = express.Router();
  router.get('/graphiql', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/graphiql/assets/:name', (req, res, next) => {
    const asset = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!asset) return next(); // the JSON 404 (http/errors.ts)
    res.type(asset.type).set('cache-control', 'public, max-age=86400');
    fs.createReadStream(asset.file).pipe(res);
  });
  // A browser opening the endpoint itself gets the IDE.
  router.get('/graphql', (req, res, next) => {
    // A bodiless redirect: only JSON bodies leave /graphql.
    if (req.accepts(['json', 'html']) === 'html' && !req.query.query) return void res.status(302).location('/graphiql').end();
    next();
  });
  return router;
}
