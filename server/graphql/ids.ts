/**
 * Global ids: opaque, stable strings `base64url("<Type>:<uuid>")`. The type prefix lets
 * `node(id)` route without a lookup table; uuids never change, so ids are stable forever.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeId(type: string, uuid: string): string {
  const text = `${type}:${uuid}`;
  // ASCII (every type name and uuid): btoa, a third of Buffer's time for one id (a page of
  // 4,000 rows encodes 4,000 ids), made base64url. Anything else: as UTF-8 bytes, the definition.
  if (NOT_ASCII.test(text)) return Buffer.from(text, 'utf8').toString('base64url');
  const b64 = btoa(text);
  let end = b64.length;
  while (end > 0 && b64.charCodeAt(end - 1) === 61 /* = */) end--;
  const unpadded = end === b64.length ? b64 : b64.slice(0, end);
  return unpadded.indexOf('+') < 0 && unpadded.indexOf('/') < 0 ? unpadded : unpadded.replace(/[+/]/g, (c) => (c === '+' ? '-' : '_'));
}
const NOT_ASCII = /[^\x00-\x7f]/;

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
