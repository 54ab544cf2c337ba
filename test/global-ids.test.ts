import crypto from 'node:crypto';
import { decodeId, encodeId } from '../server/graphql/ids';

/** Global ids are base64url of the UTF-8 bytes of "<Type>:<uuid>" (graphql/ids.ts), whichever way they are computed. */
describe('global ids', () => {
  it('are base64url of "<Type>:<uuid>" for types of every length (with and without padding) and decode back', () => {
    const types = ['X', 'Staff', 'Campus', 'Posting', 'School', 'EducationGroup', 'GroupMembership', 'ResourceLibrary', 'Evaluation', 'ApiClient'];
    for (let i = 0; i < 2000; i++) {
      const type = types[i % types.length];
      const uuid = crypto.randomUUID();
      const id = encodeId(type, uuid);
      expect(id).toBe(Buffer.from(`${type}:${uuid}`, 'utf8').toString('base64url'));
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeId(id)).toEqual({ type, uuid });
    }
  });

  it('of any text are base64url of its UTF-8 bytes: "+" and "/" become "-" and "_", and beyond ASCII is not Latin-1', () => {
    for (const t of ['~~~', '???>', 'a~?~>', 'é', '学校', 'Ω:x', '\u00ff~~~?>']) {
      const id = encodeId(t, 'u~?');
      expect(id).toBe(Buffer.from(`${t}:u~?`, 'utf8').toString('base64url'));
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(encodeId('~~~', '')).toMatch(/[-_]/);
  });
});
