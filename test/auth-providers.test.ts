import http from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { AuthConfig } from '../server/access/authenticate';
import { createDataSource } from '../server/db/datasource';
import { HubServer, startHttpServer } from '../server/http/app';

/**
 * Production identity providers: RS256/ES256 tokens verified with a configured public key
 * (AUTH_JWT_PUBLIC_KEY) or a JWKS URL (AUTH_JWKS_URL), with issuer and audience checks.
 */
let ds: DataSource;
const servers: HubServer[] = [];
let jwksServer: http.Server;

beforeAll(async () => {
  ds = createDataSource(process.env.HUB_TEST_DATABASE_URL!);
  await ds.initialize();
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  jwksServer?.close();
  await ds.destroy();
});

const base: AuthConfig = { hsSecret: null, devSecret: false, publicKeyPem: null, jwksUrl: null, issuer: 'https://idp.example.gov.cn', audience: 'edu-group-hub' };

async function ask(server: HubServer, token: string) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { subject role jurisdiction { code } } }' }),
  });
  return (await res.json()) as any;
}

const claims = { role: 'BUREAU_ADMIN', jurisdiction: '640502' };
const sign = (key: any, alg: string, opts: { iss?: string; aud?: string; kid?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, kid: opts.kid })
    .setSubject('idp:zhang.san')
    .setIssuer(opts.iss ?? base.issuer!)
    .setAudience(opts.aud ?? base.audience!)
    .setExpirationTime('10m')
    .sign(key);

test('RS256 tokens verified with a configured public key; issuer and audience checked', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const server = await startHttpServer(ds, { port: 0, host: '127.0.0.1', auth: { ...base, publicKeyPem: await exportSPKI(publicKey) } });
  servers.push(server);
  expect((await ask(server, await sign(privateKey, 'RS256'))).data.viewer).toEqual({ subject: 'idp:zhang.san', role: 'BUREAU_ADMIN', jurisdiction: { code: '640502' } });
  const other = await generateKeyPair('RS256');
  for (const bad of [
    await sign(other.privateKey, 'RS256'),
    await sign(privateKey, 'RS256', { aud: 'someone-else' }),
    await sign(privateKey, 'RS256', { iss: 'https://evil.example' }),
    await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('10m').sign(Buffer.alloc(32, 1)),
  ]) {
    expect((await ask(server, bad)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  }
});

test('ES256 tokens verified against a JWKS URL', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
  jwksServer = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/.well-known/jwks.json`;
  const server = await startHttpServer(ds, { port: 0, host: '127.0.0.1', auth: { ...base, jwksUrl } });
  servers.push(server);
  expect((await ask(server, await sign(privateKey, 'ES256', { kid: 'key-1' }))).data.viewer.role).toBe('BUREAU_ADMIN');
  const stranger = await generateKeyPair('ES256');
  expect((await ask(server, await sign(stranger.privateKey, 'ES256', { kid: 'key-1' }))).errors[0].extensions.code).toBe('UNAUTHENTICATED');
});
