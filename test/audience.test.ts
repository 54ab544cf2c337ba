import { callerKeys, entityKeys } from '../server/access/audience';
import { Caller } from '../server/access/caller';
import { EntityKind, Scope } from '../server/access/scope';
import { Db } from '../server/db/datasource';
import { sql, raw } from '../server/db/sql';
import { startHub, TestHub } from './support/hub';
import { JurisdictionDirectory } from '../server/jurisdictions/directory';

/**
 * The feed's keys (server/access/audience.ts) restate the scope of record (rules.ts): for every
 * entity of the demo and callers of every role, a caller's keys overlap an entity's exactly
 * when `Scope.visible` holds. A rule changed in one place and not the other fails here.
 */
let hub: TestHub;
let db: Db;
beforeAll(async () => {
  hub = await startHub();
  db = new Db(hub.ds);
});
afterAll(() => hub.stop());

const TABLES: Array<[EntityKind, string]> = [
  ['School', 'school'], ['Campus', 'campus'], ['EducationGroup', 'education_group'], ['GroupMembership', 'group_membership'],
  ['Staff', 'staff'], ['Posting', 'posting'], ['ResourceLibrary', 'resource_library'], ['Resource', 'resource'],
  ['EvaluationCycle', 'evaluation_cycle'], ['Evaluation', 'evaluation'], ['ApiClient', 'api_client'], ['Jurisdiction', 'jurisdiction'],
];

const base: Omit<Caller, 'role'> = {
  subject: 't', jurisdictionId: null, jurisdictionCode: null, groupId: null, schoolId: null, schoolIds: [], cycleIds: [], scopes: [], apiClientId: null,
};

async function callers(): Promise<Array<[string, Caller]>> {
  const one = async (q: string) => (await hub.ds.query(q))[0].id as string;
  const j = (code: string) => one(`SELECT id FROM jurisdiction WHERE code = '${code}'`);
  const out: Array<[string, Caller]> = [];
  for (const code of ['000000', '640000', '640502', '640521', '620702', '411373', '530100', '530129', '530102']) {
    out.push([`BUREAU_ADMIN ${code}`, { ...base, role: 'BUREAU_ADMIN', jurisdictionId: await j(code) }]);
  }
  const schools = (await hub.ds.query(`SELECT s.id FROM school s JOIN jurisdiction j ON j.id = s.jurisdiction_id WHERE j.code IN ('640502', '530129') ORDER BY s.code LIMIT 3`)).map((r: any) => r.id);
  out.push(['VENDOR 640502 narrowed', { ...base, role: 'VENDOR', jurisdictionId: await j('640502'), schoolIds: schools.slice(0, 2), scopes: ['campus:read', 'group:read', 'staff:read', 'posting:read', 'resource:read', 'evaluation:read'] }]);
  out.push(['VENDOR 530100 narrowed', { ...base, role: 'VENDOR', jurisdictionId: await j('530100'), schoolIds: schools.slice(2), scopes: ['campus:read', 'group:read', 'staff:read', 'posting:read', 'resource:read', 'evaluation:read'] }]);
  for (const name of ['中卫市第四中学教育集团', '昆明市明远实验小学教育集团', '甘州区北街小学教育集团']) {
    out.push([`GROUP_ADMIN ${name}`, { ...base, role: 'GROUP_ADMIN', groupId: await one(`SELECT id FROM education_group WHERE name = '${name}'`) }]);
  }
  for (const q of [`SELECT c.school_id AS id FROM education_group g JOIN campus c ON c.id = g.lead_campus_id WHERE g.name = '昆明市明远实验小学教育集团'`,
    `SELECT s.id FROM school s JOIN jurisdiction j ON j.id = s.jurisdiction_id WHERE j.code = '530129' ORDER BY s.code LIMIT 1`,
    `SELECT id FROM school WHERE name = '中卫市第四中学'`]) {
    out.push([`SCHOOL_ADMIN ${q.slice(-40)}`, { ...base, role: 'SCHOOL_ADMIN', schoolId: await one(q) }]);
  }
  const cycles = (await hub.ds.query(`SELECT id FROM evaluation_cycle ORDER BY id`)).map((r: any) => r.id);
  out.push(['EVALUATOR two cycles', { ...base, role: 'EVALUATOR', cycleIds: cycles.slice(0, 2) }]);
  out.push(['EVALUATOR 昆明 cycle', { ...base, role: 'EVALUATOR', cycleIds: cycles.slice(-1) }]);
  return out;
}

test('for every caller and kind, keys overlap exactly where the scope of record holds', async () => {
  const mismatches: string[] = [];
  let compared = 0;
  for (const [label, caller] of await callers()) {
    const scope = Scope.forCaller(caller, await JurisdictionDirectory.of(hub.ds));
    const mine = callerKeys(caller);
    for (const [kind, table] of TABLES) {
      // Readability of whole kinds is Scope.canRead's, not the keys'.
      if (!scope.canRead(kind)) continue;
      const rows = await db.query(sql`SELECT t.id::text AS id, coalesce(${scope.visible(kind, 't')}, FALSE) AS visible, (${entityKeys(kind, 't')} && ${mine}) AS keyed
        FROM ${raw(table)} t`);
      compared += rows.length;
      for (const r of rows) if (r.visible !== r.keyed) mismatches.push(`${label} ${kind} ${r.id}: visible ${r.visible}, keys ${r.keyed}`);
    }
  }
  expect(compared).toBeGreaterThan(50_000);
  expect(mismatches.slice(0, 20)).toEqual([]);
});
