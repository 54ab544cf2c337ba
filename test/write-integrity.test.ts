import { encodeId } from '../server/graphql/ids';
import { checkDigit } from '../server/staff/pii';
import { As, startHub, TestHub } from './support/hub';

/**
 * Writes that must hold under races and bad input (issue 7, findings 8-9): concurrent first
 * upserts of one natural key agree; an ID number's replacement is audited without revealing
 * it; evaluations are never submitted incomplete and drafts keep their scores.
 */
let hub: TestHub;
beforeAll(async () => (hub = await startHub({ writes: true })));
afterAll(() => hub.stop());

const spBureau: As = { sub: 't:sp', role: 'BUREAU_ADMIN', jurisdiction: '640502' };
const STAFF = `mutation($input: UpsertStaffInput!) { upsertStaff(input: $input) { id name } }`;
const CAMPUS = `mutation($input: UpsertCampusInput!) { upsertCampus(input: $input) { id } }`;
const count = async (q: string, p: unknown[] = []) => (await hub.ds.query(q, p))[0].n as number;
const id18 = (first17: string) => `${first17}${checkDigit(first17)}`;

let campusId: string;
let schoolId: string;
beforeAll(async () => {
  const [c] = await hub.ds.query(`SELECT c.id, c.school_id FROM campus c JOIN jurisdiction j ON j.id = c.jurisdiction_id WHERE j.code = '640502' ORDER BY c.id LIMIT 1`);
  campusId = encodeId('Campus', c.id);
  schoolId = c.school_id;
});

describe('concurrent first upserts of one natural key', () => {
  test('twelve identical upsertStaff calls at once: all succeed with one id, one row, one audit entry, one feed entry', async () => {
    const input = { externalId: 'RACE-1', homeCampusId: campusId, name: '并发测试', nationalId: id18('64050219900101123'), role: 'TEACHER', title: 'SECOND', subjects: ['数学'], backbone: false, fullTimeTeacher: true };
    const b = hub.as(spBureau);
    const results = await Promise.all(Array.from({ length: 12 }, () => b.gql(STAFF, { input })));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r: any) => r.data.upsertStaff.id)).size).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM staff WHERE school_id = $1 AND external_id = 'RACE-1'`, [schoolId])).toBe(1);
    const [{ id }] = await hub.ds.query(`SELECT id FROM staff WHERE school_id = $1 AND external_id = 'RACE-1'`, [schoolId]);
    expect(await count(`SELECT count(*)::int AS n FROM audit_entry WHERE entity_id = $1`, [id])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM change_event WHERE entity_id = $1`, [id])).toBe(1);
  });

  test('ten identical upsertCampus calls at once agree too', async () => {
    const [{ code }] = await hub.ds.query(`SELECT code FROM school WHERE id = $1`, [schoolId]);
    const input = { schoolCode: code, name: '并发分校', urbanRural: 'RURAL', stages: ['PRIMARY'], studentCount: 90 };
    const results = await Promise.all(Array.from({ length: 10 }, () => hub.as(spBureau).gql(CAMPUS, { input })));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r: any) => r.data.upsertCampus.id)).size).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM campus WHERE school_id = $1 AND name = '并发分校'`, [schoolId])).toBe(1);
  });
});

describe('ID numbers in the audit trail', () => {
  test('replacing an ID number with one of the same last four digits is audited as a change, never in clear', async () => {
    const first = id18('64050219850303001');
    // Same last four characters, different birth date: the mask alone could not tell them apart.
    const second = [...Array(100).keys()].map((n) => id18(`6405021986${String(n).padStart(2, '0')}03001`)).find((x) => x.slice(-4) === first.slice(-4))
      ?? id18('64050219860303001');
    expect(second.slice(-4)).toBe(first.slice(-4));
    const input = { externalId: 'PII-1', homeCampusId: campusId, name: '审计测试', nationalId: first, role: 'TEACHER', title: 'SECOND', subjects: [], backbone: false, fullTimeTeacher: true };
    const b = hub.as(spBureau);
    const s = (await b.data(STAFF, { input })).upsertStaff;
    await b.data(STAFF, { input: { ...input, nationalId: second } });
    const [{ id: uuid }] = await hub.ds.query(`SELECT id FROM staff WHERE school_id = $1 AND external_id = 'PII-1'`, [schoolId]);
    expect(encodeId('Staff', uuid)).toBe(s.id);
    const entries = await hub.ds.query(`SELECT diff FROM audit_entry WHERE entity_id = $1 ORDER BY at, id`, [uuid]);
    expect(entries).toHaveLength(2);
    const change = entries[1].diff;
    expect(change.before.national_id).toBeTruthy();
    expect(change.after.national_id).toBeTruthy();
    expect(change.before.national_id).not.toBe(change.after.national_id);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(first);
    expect(text).not.toContain(second);
    expect(text).not.toMatch(/\d{17}[\dX]/);
    // The same number again writes nothing.
    await b.data(STAFF, { input: { ...input, nationalId: second } });
    expect(await count(`SELECT count(*)::int AS n FROM audit_entry WHERE entity_id = $1`, [uuid])).toBe(2);
  });
});

describe('evaluations: never submitted incomplete, drafts keep their scores', () => {
  const RECORD = `mutation($input: RecordEvaluationInput!) { recordEvaluation(input: $input) { id status totalScore scores { indicatorKey score } } }`;
  let cycle: string;
  let group: string;
  let keys: Array<{ key: string; max_score: number }>;
  beforeAll(async () => {
    // A cycle of its own: two group indicators, so a draft can be partial.
    keys = [{ key: 'party_building', max_score: 20 }, { key: 'management', max_score: 80 }];
    const made = await hub.as(spBureau).data(`mutation($input: CreateEvaluationCycleInput!) { createEvaluationCycle(input: $input) { id } }`, {
      input: { jurisdictionCode: '640502', name: '测试考核', schoolYear: '2026-2027',
        indicators: keys.map((k) => ({ key: k.key, name: k.key, maxScore: k.max_score, targetType: 'GROUP' })) },
    });
    cycle = made.createEvaluationCycle.id;
    const [g] = await hub.ds.query(`SELECT g.id FROM education_group g JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.code = '640502' ORDER BY g.id LIMIT 1`);
    group = encodeId('EducationGroup', g.id);
  });

  test('scores: [] with submit: true is BAD_USER_INPUT and writes nothing; partial drafts merge; submitting needs every indicator', async () => {
    const b = hub.as(spBureau);
    const base = { cycleId: cycle, targetType: 'GROUP', targetId: group, evaluatorKind: 'BUREAU' };
    const audits = () => count(`SELECT count(*)::int AS n FROM audit_entry WHERE action = 'recordEvaluation'`);
    const before = await audits();
    const empty = await b.gql(RECORD, { input: { ...base, scores: [], submit: true } });
    expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scores' });
    expect(await audits()).toBe(before);

    const [k1, ...rest] = keys;
    const d1 = (await b.data(RECORD, { input: { ...base, scores: [{ indicatorKey: k1.key, score: k1.max_score / 2 }] } })).recordEvaluation;
    expect(d1.status).toBe('DRAFT');
    // An empty draft update keeps what the draft holds.
    const d2 = (await b.data(RECORD, { input: { ...base, scores: [] } })).recordEvaluation;
    expect(d2.scores).toEqual([{ indicatorKey: k1.key, score: k1.max_score / 2 }]);
    expect(await audits()).toBe(before + 1); // identical: nothing written
    const incomplete = await b.gql(RECORD, { input: { ...base, scores: [], submit: true } });
    expect(incomplete.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scores' });
    const done = (await b.data(RECORD, { input: { ...base, scores: rest.map((k) => ({ indicatorKey: k.key, score: k.max_score })), submit: true } })).recordEvaluation;
    expect(done.status).toBe('SUBMITTED');
    expect(done.totalScore).toBeCloseTo(k1.max_score / 2 + rest.reduce((n, k) => n + k.max_score, 0), 6);
    expect(done.scores).toHaveLength(keys.length);
  });
});
