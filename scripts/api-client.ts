/**
 * API clients from the command line (until the createApiClient mutation):
 *   npm run api-client -- create --name "某MIS厂商" --jurisdiction 640502 --scopes campus:read,staff:read [--schools 2164050201,...] [--role VENDOR]
 *   npm run api-client -- revoke --id <ApiClient id>
 *   npm run api-client -- list
 * The key is printed once; only its SHA-256 is stored.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { withConfiguredDatabase } from '../server/db/bootstrap';
import { newId } from '../server/db/ids';
import { encodeId, uuidOf } from '../server/graphql/ids';

const API_CLIENT_ROLES = ['VENDOR', 'BUREAU_ADMIN', 'ANALYST'];

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string', default: 'VENDOR' },
      jurisdiction: { type: 'string' },
      schools: { type: 'string' },
      scopes: { type: 'string' },
      id: { type: 'string' },
    },
  });
  await withConfiguredDatabase(async (ds) => {
    const command = positionals[0];
    if (command === 'create') {
      if (!values.name || !values.jurisdiction || !values.scopes) throw new Error('create needs --name, --jurisdiction and --scopes');
      if (!API_CLIENT_ROLES.includes(values.role!)) throw new Error(`--role must be one of ${API_CLIENT_ROLES.join(', ')}`);
      const [j] = await ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [values.jurisdiction]);
      if (!j) throw new Error(`unknown jurisdiction ${values.jurisdiction}`);
      const codes = values.schools ? values.schools.split(',').map((s) => s.trim()) : [];
      const schools = await ds.query(`SELECT id, code FROM school WHERE code = ANY($1::text[])`, [codes]);
      if (schools.length !== codes.length) throw new Error('unknown school code in --schools');
      const key = newApiKey();
      const id = newId();
      await ds.query(
        `INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 'cli')`,
        [id, values.name, values.role, j.id, schools.map((s: { id: string }) => s.id), values.scopes.split(',').map((s) => s.trim()), hashApiKey(key)],
      );
      console.log(`created ${encodeId('ApiClient', id)}\nX-Api-Key: ${key}\n(shown once: only its hash is stored)`);
    } else if (command === 'revoke') {
      const id = uuidOf(values.id ?? '', 'ApiClient');
      const r = id ? await ds.query(`UPDATE api_client SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]) : [];
      if (!r.length) throw new Error('no such active API client');
      console.log('revoked');
    } else if (command === 'list') {
      for (const c of await ds.query(`SELECT a.id, a.name, a.role, j.code, a.scopes, a.revoked_at, a.last_used_at FROM api_client a JOIN jurisdiction j ON j.id = a.jurisdiction_id ORDER BY a.id`)) {
        console.log([encodeId('ApiClient', c.id), c.name, c.role, c.code, c.scopes.join(','), c.revoked_at ? 'revoked' : 'active', c.last_used_at ?? 'never used'].join('\t'));
      }
    } else {
      throw new Error('usage: api-client create|revoke|list (see scripts/api-client.ts)');
    }
  });
}

main().catch((e) => {
  console.error(e.message ?? e);
  process.exit(1);
});
