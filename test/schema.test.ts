import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { schemaSdl } from '../server/graphql/schema';

const root = path.join(__dirname, '..');
const contractChecker = path.join(root, '..', 'shared', 'bin', 'check-contract.mjs');

describe('the committed schema', () => {
  test('schema/schema.graphql is what the code generates (run `npm run schema` after changing types)', async () => {
    const committed = fs.readFileSync(path.join(root, 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await schemaSdl());
  });

  // The contract lives beside the repository (../shared), as on CI and developer machines.
  (fs.existsSync(contractChecker) ? test : test.skip)('is a compatible superset of the contract\'s read side', () => {
    const out = execFileSync('node', [contractChecker, '--reads', 'schema/schema.graphql'], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/contract \(reads\): 0 incompatibilities/);
  });
});
