// Builds the package (ESM and CommonJS, each with .d.ts) from the committed sources, and with
// --pack packs it, printing the tarball's absolute path as the last line. Codegen is not run
// here: the generated code is committed (a test fails when it is stale).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = path.dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(path.join(sdk, '..', 'package.json')).resolve('typescript/bin/tsc');

fs.rmSync(path.join(sdk, 'dist'), { recursive: true, force: true });
const builds = [['tsconfig.esm.json', 'module', 'esm'], ['tsconfig.cjs.json', 'commonjs', 'cjs']];
// Both builds at once: each is a separate tsc.
const failed = (await Promise.all(builds.map(([config]) => new Promise((resolve) => {
  execFile(process.execPath, [tsc, '-p', path.join(sdk, config)], (error, stdout, stderr) => {
    process.stderr.write(stdout + stderr);
    resolve(error);
  });
})))).some(Boolean);
if (failed) process.exit(1);
for (const [, type, dir] of builds) {
  // Each build says what its .js files are, whatever the package's own "type".
  fs.writeFileSync(path.join(sdk, 'dist', dir, 'package.json'), JSON.stringify({ type }) + '\n');
}

if (process.argv.includes('--pack')) {
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', sdk], { cwd: sdk, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [{ filename }] = JSON.parse(json);
  console.log(path.join(sdk, path.basename(filename)));
}
