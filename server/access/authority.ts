import { sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { Role } from '../graphql/enums';
import { hubError } from '../graphql/errors';
import { within } from './rules';

/**
 * Who may write what (DOMAIN.md "Who may write what"), in one place: for every write action,
 * which role acting for which anchor may perform it on which target. Every mutation describes
 * its target (`Target`) and calls `authorize`; nothing else grants a write.
 *
 * Named strategies (in the spirit of Ed-Fi's authorization strategies):
 * - bureau(place): the BUREAU_ADMIN whose jurisdiction is exactly that place of the target (a
 *   bureau acts for its own jurisdiction exactly: its parent city may not act in its stead).
 * - bureauOverBoth(a, b): a BUREAU_ADMIN whose jurisdiction holds both places (relocations).
 * - groupAdmin: the GROUP_ADMIN of the target's group (acting as its council, 理事会).
 * - schoolAdmin(school): the SCHOOL_ADMIN of that school of the target.
 * - vendor(scope): a VENDOR key holding the write scope, for a target school located in the
 *   key's jurisdiction and, when the key lists schools, one of them.
 * - evaluator: an EVALUATOR assigned to the target's cycle.
 * - workbench(own | owner): saved analyses of the workbench, the one thing ANALYST callers write.
 * ANALYST callers never write domain data. An API client's scopes never exceed its creator's
 * (`grantableScopes`).
 */

/** Places a target may name: each a jurisdiction id. */
export type Place =
  | 'school'        // where the target's school lies (school.jurisdiction_id)
  | 'schoolSupervisor' // the bureau the target school answers to now (主管/隶属)
  | 'newSupervisor' // the bureau a write makes the school answer to
  | 'campus'        // where the target campus lies (its county: HOME_BUREAU of an application)
  | 'supervising'   // the bureau that approved and supervises the target's group: its lead school's supervisor
  | 'commonParent'  // the nearest bureau above the group's lead and an applying campus
  | 'newPlace'      // where a relocation moves a school or campus to
  | 'own';          // the jurisdiction the write is about (a policy, a cycle, an API client and its keys)

export interface Target {
  places?: Partial<Record<Place, string>>;
  group?: string;
  /** The school a school admin or vendor acts for (a campus's, a staff member's, a contributor's). */
  school?: string;
  /** The lead campus's school (lead-school evaluations of members, 龙头学校对"+校"考核). */
  leadSchool?: string;
  cycle?: string;
  /** Who saved a workbench record (a saved analysis): subject, role and jurisdiction id. */
  owner?: { subject: string; role: string; jurisdiction: string };
}

type WriteScope = 'campus:write' | 'staff:write' | 'resource:write';

type Grant =
  | { role: 'BUREAU_ADMIN'; of: Place }
  | { role: 'BUREAU_ADMIN'; over: [Place, Place] }
  | { role: 'GROUP_ADMIN' }
  | { role: 'SCHOOL_ADMIN'; of: 'school' | 'leadSchool' }
  | { role: 'VENDOR'; scope: WriteScope }
  | { role: 'EVALUATOR' }
  | { role: 'BUREAU_ADMIN' | 'ANALYST'; workbench: 'own' | 'owner' };

const bureau = (of: Place): Grant => ({ role: 'BUREAU_ADMIN', of });
const bureauOverBoth = (a: Place, b: Place): Grant => ({ role: 'BUREAU_ADMIN', over: [a, b] });
const groupAdmin: Grant = { role: 'GROUP_ADMIN' };
const schoolAdmin = (of: 'school' | 'leadSchool' = 'school'): Grant => ({ role: 'SCHOOL_ADMIN', of });
const vendor = (scope: WriteScope): Grant => ({ role: 'VENDOR', scope });
const evaluator: Grant = { role: 'EVALUATOR' };
/**
 * Workbench records (saved analyses, 分析方案): `own`, a caller of that role anchored at the
 * jurisdiction the record is kept with; `owner`, the very caller who saved it (same subject,
 * role and jurisdiction).
 */
const workbench = (role: 'BUREAU_ADMIN' | 'ANALYST', of: 'own' | 'owner'): Grant => ({ role, workbench: of });

/** The table: action → who may perform it. Read this to answer "who may do X to Y". */
export const WRITE_RULES = {
  // Schools and campuses: the school's own county bureau; relocation needs a bureau over both places.
  upsertSchool: [bureau('school')],
  relocateSchool: [bureauOverBoth('school', 'newPlace')],
  // Whom a school answers to (主管/隶属关系): a bureau whose jurisdiction holds the school's
  // current supervisor and the new one. Both lie on the line above the school (checked in
  // upsertSchool), so that bureau holds the school too: a county cannot hand its school to the
  // city, nor take a 市属 school from the city; the city (or above) can do either.
  setSchoolSupervisor: [bureauOverBoth('schoolSupervisor', 'newSupervisor')],
  upsertCampus: [schoolAdmin(), bureau('school'), vendor('campus:write')],
  relocateCampus: [bureauOverBoth('campus', 'newPlace')],
  upsertStaff: [schoolAdmin(), bureau('school'), vendor('staff:write')],
  // Groups: approved and supervised by the bureau the lead school answers to (its supervisor,
  // education_group.jurisdiction_id), exactly: no ancestor acts in its stead.
  createGroup: [bureau('supervising')],
  updateGroup: [bureau('supervising')],
  renameGroup: [bureau('supervising'), groupAdmin],
  fileCharter: [bureau('supervising'), groupAdmin],
  approveGroup: [bureau('supervising')],
  suspendGroup: [bureau('supervising')],
  dissolveGroup: [bureau('supervising')],
  // Memberships: the campus applies; the chain of authorities decides in order [000 §三(四)].
  applyForMembership: [schoolAdmin(), bureau('campus')],
  withdrawMembership: [schoolAdmin(), bureau('campus')],
  decideAsGroupCouncil: [groupAdmin],
  decideAsSupervisingBureau: [bureau('supervising')],
  decideAsHomeBureau: [bureau('campus')],
  decideAsCommonParentBureau: [bureau('commonParent')],
  exitMembership: [bureau('supervising'), groupAdmin, schoolAdmin()],
  // Postings are arranged by the group.
  createPosting: [groupAdmin, bureau('supervising')],
  changePosting: [groupAdmin, bureau('supervising')],
  // Policy, cycles and API clients: the bureau of that very jurisdiction.
  setGroupPolicy: [bureau('own')],
  createEvaluationCycle: [bureau('own')],
  closeEvaluationCycle: [bureau('own')],
  confirmEvaluation: [bureau('own')],
  createApiClient: [bureau('own')],
  revokeApiClient: [bureau('own')],
  // Keys of an API client (rotation): the bureau of the client's own jurisdiction, as for the client.
  issueApiKey: [bureau('own')],
  revokeApiKey: [bureau('own')],
  // Evaluations by evaluator kind.
  recordBureauEvaluation: [bureau('own')],
  recordLeadSchoolEvaluation: [groupAdmin, schoolAdmin('leadSchool')],
  recordThirdPartyEvaluation: [evaluator],
  // Ratifying grades (核定考核等次 [002 §六(五), §八(二)]): the cycle's bureau overrides and
  // publishes; a review case (整改) is decided by the group's supervising bureau [000 §四(二)].
  ratifyGroupGrade: [bureau('own')],
  publishCycleResults: [bureau('own')],
  decideReviewCase: [bureau('supervising')],
  // Resources: libraries by the group; resources contributed and used by campuses of the group.
  createLibrary: [groupAdmin, bureau('supervising')],
  createResource: [schoolAdmin(), groupAdmin, vendor('resource:write')],
  deleteResource: [groupAdmin, bureau('supervising'), schoolAdmin(), vendor('resource:write')],
  recordResourceUse: [schoolAdmin(), groupAdmin, vendor('resource:write')],
  // Saved analyses of the analysts' workbench (分析方案, server/workbench/saved.ts). ANALYST callers
  // never write domain data; a saved analysis is not domain data but a record of their own work
  // (a named query and its parameter values), kept with their bureau and never on the change feed,
  // so analysts (and bureau admins) may keep them. Saving a new one: for the caller's own
  // jurisdiction; changing, sharing or deleting one: its owner only.
  saveAnalysis: [workbench('ANALYST', 'own'), workbench('BUREAU_ADMIN', 'own')],
  editAnalysis: [workbench('ANALYST', 'owner'), workbench('BUREAU_ADMIN', 'owner')],
} satisfies Record<string, Grant[]>;

export type WriteAction = keyof typeof WRITE_RULES;

/** Does this caller hold this grant over the target? */
async function holds(ctx: Context, g: Grant, t: Target): Promise<boolean> {
  const c = ctx.scope.caller;
  if (c.role !== g.role) return false;
  if ('workbench' in g) {
    if (!c.jurisdictionId) return false;
    if (g.workbench === 'own') return t.places?.own === c.jurisdictionId;
    return !!t.owner && t.owner.subject === c.subject && t.owner.role === c.role && t.owner.jurisdiction === c.jurisdictionId;
  }
  switch (g.role) {
    case 'BUREAU_ADMIN': {
      if ('of' in g) return !!t.places?.[g.of] && t.places[g.of] === c.jurisdictionId;
      const [a, b] = g.over.map((p) => t.places?.[p]);
      if (!a || !b) return false;
      return Boolean(await ctx.db.one(sql`SELECT 1 WHERE ${within(sql`${a}::uuid`, c.jurisdictionId)} AND ${within(sql`${b}::uuid`, c.jurisdictionId)}`));
    }
    case 'GROUP_ADMIN':
      return !!t.group && t.group === c.groupId;
    case 'SCHOOL_ADMIN':
      return !!t[g.of] && t[g.of] === c.schoolId;
    case 'EVALUATOR':
      return !!t.cycle && c.cycleIds.includes(t.cycle);
    case 'VENDOR': {
      if (!c.scopes.includes(g.scope) || !t.school) return false;
      if (c.schoolIds.length > 0 && !c.schoolIds.includes(t.school)) return false;
      // Located in the key's area: the school's registered jurisdiction lies within the key's.
      return Boolean(await ctx.db.one(sql`SELECT 1 FROM school s WHERE s.id = ${t.school}::uuid AND ${within(sql`s.jurisdiction_id`, c.jurisdictionId)}`));
    }
  }
}

/** Says who may perform the action, naming the jurisdictions involved. */
async function whoMay(ctx: Context, action: WriteAction, t: Target): Promise<string> {
  const ids = Object.values(t.places ?? {}).filter(Boolean);
  const names = new Map<string, string>(
    ids.length
      ? (await ctx.db.query(sql`SELECT id, code, name FROM jurisdiction WHERE id = ANY(${ids}::uuid[])`)).map((j) => [j.id, `${j.name} (${j.code})`])
      : [],
  );
  const place = (p: Place) => names.get(t.places?.[p] ?? '') ?? p;
  const said = (WRITE_RULES[action] as Grant[]).map((g) => {
    if ('workbench' in g) {
      return g.workbench === 'own' ? `a${g.role === 'ANALYST' ? 'n' : ''} ${g.role} of ${t.places?.own ? place('own') : 'a jurisdiction (kept with its bureau)'}` : `its owner (the ${g.role} who saved it)`;
    }
    switch (g.role) {
      case 'BUREAU_ADMIN':
        return 'of' in g ? `the BUREAU_ADMIN of ${place(g.of)}` : `a BUREAU_ADMIN whose jurisdiction holds both ${place(g.over[0])} and ${place(g.over[1])}`;
      case 'GROUP_ADMIN':
        return "the group's GROUP_ADMIN (its council, 理事会)";
      case 'SCHOOL_ADMIN':
        return g.of === 'leadSchool' ? "the lead school's SCHOOL_ADMIN" : "the school's SCHOOL_ADMIN";
      case 'VENDOR':
        return `a VENDOR key with ${g.scope} for this school (located in the key's jurisdiction and, if it lists schools, listed)`;
      case 'EVALUATOR':
        return 'an EVALUATOR assigned to this cycle';
    }
  });
  return said.join(', or ');
}

/** Throws FORBIDDEN, naming who may, unless the caller holds one of the action's grants over the target. */
export async function authorize(ctx: Context, action: WriteAction, target: Target): Promise<void> {
  const grants = WRITE_RULES[action] as Grant[];
  // Analysts are refused up front, except for the workbench actions granted to them.
  if (!grants.some((g) => g.role === 'ANALYST')) requireWriter(ctx);
  for (const g of grants) if (await holds(ctx, g, target)) return;
  throw hubError('FORBIDDEN', `${action} needs ${await whoMay(ctx, action, target)}`);
}

/** Refuses ANALYST callers before any input is looked at. */
export function requireWriter(ctx: Context) {
  if (ctx.scope.caller.role === 'ANALYST') throw hubError('FORBIDDEN', 'ANALYST callers never write');
}

/** Scopes a key may be given: reads the creator's role implies, writes it holds, and only the scopes it was itself granted beyond that. */
const READS_OF_AREA_ROLES = ['campus:read', 'group:read', 'staff:read', 'posting:read', 'resource:read', 'evaluation:read'];
const WRITES_OF_BUREAUS = ['campus:write', 'staff:write', 'resource:write'];

/**
 * The scopes a creator may put on an API client: never more than its own. A bureau admin
 * reads every kind and writes campuses, staff and resources in its jurisdiction by role;
 * anything else (pii:read above all) only when its own token carries that scope.
 */
export function grantableScopes(role: Role, own: string[]): Set<string> {
  const byRole = role === 'BUREAU_ADMIN' ? [...READS_OF_AREA_ROLES, ...WRITES_OF_BUREAUS] : [];
  return new Set([...byRole, ...own]);
}
