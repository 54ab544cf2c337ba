/** Writes schema/schema.graphql from the server code: `npm run schema`. */
import fs from 'node:fs';
import path from 'node:path';
import { schemaSdl } from '../server/graphql/schema';

async function main() {
  const out = path.join(__dirname, '..', 'schema', 'schema.graphql');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, await schemaSdl());
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
