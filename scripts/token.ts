/**
 * `npm run token -- --role BUREAU_ADMIN --jurisdiction 640502 [--scopes pii:read,...]`
 * prints a signed development token: HS256 with AUTH_JWT_SECRET, or with the generated
 * development secret (.data/jwt.secret) that `npm start` uses when none is configured.
 * Flags: --role --sub --jurisdiction --group --school --cycles --scopes --ttl (seconds).
 */
import { parseArgs } from 'node:util';
import { readAuthConfig } from '../server/access/authenticate';
import { signToken, TokenClaims } from '../server/access/tokens';
import { Role } from '../server/graphql/enums';

async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      jurisdiction: { type: 'string' },
      group: { type: 'string' },
      school: { type: 'string' },
      cycles: { type: 'string' },
      scopes: { type: 'string' },
      ttl: { type: 'string', default: String(8 * 3600) },
    },
  });
  const role = values.role ?? '';
  if (!(role in Role)) throw new Error(`--role must be one of ${Object.keys(Role).join(', ')}`);
  const list = (v?: string) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const claims: TokenClaims = {
    sub: values.sub ?? `dev:${role.toLowerCase()}`,
    role,
    jurisdiction: values.jurisdiction,
    group: values.group,
    school: values.school,
    cycles: list(values.cycles),
    scopes: list(values.scopes) ?? [],
  };
  const secret = readAuthConfig().hsSecret;
  if (!secret) throw new Error('no HS256 secret: set AUTH_JWT_SECRET (an RS256/ES256 setup signs tokens at its identity provider)');
  console.log(await signToken(secret, claims, Number(values.ttl)));
}

main().catch((e) => {
  console.error(e.message ?? e);
  process.exit(1);
});
