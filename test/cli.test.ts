import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startHub, TestHub } from './support/hub';

/** The command-line tools a developer or operator runs: npm run token, npm run api-client. */
const run = promisify(execFile);
const root = path.join(__dirname, '..');
let hub: TestHub;
let dbUrl = '';
beforeAll(async () => {
  hub = await startHub({ writes: true });
  dbUrl = (hub.ds.options as { url: string }).url;
});
afterAll(() => hub.stop());

const script = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['-r', 'ts-node/register/transpile-only', `scripts/${name}.ts`, ...args], { cwd: root, env: { ...process.env, ...env } });

test('npm run token signs a token the server accepts, one flag per claim', async () => {
  const { stdout } = await script('token', ['--role', 'BUREAU_ADMIN', '--jurisdiction', '640502', '--scopes', 'pii:read', '--sub', 'cli-user', '--ttl', '600']);
  const token = stdout.trim();
  const d = await hub.as({ headers: { authorization: `Bearer ${token}` } }).data(`{ viewer { subject role scopes jurisdiction { code } } }`);
  expect(d.viewer).toEqual({ subject: 'cli-user', role: 'BUREAU_ADMIN', scopes: ['pii:read'], jurisdiction: { code: '640502' } });
  await expect(script('token', ['--role', 'KING'])).rejects.toThrow(/--role must be one of/);
});

test('npm run api-client creates a key shown once, lists and revokes it', async () => {
  const env = { DATABASE_URL: dbUrl, HUB_QUIET: '1' };
  const created = await script('api-client', ['create', '--name', 'CLI厂商', '--jurisdiction', '640502', '--scopes', 'campus:read', '--schools', '2164050203'], env);
  const id = /created (\S+)/.exec(created.stdout)![1];
  const key = /X-Api-Key: (\S+)/.exec(created.stdout)![1];
  const d = await hub.as({ apiKey: key }).data(`{ viewer { role } campuses { totalCount } }`);
  expect(d.viewer.role).toBe('VENDOR');
  expect((await script('api-client', ['list'], env)).stdout).toContain('CLI厂商');
  await script('api-client', ['revoke', '--id', id], env);
  expect((await hub.as({ apiKey: key }).gql(`{ viewer { role } }`)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
});
