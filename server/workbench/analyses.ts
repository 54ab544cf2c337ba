/**
 * The analyses shipped with the hub (分析方案), offered by the workbench at `/` and as examples
 * in GraphiQL: each a named GraphQL document against schema/schema.graphql, its parameters,
 * the list to tabulate, its columns and, where a figure is compared across places or groups,
 * a chart. test/workbench-api.test.ts runs every one as an ANALYST of a demo bureau.
 *
 * Paths (`rows`, column `path`, chart paths) are dot paths read by `rowsAt` / `valueAt` below,
 * which the page's script follows too:
 * - `rows` goes from `data` to the list to tabulate; a connection on the way (an object with
 *   `edges`) stands for its nodes, and a list on the way is flattened (so `groups.memberships`
 *   is every membership of every group);
 * - a column path goes from a row; a list on the way gives the list of values at the rest of
 *   the path (one cell, values joined), and a number picks an element of a list
 *   (`stats.evaluationGrades.0.count`: the grade counts always come in the order EXCELLENT,
 *   GOOD, FAIR, FAIL).
 * Formats: percent (a share 0..1 shown as %), integer, yuan, enum:<EnumName> (glossary.ts: the
 * schema's enums, plus `Boolean` for true/false and `PolicyViolationRule` for PolicyViolation.rule),
 * date, text.
 */
export interface Text {
  zh: string;
  en: string;
}

export interface AnalysisParameter {
  name: 'jurisdiction' | 'schoolYear';
  label: Text;
  /** Absent for `jurisdiction`: the caller's own (the page fills it in). */
  default?: string;
}

export type ColumnFormat = 'percent' | 'integer' | 'yuan' | 'date' | 'text' | `enum:${string}`;

export interface AnalysisColumn {
  path: string;
  label?: Text;
  format?: ColumnFormat;
}

export interface Analysis {
  id: string;
  title: Text;
  description: Text;
  document: string;
  parameters: AnalysisParameter[];
  rows: string;
  columns: AnalysisColumn[];
  chart?: { type: 'bar' | 'line'; category: string; values: string[] };
}

/** The school year the catalog opens on: the last complete one of the demo (1 Sep - 31 Aug). */
export const DEFAULT_SCHOOL_YEAR = '2025-2026';

const jurisdiction: AnalysisParameter = { name: 'jurisdiction', label: { zh: '辖区（行政区划代码）', en: 'Jurisdiction (division code)' } };
const schoolYear: AnalysisParameter = { name: 'schoolYear', label: { zh: '学年', en: 'School year' }, default: DEFAULT_SCHOOL_YEAR };
const L = (zh: string, en: string): Text => ({ zh, en });

export const ANALYSES: Analysis[] = [
  {
    id: 'coverage-by-county',
    title: L('各县区集团化办学覆盖率', 'Coverage by county against target'),
    description: L(
      '您辖区内每个县（区）在所选学年的集团化办学覆盖率（已覆盖学校数 ÷ 应覆盖学校数），与政策设定的覆盖率目标对照。',
      'For each county in your area: the share of schools whose campuses are all in a group in the school year, against the coverage target of the policy in force.',
    ),
    document: `query CoverageByCounty($schoolYear: String) {
  jurisdictions(level: COUNTY, first: 200) {
    totalCount
    edges {
      node {
        code
        name
        policy { coverageTarget coverageDeadline }
        stats(schoolYear: $schoolYear) {
          schoolYear
          coverageRate
          coverageTarget
          coverageSchoolCount
          coveredSchoolCount
          groupCount
          groupedCampusCount
          campusCount
        }
      }
    }
  }
}`,
    parameters: [schoolYear],
    rows: 'jurisdictions',
    columns: [
      { path: 'code', format: 'text' },
      { path: 'name', label: L('县（区）', 'County'), format: 'text' },
      { path: 'stats.coverageRate', format: 'percent' },
      { path: 'stats.coverageTarget', format: 'percent' },
      { path: 'stats.coveredSchoolCount', format: 'integer' },
      { path: 'stats.coverageSchoolCount', format: 'integer' },
      { path: 'stats.groupCount', format: 'integer' },
      { path: 'stats.groupedCampusCount', format: 'integer' },
      { path: 'stats.campusCount', format: 'integer' },
    ],
    chart: { type: 'bar', category: 'name', values: ['stats.coverageRate', 'stats.coverageTarget'] },
  },
  {
    id: 'rotation-by-group',
    title: L('各集团教师交流轮岗情况', 'Teacher rotation per group'),
    description: L(
      '辖区内各集团在所选学年的教师交流轮岗比例（交流专任教师 ÷ 专任教师）和骨干教师占交流人数比例，对照每年不低于 5%、骨干教师不低于 20% 的要求（以所在辖区政策为准）。',
      'Per group: the share of full-time teachers posted in the school year and the backbone share of those posted, against the 5 % yearly and 20 % backbone rules (as the policy in force sets them).',
    ),
    document: `query RotationByGroup($jurisdiction: String!, $schoolYear: String) {
  jurisdiction(code: $jurisdiction) {
    name
    policy { minAnnualRotationRate minBackboneShareOfPosted rotationPostingTypes }
    groups(first: 200, filter: { statuses: [ACTIVE, SUSPENDED] }) {
      totalCount
      edges {
        node {
          name
          mode
          stats(schoolYear: $schoolYear) {
            fullTimeTeacherCount
            postingCount
            teacherRotationRate
            backboneShareOfPosted
            meetsRotationTarget
          }
        }
      }
    }
  }
}`,
    parameters: [jurisdiction, schoolYear],
    rows: 'jurisdiction.groups',
    columns: [
      { path: 'name', label: L('集团', 'Group'), format: 'text' },
      { path: 'mode', format: 'enum:GroupMode' },
      { path: 'stats.fullTimeTeacherCount', format: 'integer' },
      { path: 'stats.postingCount', format: 'integer' },
      { path: 'stats.teacherRotationRate', format: 'percent' },
      { path: 'stats.backboneShareOfPosted', format: 'percent' },
      { path: 'stats.meetsRotationTarget', format: 'enum:Boolean' },
    ],
    chart: { type: 'bar', category: 'name', values: ['stats.teacherRotationRate', 'stats.backboneShareOfPosted'] },
  },
  {
    id: 'evaluation-grades-by-county',
    title: L('各县区集团考核等次', 'Evaluation grades by county'),
    description: L(
      '辖区内每个县（区）所主管集团在所选学年的考核等次（捆绑考核）分布：已核定公布的用公布等次，未公布的用计算等次。',
      "For each county in your area: the grades of the groups it supervises in the school year (bundled evaluation): the published grade once published, else the computed one.",
    ),
    document: `query EvaluationGradesByCounty($schoolYear: String) {
  jurisdictions(level: COUNTY, first: 200) {
    totalCount
    edges {
      node {
        code
        name
        stats(schoolYear: $schoolYear) {
          schoolYear
          groupCount
          evaluationGrades { grade count }
          publishedEvaluationGrades { grade count }
        }
      }
    }
  }
}`,
    parameters: [schoolYear],
    rows: 'jurisdictions',
    columns: [
      { path: 'code', format: 'text' },
      { path: 'name', label: L('县（区）', 'County'), format: 'text' },
      { path: 'stats.groupCount', format: 'integer' },
      { path: 'stats.evaluationGrades.0.count', label: L('优秀', 'Excellent'), format: 'integer' },
      { path: 'stats.evaluationGrades.1.count', label: L('良好', 'Good'), format: 'integer' },
      { path: 'stats.evaluationGrades.2.count', label: L('一般', 'Fair'), format: 'integer' },
      { path: 'stats.evaluationGrades.3.count', label: L('不合格', 'Fail'), format: 'integer' },
    ],
    chart: {
      type: 'bar',
      category: 'name',
      values: ['stats.evaluationGrades.0.count', 'stats.evaluationGrades.1.count', 'stats.evaluationGrades.2.count', 'stats.evaluationGrades.3.count'],
    },
  },
  {
    id: 'cross-county-approvals',
    title: L('跨县域集团及其审批链', 'Cross-county groups and their approval chains'),
    description: L(
      '成员校分布在多个县（区）的集团：每个成员校（含申请中的）所在县区、状态、已作出的审批和仍待审批的机关（集团理事会 → 主管教育局 → 属地教育局 → 共同上级教育局）。',
      'Groups whose members lie in more than one county: each membership (applications included) with its county, status, the approvals given and the authorities still to decide.',
    ),
    document: `query CrossCountyApprovals {
  groups(first: 100, filter: { crossJurisdiction: true }) {
    totalCount
    edges {
      node {
        name
        memberships(first: 200) {
          edges {
            node {
              group { name jurisdiction { name } }
              campus { name jurisdiction { code name } urbanRural }
              role
              status
              joinedOn
              approvals { authority decision decidedAt }
              pendingApprovals
            }
          }
        }
      }
    }
  }
}`,
    parameters: [],
    rows: 'groups.memberships',
    columns: [
      { path: 'group.name', label: L('集团', 'Group'), format: 'text' },
      { path: 'group.jurisdiction.name', label: L('主管教育局', 'Supervising bureau'), format: 'text' },
      { path: 'campus.name', label: L('校区', 'Campus'), format: 'text' },
      { path: 'campus.jurisdiction.name', label: L('所在县区', 'County'), format: 'text' },
      { path: 'role', format: 'enum:MembershipRole' },
      { path: 'status', format: 'enum:MembershipStatus' },
      { path: 'approvals.authority', label: L('已审批机关', 'Approved by'), format: 'enum:ApprovalAuthority' },
      { path: 'pendingApprovals', format: 'enum:ApprovalAuthority' },
    ],
  },
  {
    id: 'resource-reach-rural',
    title: L('共享资源向乡村校区倾斜情况', 'Reach of shared resources into rural campuses'),
    description: L(
      '辖区内各集团的共享课程资源数、使用次数，以及其中乡村校区的使用次数（向农村学校倾斜）。',
      "Per group: its shared resources, their uses, and the uses by its rural campuses.",
    ),
    document: `query ResourceReachRural($jurisdiction: String!, $schoolYear: String) {
  jurisdiction(code: $jurisdiction) {
    name
    stats(schoolYear: $schoolYear) { ruralCampusCount groupedRuralCampusCount resourceCount }
    groups(first: 200, filter: { statuses: [ACTIVE, SUSPENDED] }) {
      totalCount
      edges {
        node {
          name
          mode
          stats(schoolYear: $schoolYear) {
            memberCount
            resourceCount
            resourceUseCount
            ruralResourceUseCount
          }
        }
      }
    }
  }
}`,
    parameters: [jurisdiction, schoolYear],
    rows: 'jurisdiction.groups',
    columns: [
      { path: 'name', label: L('集团', 'Group'), format: 'text' },
      { path: 'mode', format: 'enum:GroupMode' },
      { path: 'stats.memberCount', format: 'integer' },
      { path: 'stats.resourceCount', format: 'integer' },
      { path: 'stats.resourceUseCount', format: 'integer' },
      { path: 'stats.ruralResourceUseCount', format: 'integer' },
    ],
    chart: { type: 'bar', category: 'name', values: ['stats.resourceUseCount', 'stats.ruralResourceUseCount'] },
  },
  {
    id: 'funding-by-group',
    title: L('各集团专项经费', 'Funding entitlement per group'),
    description: L(
      '辖区内各集团在所选学年按政策应得的专项经费：集团基础经费加成员校按规模核定的经费（按在集团天数折算）。',
      'Per group: the special fund the policy in force grants for the school year, base amount plus member-campus amounts by size (pro rata by days).',
    ),
    document: `query FundingByGroup($jurisdiction: String!, $schoolYear: String!) {
  jurisdiction(code: $jurisdiction) {
    name
    policy { funding { baseAmount campusBands { minStudents amount } } fundingSource { name } }
    groups(first: 200, filter: { statuses: [ACTIVE, SUSPENDED, DISSOLVED] }) {
      totalCount
      edges {
        node {
          name
          mode
          status
          stats(schoolYear: $schoolYear) { memberCount studentCount operatingDays }
          fundingEntitlement(schoolYear: $schoolYear) { schoolYear baseAmount campusAmount total }
        }
      }
    }
  }
}`,
    parameters: [jurisdiction, schoolYear],
    rows: 'jurisdiction.groups',
    columns: [
      { path: 'name', label: L('集团', 'Group'), format: 'text' },
      { path: 'status', format: 'enum:GroupStatus' },
      { path: 'stats.memberCount', format: 'integer' },
      { path: 'stats.studentCount', format: 'integer' },
      { path: 'stats.operatingDays', format: 'integer' },
      { path: 'fundingEntitlement.baseAmount', format: 'yuan' },
      { path: 'fundingEntitlement.campusAmount', format: 'yuan' },
      { path: 'fundingEntitlement.total', format: 'yuan' },
    ],
    chart: { type: 'bar', category: 'name', values: ['fundingEntitlement.baseAmount', 'fundingEntitlement.campusAmount'] },
  },
  {
    id: 'policy-violations',
    title: L('违反政策的集团', 'Policy violations'),
    description: L(
      '辖区内各集团当前违反的政策规定，例如成员校数量超过上限、交流轮岗比例或骨干教师比例低于要求（无违规的集团留空）。',
      'Per group: the rules of the policy in force it breaks now, e.g. more members than the cap, too few teachers or backbone teachers posted (empty: none).',
    ),
    document: `query PolicyViolations($jurisdiction: String!) {
  jurisdiction(code: $jurisdiction) {
    name
    groups(first: 200, filter: { statuses: [ACTIVE, SUSPENDED] }) {
      totalCount
      edges {
        node {
          name
          mode
          jurisdiction { name }
          stats { memberCount }
          policyViolations { rule message }
        }
      }
    }
  }
}`,
    parameters: [jurisdiction],
    rows: 'jurisdiction.groups',
    columns: [
      { path: 'name', label: L('集团', 'Group'), format: 'text' },
      { path: 'mode', format: 'enum:GroupMode' },
      { path: 'jurisdiction.name', format: 'text' },
      { path: 'stats.memberCount', format: 'integer' },
      { path: 'policyViolations.rule', format: 'enum:PolicyViolationRule' },
      { path: 'policyViolations.message', format: 'text' },
    ],
  },
];

type Json = unknown;

/** A connection (an object with `edges`) as its nodes; anything else as it is. */
function nodesOf(value: Json): Json {
  if (value && typeof value === 'object' && !Array.isArray(value) && Array.isArray((value as { edges?: unknown }).edges)) {
    return ((value as { edges: Array<{ node: Json }> }).edges).map((e) => e?.node);
  }
  return value;
}

/** The rows an analysis tabulates: `path` from `data`, connections as their nodes, lists on the way flattened. */
export function rowsAt(data: Json, path: string): Json[] {
  let current: Json[] = [data];
  for (const key of path.split('.').filter(Boolean)) {
    const next: Json[] = [];
    for (const item of current) {
      if (item == null || typeof item !== 'object') continue;
      const v = nodesOf((item as Record<string, Json>)[key]);
      if (Array.isArray(v)) next.push(...v.map(nodesOf));
      else if (v != null) next.push(v);
    }
    current = next.flatMap((x) => (Array.isArray(x) ? x : [x]));
  }
  return current.filter((r) => r != null);
}

/** A cell: `path` from a row; a number picks a list's element, a list on the way gives the list of values. */
export function valueAt(row: Json, path: string): Json {
  const keys = path.split('.').filter(Boolean);
  const walk = (v: Json, i: number): Json => {
    if (i === keys.length || v == null) return v ?? null;
    const value = nodesOf(v);
    if (Array.isArray(value)) {
      if (/^\d+$/.test(keys[i])) return walk(value[Number(keys[i])], i + 1);
      return value.flatMap((x) => {
        const r = walk(x, i);
        return r == null ? [] : Array.isArray(r) ? r : [r];
      });
    }
    return typeof value === 'object' ? walk((value as Record<string, Json>)[keys[i]], i + 1) : null;
  };
  return walk(row, 0);
}
