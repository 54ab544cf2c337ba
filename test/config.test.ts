import crypto from 'node:crypto';
import { ConfigError, readConfig } from '../server/config';

/**
 * The configuration schema (server/config.ts) as an operator's mistakes meet it: each problem
 * one line naming its variable, secrets never echoed. (The refusals of a real start, exit code
 * included, are in production.test.ts.)
 */
const problems = (env: Record<string, string>, purpose: 'server' | 'script' = 'server'): string[] => {
  try {
    readConfig(env, purpose);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};
const prod = (extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://hub:pw@db.internal:5432/hub',
  AUTH_JWT_SECRET: crypto.randomBytes(48).toString('base64'),
  PII_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
  ...extra,
});
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

test('a complete production configuration passes, and says which settings nobody reads', () => {
  const c = readConfig(prod({ AUTH_JWT_ISUER: 'https://idp', HUB_LOADDEMO: '1', HUB_TEST_DATABASE_URL: 'x' }), 'server');
  expect(c).toMatchObject({ production: true, loadDemo: false, port: 4000 });
  expect(c.unknown).toEqual(['AUTH_JWT_ISUER', 'HUB_LOADDEMO']);
});

test('keys are keys: a passphrase, spaces or non-canonical base64 are not a 32-byte PII key', () => {
  for (const key of ['passwordpasswordpasswordpassword', ' '.repeat(44), 'é'.repeat(16), crypto.randomBytes(31).toString('base64'), crypto.randomBytes(32).toString('hex').slice(1)]) {
    const p = problems(prod({ PII_ENCRYPTION_KEY: key }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^PII_ENCRYPTION_KEY: must be a 32-byte key/);
    expect(p[0]).not.toContain(key.trim() || '\u0000'); // never echoed
  }
  expect(problems(prod({ PII_ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex') }))).toEqual([]);
});

test('a JWT secret must look random; a public key must load', () => {
  for (const secret of [' '.repeat(40), `  ${crypto.randomBytes(30).toString('base64')}`, 'a'.repeat(40), 'short']) {
    expect(problems(prod({ AUTH_JWT_SECRET: secret }))[0]).toMatch(/^AUTH_JWT_SECRET: must/);
  }
  const withKey = (pem: string) => problems({ ...prod(), AUTH_JWT_SECRET: '', AUTH_JWT_PUBLIC_KEY: pem });
  expect(withKey('-----BEGIN PUBLIC KEY-----\nnotakey\n-----END PUBLIC KEY-----')[0]).toMatch(/^AUTH_JWT_PUBLIC_KEY: must be a PEM public key that loads/);
  expect(withKey(rsa)).toEqual([]);
  expect(withKey(rsa.replace(/\n/g, '\\n'))).toEqual([]); // one line in an environment file
});

test('an empty value is unset: one line for a missing production setting, not two', () => {
  expect(problems(prod({ DATABASE_URL: '', PII_ENCRYPTION_KEY: '' }))).toEqual([
    'PII_ENCRYPTION_KEY: production needs the key that encrypts staff ID numbers (no key is generated in production)',
    'DATABASE_URL: production needs a PostgreSQL server (the embedded one is for trying the hub out)',
  ]);
});

test('production refuses a random port, the demo, a fixed clock; a command in production needs DATABASE_URL', () => {
  expect(problems(prod({ PORT: '0', HUB_LOAD_DEMO: '1', HUB_NOW: '2026-11-23T10:00:00+08:00' })).map((p) => p.split(':')[0])).toEqual(['HUB_LOAD_DEMO', 'HUB_NOW', 'PORT']);
  expect(problems({ NODE_ENV: 'production' }, 'script')).toEqual(['DATABASE_URL: in production a command needs the production database (it never falls back to the embedded one)']);
  expect(problems({}, 'script')).toEqual([]);
});

test('the demo: embedded database by default, a DATABASE_URL database only with HUB_LOAD_DEMO=1', () => {
  expect(readConfig({}).loadDemo).toBe(true);
  expect(readConfig({ HUB_LOAD_DEMO: '0' }).loadDemo).toBe(false);
  expect(readConfig({ DATABASE_URL: 'postgres://h/db' }).loadDemo).toBe(false);
  expect(readConfig({ DATABASE_URL: 'postgres://h/db', HUB_LOAD_DEMO: '1' }).loadDemo).toBe(true);
});

test('URLs: what a PostgreSQL, Redis or JWKS URL must be; passwords masked in the message', () => {
  const p = problems({ DATABASE_URL: 'mysql://u:secretpw@h/db', REDIS_URL: 'localhost:6379', AUTH_JWKS_URL: 'http://idp.example/jwks' });
  expect(p).toEqual([
    'DATABASE_URL: is not a PostgreSQL URL (postgres://user:password@host:5432/database) (got mysql://u:****@h/db)',
    "AUTH_JWKS_URL: is not an https URL (the identity provider's JWKS; plain http only on localhost) (got http://idp.example/jwks)",
    'REDIS_URL: is not a Redis URL (redis://host:6379 or rediss://...) (got localhost:6379)',
  ]);
  expect(problems({ DATABASE_URL: 'postgres:///hub?host=/var/run/postgresql' })).toEqual([]);
});
