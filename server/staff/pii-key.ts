import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The key that encrypts staff ID numbers at rest: PII_ENCRYPTION_KEY (32 bytes, base64 or
 * hex), else a key generated once and kept beside the embedded database's data
 * (.data/pii.key, git-ignored), so a zero-setup demo keeps reading its own data.
 */
export function piiKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  const configured = env.PII_ENCRYPTION_KEY;
  if (configured) {
    const key = /^[0-9a-f]{64}$/i.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64');
    if (key.length !== 32) throw new Error('PII_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64');
    return key;
  }
  const file = path.resolve(env.HUB_PII_KEY_FILE || path.join(__dirname, '..', '..', '.data', 'pii.key'));
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
}
