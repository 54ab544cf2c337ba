import path from 'node:path';
import { hubError } from '../graphql/errors';
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
/** Why the process's key must not be used (staff/pii-key-check.ts failed at start), else null. */
let refusal: string | null = null;

/**
 * The process's key, read once. When the start-up key check found it is not the database's key,
 * every use is refused (503 SERVICE_UNAVAILABLE): reads would fail, and ID numbers written with
 * it could never be read with the right key.
 */
export function processPiiKey(): Buffer {
  if (refusal) throw hubError('SERVICE_UNAVAILABLE', `ID numbers cannot be read or written now: ${refusal}`, { retryable: true });
  return (cached ??= piiKey());
}

/** The key the process holds, for the start-up check itself (never refused). */
export function configuredPiiKey(): Buffer {
  return (cached ??= piiKey());
}

/** Set by the start-up key check (main.ts): null when the key is the database's. */
export function refusePiiKey(reason: string | null): void {
  refusal = reason;
}
