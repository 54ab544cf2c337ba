import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { WEB } from './workbench-page';

/**
 * GraphiQL served by the hub itself, from packages installed with it: bureau networks are
 * often offline, so nothing may load from a CDN. It uses the credentials of the workbench's
 * sign-in (`/`), kept in this browser tab's sessionStorage: without them it shows a link to
 * sign in and sends nothing; with them it loads the schema at once (Docs and autocompletion
 * work from the start) and opens the workbench's analyses as example tabs. GraphiQL's own
 * state (tabs, history) lives in sessionStorage too, and never the headers.
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
  // Ours: reads the workbench's credentials, then starts GraphiQL (server/workbench/web/graphiql-boot.js).
  'boot.js': { file: path.join(WEB, 'graphiql-boot.js'), type: 'text/javascript' },
};

/** Only the hub: no inline or remote script, no frames (GraphiQL's editors set inline styles). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8" />
  <meta name="referrer" content="no-referrer" />
  <title>集团化办学数据中枢 · GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; } .signin { font: 16px system-ui, "Microsoft YaHei", sans-serif; padding: 2rem; }</style>
</head>
<body>
  <div id="graphiql">正在加载 GraphiQL… Loading GraphiQL…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script src="/graphiql/assets/boot.js"></script>
</body>
</html>`;

export function graphiqlRouter(): express.Router {
  const router = express.Router();
  router.get('/graphiql', (_req, res) => {
    res.type('html').set({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' }).send(PAGE);
  });
  router.get('/graphiql/assets/:name', (req, res, next) => {
    const asset = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!asset) return next(); // the JSON 404 (http/errors.ts)
    // boot.js changes with the hub; the packages only with an upgrade.
    res.type(asset.type).set({ 'cache-control': req.params.name === 'boot.js' ? 'no-cache' : 'public, max-age=86400', 'x-content-type-options': 'nosniff' });
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
