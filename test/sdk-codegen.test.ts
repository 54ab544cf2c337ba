import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.join(__dirname, '..');
const GENERATED = ['src/generated/types.ts', 'src/generated/operations.ts', 'persisted-documents.json'];

test('the SDK\'s generated code and persisted-documents manifest are what codegen.ts makes of the schema and sdk/operations (run `npm run codegen`)', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-sdk-codegen-'));
  try {
    await promisify(execFile)(process.execPath, [path.join(root, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js'), '--config', 'codegen.ts', '--silent'], {
      cwd: root,
      env: { ...process.env, SDK_CODEGEN_OUT: out },
    });
    for (const f of GENERATED) {
      expect({ file: f, text: fs.readFileSync(path.join(root, 'sdk', f), 'utf8') }).toEqual({ file: f, text: fs.readFileSync(path.join(out, f), 'utf8') });
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
