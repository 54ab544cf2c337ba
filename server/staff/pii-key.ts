import path from 'node:path';
import { configuredOrLocalSecret, LOCAL_DATA_DIR } from '../secrets';

/**
 * The key that encrypts staff ID numbers at rest: PII_ENCRYPTION_KEY (32 bytes, base64 or
 * hex), else a key generated once and kept in .data/pii.key (git-ignored), so a zero-setup
 * demo keeps reading its own data.
 */
export function piiKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  const { value } = configuredOrLocalSecret(env.PII_ENCRYPTION_KEY, env.HUB_PII_KEY_FILE || path.join(LOCAL_DATA_DIR, 'pii.key'));
  if (value.length !== 32) throw new Error('PII_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64');
  return value;
}

let cached: Buffer | undefined;

/** The process's key, read once. */
export function processPiiKey(): Buffer {
  return (cached ??= piiKey());
}
