import { DataSource } from 'typeorm';
import { decryptPii, encryptPii } from './pii';

/**
 * Whether the configured PII_ENCRYPTION_KEY is the key this database's staff ID numbers were
 * encrypted with. A wrong key used to surface only as every `nationalId` read failing while
 * /health said ok. The database keeps a key check (a fixed text encrypted with the key, in
 * hub_meta); the first start with a key writes it, after making sure the key opens the ID
 * numbers already stored (a database from before the check). The result feeds /ready.
 */
const CHECK = 'pii.key-check';
const PLAINTEXT = 'edu-group-hub PII key check v1';

export type PiiKeyStatus = { ok: true; recorded: boolean } | { ok: false; reason: string };

function opens(blob: Buffer, key: Buffer, expected?: string): boolean {
  try {
    const text = decryptPii(blob, key);
    return expected === undefined || text === expected;
  } catch {
    return false;
  }
}

export async function checkPiiKey(ds: DataSource, key: Buffer): Promise<PiiKeyStatus> {
  const stored = async () => ((await ds.query(`SELECT value FROM hub_meta WHERE key = $1`, [CHECK])) as Array<{ value: string }>)[0]?.value;
  let value = await stored();
  let recorded = false;
  if (value === undefined) {
    const [sample] = (await ds.query(`SELECT national_id_cipher FROM staff WHERE national_id_cipher IS NOT NULL ORDER BY id LIMIT 1`)) as Array<{ national_id_cipher: Buffer }>;
    if (sample && !opens(sample.national_id_cipher, key)) {
      return { ok: false, reason: 'PII_ENCRYPTION_KEY does not decrypt the staff ID numbers stored in this database: it is not the key they were encrypted with' };
    }
    // Two replicas starting together: the first check written is the one both verify.
    await ds.query(`INSERT INTO hub_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [CHECK, encryptPii(PLAINTEXT, key).toString('base64')]);
    value = await stored();
    recorded = true;
  }
  if (value === undefined || !opens(Buffer.from(value, 'base64'), key, PLAINTEXT)) {
    return { ok: false, reason: 'PII_ENCRYPTION_KEY is not the key this database\'s staff ID numbers are encrypted with (the key check stored in hub_meta does not decrypt with it)' };
  }
  return { ok: true, recorded };
}
