// Builds the package (ESM and CommonJS, each with .d.ts) from the committed sources, and with
// --pack packs it, printing the tarball's absolute path as the last line. Codegen is not run
// here: the generated code is committed (a test fails when it is stale).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = path.dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(path.join(sdk, '..', 'package.json')).resolve('typescript/bin/tsc');

fs.rmSync(path.join(sdk, 'dist'), { recursive: true, force: true });
for (const [config, type] of [['tsconfig.esm.json', 'module'], ['tsconfig.cjs.json', 'commonjs']]) {
  execFileSync(process.execPath, [tsc, '-p', path.join(sdk, config)], { stdio: 'inherit' });
  // Each build says what its .js files are, whatever the package's own "type".
  const out = path.join(sdk, 'dist', type === 'module' ? 'esm' : 'cjs');
  fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type }) + '\n');
}

if (process.argv.includes('--pack')) {
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', sdk], { cwd: sdk, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [{ filename }] = JSON.parse(json);
  console.log(path.join(sdk, path.basename(filename)));
}
