import crypto from 'node:crypto';

/**
 * Staff ID numbers (身份证号, GB 11643): validation, masking, and encryption at rest
 * (AES-256-GCM with a 32-byte key; the stored value is iv ‖ tag ‖ ciphertext).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function checkDigit(first17: string): string {
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * WEIGHTS[i], 0);
  return CHECK[sum % 11];
}

export function isValidNationalId(id: string): boolean {
  return /^\d{17}[\dX]$/.test(id) && checkDigit(id.slice(0, 17)) === id[17];
}

/** All but the last four characters hidden (DOMAIN.md: a masked form shows at most its last four). */
export function maskNationalId(id: string): string {
  return `${'*'.repeat(Math.max(id.length - 4, 0))}${id.slice(-4)}`;
}

export function encryptPii(plain: string, key: Buffer): Buffer {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function decryptPii(blob: Buffer, key: Buffer): string {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  decipher.setAuthTag(blob.subarray(12, 28));
  return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
}
