/**
 * API clients from the command line (until the createApiClient mutation):
 *   npm run api-client -- create --name "某MIS厂商" --jurisdiction 640502 --scopes campus:read,staff:read [--schools 2164050201,...] [--role VENDOR] [--expires 2027-08-31] [--persisted-only]
 *   npm run api-client -- revoke --id <ApiClient id>
 *   npm run api-client -- list
 * The key is printed once; only its SHA-256 is stored.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { hashApiKey, newApiKey } from '../server/access/authenticate';
import { withConfiguredDatabase } from '../server/db/bootstrap';
import { newId } from '../server/db/ids';
import { KNOWN_SCOPES } from '../server/clients/mutations';
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
      expires: { type: 'string' },
      // Only the hub's persisted documents (the SDK's operations, by hash) may run with the key.
      'persisted-only': { type: 'boolean', default: false },
    },
  });
  await withConfiguredDatabase(async (ds) => {
    const command = positionals[0];
    if (command === 'create') {
      if (!values.name || !values.jurisdiction || !values.scopes) throw new Error('create needs --name, --jurisdiction and --scopes');
      if (!API_CLIENT_ROLES.includes(values.role!)) throw new Error(`--role must be one of ${API_CLIENT_ROLES.join(', ')}`);
      const [j] = await ds.query(`SELECT id FROM jurisdiction WHERE code = $1`, [values.jurisdiction]);
      if (!j) throw new Error(`unknown jurisdiction ${values.jurisdiction}`);
      const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !KNOWN_SCOPES.includes(s));
      if (unknown.length) throw new Error(`unknown scope(s) ${unknown.join(', ')}; known: ${KNOWN_SCOPES.join(', ')}`);
      const expires = values.expires ? new Date(values.expires) : null;
      if (expires && (Number.isNaN(expires.getTime()) || expires.getTime() <= Date.now())) throw new Error('--expires must be a future date or instant, e.g. 2027-08-31');
      const codes = values.schools ? values.schools.split(',').map((s) => s.trim()) : [];
      // Listed schools must lie within the key's jurisdiction: a list narrows, it never widens.
      const schools = await ds.query(`SELECT s.id, s.code FROM school s JOIN jurisdiction_ancestor x ON x.jurisdiction_id = s.jurisdiction_id
        WHERE x.ancestor_id = $2 AND s.code = ANY($1::text[])`, [codes, j.id]);
      if (schools.length !== new Set(codes).size) throw new Error(`--schools names a school not registered within ${values.jurisdiction}`);
      const key = newApiKey();
      const id = newId();
      await ds.query(
        `INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, created_by, expires_at, persisted_only) VALUES ($1, $2, $3, $4, $5, $6, $7, 'cli', $8, $9)`,
        [id, values.name, values.role, j.id, schools.map((s: { id: string }) => s.id), scopes, hashApiKey(key), expires, values['persisted-only']],
      );
      const only = values['persisted-only'] ? '\n(persisted documents only: the SDK\'s operations, by hash)' : '';
      console.log(`created ${encodeId('ApiClient', id)}\nX-Api-Key: ${key}\n(shown once: only its hash is stored)${only}`);
    } else if (command === 'revoke') {
      const id = uuidOf(values.id ?? '', 'ApiClient');
      const r = id ? await ds.query(`UPDATE api_client SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]) : [];
      if (!r.length) throw new Error('no such active API client');
      console.log('revoked');
    } else if (command === 'list') {
      for (const c of await ds.query(`SELECT a.id, a.name, a.role, j.code, a.scopes, a.revoked_at, a.last_used_at, a.expires_at, a.expires_at <= now() AS expired, a.persisted_only
          FROM api_client a JOIN jurisdiction j ON j.id = a.jurisdiction_id ORDER BY a.id`)) {
        const state = c.revoked_at ? 'revoked' : c.expired ? 'expired' : c.expires_at ? `active until ${c.expires_at.toISOString()}` : 'active';
        console.log([encodeId('ApiClient', c.id), c.name, c.role, c.code, c.scopes.join(','), state, c.last_used_at ?? 'never used', ...(c.persisted_only ? ['persisted-only'] : [])].join('\t'));
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
