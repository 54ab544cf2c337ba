import express from 'express';
import { ANALYSES } from './analyses';
import { GLOSSARY } from './glossary';

/** One of the demo's callers in the workbench's sign-in picker (http/workbench-page.ts demoDevCallers). */
export interface WorkbenchCaller {
  label: string;
  role: string;
  token: string;
}

/** Sign-in with the bureau's identity provider (OpenID Connect, authorization code with PKCE). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
}

export interface WorkbenchDataOptions {
  /**
   * The demo's callers: null unless the development secret is in use; the function answers
   * none (an empty list, or null) while the demo is not loaded. Either way the picker is off.
   */
  devCallers: (() => Promise<WorkbenchCaller[] | null> | WorkbenchCaller[] | null) | null;
  /** The identity provider; default: AUTH_OIDC_ISSUER / AUTH_OIDC_CLIENT_ID / AUTH_OIDC_SCOPE (config.ts checks them). */
  oidc?: OidcSettings | null;
}

/** AUTH_OIDC_ISSUER and AUTH_OIDC_CLIENT_ID (both, or no sign-in with the identity provider); scope default "openid profile". */
export function readOidcSettings(env: NodeJS.ProcessEnv = process.env): OidcSettings | null {
  const issuer = env.AUTH_OIDC_ISSUER?.trim();
  const clientId = env.AUTH_OIDC_CLIENT_ID?.trim();
  if (!issuer || !clientId) return null;
  return { issuer, clientId, scope: env.AUTH_OIDC_SCOPE?.trim() || 'openid profile' };
}

/**
 * The workbench's JSON, served by the hub itself (nothing from a CDN), no sign-in needed:
 * - GET /workbench/analyses.json: the analyses shipped with the hub (analyses.ts);
 * - GET /workbench/glossary.json: Chinese and English for every enum value and column field (glossary.ts);
 * - GET /workbench/config.json: { oidc: { issuer, clientId, scope } | null, devSignIn };
 * - GET /workbench/dev-callers.json: the demo's callers with ready tokens, only with the
 *   development secret and the demo loaded (else 404): devSignIn says whether it answers.
 */
export function workbenchDataRouter(opts: WorkbenchDataOptions): express.Router {
  const router = express.Router();
  const oidc = opts.oidc !== undefined ? opts.oidc : readOidcSettings();
  const devCallers = async (): Promise<WorkbenchCaller[]> => (opts.devCallers ? (await opts.devCallers()) ?? [] : []);
  const analyses = JSON.stringify(ANALYSES);
  const glossary = JSON.stringify(GLOSSARY);
  const json = (res: express.Response, body: string, cache = 'no-cache') => {
    res.set('cache-control', cache).type('application/json; charset=utf-8').send(body);
  };
  router.get('/workbench/analyses.json', (_req, res) => json(res, analyses));
  router.get('/workbench/glossary.json', (_req, res) => json(res, glossary));
  router.get('/workbench/config.json', async (_req, res, next) => {
    try {
      json(res, JSON.stringify({ oidc, devSignIn: (await devCallers()).length > 0 }), 'no-store');
    } catch (e) {
      next(e);
    }
  });
  router.get('/workbench/dev-callers.json', async (_req, res, next) => {
    try {
      const callers = await devCallers();
      if (!callers.length) {
        res.status(404).set('cache-control', 'no-store').json({ error: 'not found', message: 'demo callers exist only with the development secret and the demo loaded' });
        return;
      }
      // Tokens: never cached.
      json(res, JSON.stringify(callers.map(({ label, role, token }) => ({ label, role, token }))), 'no-store');
    } catch (e) {
      next(e);
    }
  });
  return router;
}
