import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectPath } from './paths';

/** The project-local folder for generated development secrets (git-ignored). */
export const LOCAL_DATA_DIR = projectPath('.data');

/**
 * A secret from the environment, else one generated once and kept in a local file, so that a
 * zero-setup demo (npm start, npm run token) keeps working across restarts. Production sets
 * the environment variable.
 */
export function configuredOrLocalSecret(envValue: string | undefined, file: string, bytes = 32): { value: Buffer; generated: boolean } {
  if (envValue) return { value: decodeKey(envValue), generated: false };
  const full = path.resolve(file);
  if (!fs.existsSync(full)) {
    fs.mkdirSync(path.dirname(full), { recursive: true });
    try {
      fs.writeFileSync(full, crypto.randomBytes(bytes).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process made it first
    }
  }
  return { value: Buffer.from(fs.readFileSync(full, 'utf8').trim(), 'base64'), generated: true };
}

/** 64 hex digits, else base64 (a short passphrase-like secret is taken as UTF-8). */
export function decodeKey(text: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  const b = Buffer.from(text, 'base64');
  return b.length >= 32 && b.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '') ? b : Buffer.from(text, 'utf8');
}
