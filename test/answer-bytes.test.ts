import { jsonPieces } from '../server/http/answer-bytes';

/**
 * The lean path sends answers as jsonPieces (http/answer-bytes.ts): a serialisation by pieces
 * that must give exactly JSON.stringify's bytes. Over HTTP, test/graphql-post.test.ts compares
 * a large answer byte for byte with the Express path's (Apollo's own string); here the corners
 * a GraphQL answer seldom reaches are compared with JSON.stringify directly.
 */
const same = (v: unknown, suffix = '', piece?: number) =>
  expect(Buffer.concat(jsonPieces(v, suffix, piece)).equals(Buffer.from(`${JSON.stringify(v)}${suffix}`, 'utf8'))).toBe(true);

/** A seeded generator (mulberry32): the same values on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = ['', '教育集团', '华亭市永安镇袁沟小学西校区', 'a"b\\c\n\t\u0001', '😀 emoji', '\ud800 lone', '\udc00', 'plain ascii', '\u2028\u2029', '</script>'];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 4 ? 6 : 9));
  switch (k) {
    case 0: return null;
    case 1: return TEXTS[Math.floor(r() * TEXTS.length)].repeat(1 + Math.floor(r() * 3));
    case 2: return [0, -0, 1.5, -7, 1e21, 2 ** 53, NaN, Infinity][Math.floor(r() * 8)];
    case 3: return r() < 0.5;
    case 4: return [undefined, () => 1, Symbol('s')][Math.floor(r() * 3)];
    case 5: return new Date(Date.UTC(2026, 11, 1, 8, Math.floor(r() * 60)));
    case 6:
    case 7: return Array.from({ length: Math.floor(r() * 12) }, () => value(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const key of ['id', 'name', '2', '10', 'edges', '名称', 'node', '__typename'].filter(() => r() < 0.6)) o[key] = value(r, depth + 1);
      return o;
    }
  }
}

describe('jsonPieces: the bytes of JSON.stringify, serialised by pieces', () => {
  it('for 1,000 random values: Chinese text, escapes, surrogates, dates, numbers, undefined and functions in lists and objects', () => {
    const r = random(20261201);
    for (let i = 0; i < 1000; i++) {
      const v = { data: value(r, 0) };
      // Small answers are one JSON.stringify; with pieces of 8 to 64 characters each value also goes by runs and parts.
      same(v, i % 2 ? '\n' : '');
      same(v, i % 2 ? '\n' : '', 8 << (i % 4));
    }
  });

  it('in one piece for a small answer, in several for a large one', () => {
    const page = (n: number) => ({ data: { staff: { edges: Array.from({ length: n }, (_, i) => ({ node: { id: `U3RhZmY6${i}`, name: `教师${i}号` } })) } } });
    expect(jsonPieces(page(10), '\n')).toHaveLength(1);
    expect(jsonPieces(page(5000), '\n').length).toBeGreaterThan(5);
  });

  it('for an answer far larger than a piece, with items larger than a piece (they are written by their parts)', () => {
    const staff = (n: number) => Array.from({ length: n }, (_, i) => ({ node: { id: `U3RhZmY6${i}`, name: `教师${i}号`, title: i % 3 ? 'FIRST' : null } }));
    const group = (n: number, staffEach: number) => ({ node: { name: '庆城县第1幼儿园西校区教育共同体', memberships: { edges: Array.from({ length: n }, () => ({ node: { campus: { staff: { edges: staff(staffEach) } } } })) } } });
    const answer = { data: { groups: { edges: [group(3, 5), group(40, 400), group(1, 0)] } } };
    expect(JSON.stringify(answer.data.groups.edges[1]).length).toBeGreaterThan(16 * 1024 * 10);
    same(answer, '\n');
    same({ errors: [{ message: '无权访问', path: ['groups', 0], extensions: { code: 'FORBIDDEN' } }], data: answer.data });
  });

  it('for top-level scalars, empty containers and objects that serialise themselves', () => {
    for (const v of [null, 0, 'x', true, [], {}, [[]], { a: {} }, { toJSON: () => ({ b: [1, '二'] }) }, [{ toJSON: () => undefined }], new Date(0)]) {
      same(v);
      same(v, '', 1);
    }
  });
});
