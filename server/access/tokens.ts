import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { newId } from '../db/ids';
import { encodeId } from '../graphql/ids';
import { hashApiKey } from './authenticate';

export interface TokenClaims {
  sub: string;
  role: string;
  jurisdiction?: string;
  group?: string;
  school?: string;
  cycles?: string[];
  scopes?: string[];
}

/** A signed HS256 token (development and tests; production tokens come from the identity provider). */
export async function signToken(secret: Buffer, claims: TokenClaims, ttlSeconds = 8 * 3600): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(secret);
}

/**
 * Ready credentials for the demo's callers, printed by `npm start` when it signs with the
 * generated development secret and offered by the workbench's sign-in picker
 * (http/workbench-page.ts): a province bureau, county bureaus, a group admin, a school admin,
 * analysts (a city and the counties whose groups the demo shows: 沙坡头区, 甘州区, and 昆明市 with
 * its cross-county group) and a vendor API key (derived from the secret, so it is stable across
 * restarts; only its hash is stored). Labels Chinese first: the picker shows them as they are.
 */
export async function demoCredentials(ds: DataSource, secret: Buffer): Promise<Array<{ who: string; header: string }>> {
  const [group] = await ds.query(`SELECT id FROM education_group WHERE name = '中卫市第四中学教育集团'`);
  const [school] = await ds.query(`SELECT s.code FROM school s WHERE s.name = '中卫市第四中学'`);
  const [county] = await ds.query(`SELECT id FROM jurisdiction WHERE code = '640502'`);
  if (!group || !school || !county) return [];
  const bearer = async (claims: TokenClaims) => `Authorization: Bearer ${await signToken(secret, claims, 30 * 24 * 3600)}`;
  const vendorKey = `hub_${crypto.createHmac('sha256', secret).update('demo-vendor-api-key').digest('base64url')}`;
  await ds.query(
    `INSERT INTO api_client (id, name, role, jurisdiction_id, school_ids, scopes, key_hash, created_by)
     VALUES ($1, 'demo: 沙坡头区 MIS vendor', 'VENDOR', $2, '{}', '{campus:read,staff:read,posting:read,resource:read,group:read}', $3, 'demo')
     ON CONFLICT (key_hash) DO NOTHING`,
    [newId(), county.id, hashApiKey(vendorKey)],
  );
  return [
    { who: '分析员 · 沙坡头区 640502 (analyst)', header: await bearer({ sub: 'demo:analyst-640502', role: 'ANALYST', jurisdiction: '640502' }) },
    { who: '分析员 · 甘州区 620702 (analyst)', header: await bearer({ sub: 'demo:analyst-620702', role: 'ANALYST', jurisdiction: '620702' }) },
    { who: '分析员 · 昆明市 530100 (analyst)', header: await bearer({ sub: 'demo:analyst-530100', role: 'ANALYST', jurisdiction: '530100' }) },
    { who: '分析员 · 中卫市 640500 (analyst)', header: await bearer({ sub: 'demo:analyst', role: 'ANALYST', jurisdiction: '640500' }) },
    { who: '县级教育局 · 沙坡头区 640502 (county bureau)', header: await bearer({ sub: 'demo:county-bureau', role: 'BUREAU_ADMIN', jurisdiction: '640502' }) },
    { who: '省级教育厅 · 宁夏 640000 (province bureau)', header: await bearer({ sub: 'demo:province-bureau', role: 'BUREAU_ADMIN', jurisdiction: '640000' }) },
    { who: '集团管理员 · 中卫市第四中学教育集团 (group admin)', header: await bearer({ sub: 'demo:group-admin', role: 'GROUP_ADMIN', group: encodeId('EducationGroup', group.id) }) },
    { who: `学校管理员 · 中卫市第四中学 ${school.code} (school admin)`, header: await bearer({ sub: 'demo:school-admin', role: 'SCHOOL_ADMIN', school: school.code }) },
    { who: '厂商密钥 · 沙坡头区 (vendor API key: campus/staff/posting/resource/group:read)', header: `X-Api-Key: ${vendorKey}` },
  ];
}
