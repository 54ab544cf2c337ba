import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { DataSource } from 'typeorm';
import { AuthConfig } from '../access/authenticate';
import { demoCredentials } from '../access/tokens';
import { demoLoaded } from '../demo/seed';
import { readOidcSettings } from '../workbench/routes';

/**
 * The analysts' workbench (分析工作台) at `/`: one HTML page, its script and style
 * (server/workbench/web/), Apache ECharts and ExcelJS from the installed packages. Everything
 * is served by the hub (bureau networks are often offline); the data itself comes from
 * /graphql and the JSON endpoints of server/workbench/routes.ts.
 */

/** An installed package's folder (its exports map may hide the dist builds from require.resolve). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name.split('/').pop()) dir = path.dirname(dir);
  return dir;
}

/** The page's own files: next to the sources, also when running from dist/ (copied there or not). */
function webDir(): string {
  const candidates = [path.join(__dirname, '..', 'workbench', 'web'), path.join(__dirname, '..', '..', '..', 'server', 'workbench', 'web')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? candidates[0];
}

export const WEB = webDir();
const ASSETS: Record<string, { file: string; type: string }> = {
  'app.js': { file: path.join(WEB, 'app.js'), type: 'text/javascript; charset=utf-8' },
  'app.css': { file: path.join(WEB, 'app.css'), type: 'text/css; charset=utf-8' },
  'echarts.min.js': { file: path.join(packageDir('echarts'), 'dist', 'echarts.min.js'), type: 'text/javascript; charset=utf-8' },
  'exceljs.min.js': { file: path.join(packageDir('exceljs'), 'dist', 'exceljs.min.js'), type: 'text/javascript; charset=utf-8' },
};

/**
 * Only the hub itself: no inline script or style, no eval, no frames. With OpenID Connect
 * sign-in, the page also talks to the identity provider (discovery and the token endpoint)
 * and navigates to it.
 */
export function workbenchCsp(oidcIssuer?: string | null): string {
  let idp = '';
  if (oidcIssuer) {
    try {
      idp = ` ${new URL(oidcIssuer).origin}`;
    } catch {
      idp = '';
    }
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${idp}`,
    `form-action 'self'${idp}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface WorkbenchPageOptions {
  /** The identity provider of "使用统一身份认证登录" (default: AUTH_OIDC_ISSUER with AUTH_OIDC_CLIENT_ID, as workbench/routes.ts). */
  oidcIssuer?: string | null;
}

export function workbenchPageRouter(opts: WorkbenchPageOptions = {}): express.Router {
  const router = express.Router();
  const csp = workbenchCsp(opts.oidcIssuer !== undefined ? opts.oidcIssuer : readOidcSettings()?.issuer ?? null);
  const secure = (res: express.Response) =>
    res.set({
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
  router.get('/', (_req, res) => {
    // Read per request: small, and edits show without a restart in development.
    secure(res).type('html').set('cache-control', 'no-store').send(fs.readFileSync(path.join(WEB, 'index.html'), 'utf8'));
  });
  // Browsers ask for it on every page: no icon, and no 404 in the log.
  router.get('/favicon.ico', (_req, res) => void res.status(204).set('cache-control', 'public, max-age=86400').end());
  router.get('/workbench/assets/:name', (req, res, next) => {
    const asset = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!asset) return next(); // the JSON 404 (http/errors.ts)
    // The page's own files change with the hub; the libraries only with an upgrade.
    const own = req.params.name.startsWith('app.');
    secure(res).type(asset.type).set('cache-control', own ? 'no-cache' : 'public, max-age=86400');
    fs.createReadStream(asset.file).pipe(res);
  });
  return router;
}

/** One of the demo's callers in the sign-in picker (only with the development secret). */
export interface DevCaller {
  label: string;
  role: string;
  token: string;
}

/**
 * The demo's callers of `npm start` (access/tokens.ts demoCredentials) for the sign-in picker:
 * only with the generated development secret, and only once the demo is loaded; else null.
 */
export function demoDevCallers(ds: DataSource, auth: AuthConfig): (() => Promise<DevCaller[]>) | null {
  if (!auth.devSecret || !auth.hsSecret) return null;
  const secret = auth.hsSecret;
  // Signed once an hour at most (config.json asks on every page load); the tokens last 30 days.
  let cached: { at: number; callers: Promise<DevCaller[]> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > 3600_000) {
      const callers = (async () => ((await demoLoaded(ds)) ? devCallersOf(await demoCredentials(ds, secret)) : []))();
      cached = { at: Date.now(), callers };
      // A failure is not kept: the next page load asks again.
      callers.catch(() => (cached = undefined));
    }
    return cached.callers;
  };
}

/** `Authorization: Bearer <jwt>` / `X-Api-Key: <key>` lines as picker entries (the role from the token). */
export function devCallersOf(creds: Array<{ who: string; header: string }>): DevCaller[] {
  return creds.map(({ who, header }) => {
    const bearer = /^Authorization:\s*Bearer\s+(\S+)$/i.exec(header);
    if (!bearer) return { label: who, role: 'VENDOR', token: header.replace(/^X-Api-Key:\s*/i, '') };
    let role = '';
    try {
      role = String(JSON.parse(Buffer.from(bearer[1].split('.')[1], 'base64url').toString('utf8')).role ?? '');
    } catch {
      role = '';
    }
    return { label: who, role, token: bearer[1] };
  });
}
