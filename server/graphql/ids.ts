/**
 * Global ids: opaque, stable strings `base64url("<Type>:<uuid>")`. The type prefix lets
 * `node(id)` route without a lookup table; uuids never change, so ids are stable forever.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeId(type: string, uuid: string): string {
  return Buffer.from(`${type}:${uuid}`, 'utf8').toString('base64url');
}

/** The type and row uuid of a global id, or null when it is not one of ours. */
export function decodeId(id: string): { type: string; uuid: string } | null {
  if (typeof id !== 'string' || id.length > 200) return null;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  if (sep < 1) return null;
  const type = text.slice(0, sep);
  const uuid = text.slice(sep + 1);
  return UUID.test(uuid) ? { type, uuid } : null;
}

/** The row uuid of an id of the expected type, or null (an unknown id reads as NOT_FOUND). */
export function uuidOf(id: string, type: string): string | null {
  const d = decodeId(id);
  return d && d.type === type ? d.uuid : null;
}
