import fs from 'node:fs';
import { DataSource, EntityManager } from 'typeorm';
import { newId, jurisdictionId } from '../db/ids';
import { Evaluation, EvaluationCycle, EvaluationIndicator, EvaluationScore } from '../evaluations/entity';
import { PARTY_BUILDING_KEY } from '../evaluations/bundled';
import { HubMeta } from '../feed/entity';
import {
  EvaluationTargetType, EvaluatorKind, GroupMode, PostingType, ProfessionalTitle, ResourceKind,
  ResourceVisibility, SchoolStage, SchoolType, StaffRole, UrbanRural,
} from '../graphql/enums';
import { EducationGroup } from '../groups/entity';
import { GroupMembership, MembershipApproval } from '../memberships/entity';
import { GroupPolicyRow } from '../policy/entity';
import { Posting } from '../postings/entity';
import { Resource, ResourceLibrary, ResourceUse } from '../resources/entity';
import { Campus, School } from '../schools/entity';
import { Staff } from '../staff/entity';
import { checkDigit, encryptPii, maskNationalId } from '../staff/pii';
import { keyUnkeyedEntries } from '../feed/audience';
import { piiKey } from '../staff/pii-key';
import { projectPath } from '../paths';

/**
 * The demo data set. Real records come from the seed policy documents
 * (server/demo/groups.json: the groups, their modes, lead and member schools, 002's executive
 * principals, and the policies of DOMAIN.md; each group's `provenance` says what is from the
 * document and what is not; 004 is a draft loaded as if adopted); everything else is synthetic but plausible, generated from a
 * fixed random seed so every load is the same: school codes, campus sizes, staff (with
 * valid GB 11643 ID numbers), postings, libraries, resources and uses, evaluation cycles and
 * scores, and one cross-county group in 昆明.
 */
interface SeedSchool {
  school: string;
  campus: string | null;
  typeCode: string;
  stages: SchoolStage[];
  urbanRural: UrbanRural;
  urbanRuralCode: string;
  jurisdictionCode: string;
  /** The bureau a 市属 (city-run) school answers to, when not the county it lies in. */
  authorityJurisdictionCode?: string;
  synthetic?: boolean;
  /** 002 附件 校长属性: the member campus is headed by an executive principal (执行校长/执行园长). */
  executiveHead?: { title: string; source: string; person: string | null };
}
interface SeedGroup {
  name: string;
  jurisdictionCode: string;
  mode: GroupMode;
  synthetic?: boolean;
  establishedOnHint?: string | null;
  lead: SeedSchool;
  members: SeedSchool[];
}

const DEMO_KEY = 'demo.loaded_at';

export async function demoLoaded(ds: DataSource): Promise<boolean> {
  return (await ds.getRepository(HubMeta).countBy({ key: DEMO_KEY })) > 0;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

const SCHOOL_TYPE_BY_CODE: Array<[RegExp, SchoolType]> = [
  [/^111$/, 'KINDERGARTEN'], [/^211$/, 'PRIMARY'], [/^311$/, 'JUNIOR_SECONDARY'], [/^312$/, 'NINE_YEAR'],
  [/^341$/, 'COMPLETE_SECONDARY'], [/^342$/, 'SENIOR_SECONDARY'], [/^345$/, 'TWELVE_YEAR'],
  [/^36\d$/, 'VOCATIONAL_SECONDARY'], [/^51\d$/, 'SPECIAL_EDUCATION'],
];
const schoolTypeOf = (code: string): SchoolType => SCHOOL_TYPE_BY_CODE.find(([re]) => re.test(code))?.[1] ?? 'OTHER';

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞志宏建国海燕晓东文斌雪琳子涵浩然宇欣怡佳琪'.split('');
const PRIMARY_SUBJECTS = ['语文', '数学', '英语', '科学', '道德与法治', '音乐', '体育', '美术', '信息科技'];
const JUNIOR_SUBJECTS = ['语文', '数学', '英语', '物理', '化学', '生物', '历史', '地理', '道德与法治', '体育'];
const KIND_LABEL: Record<ResourceKind, string> = {
  SCHOOL_COURSE: '校本课程', LESSON_PLAN: '教案', COURSEWARE: '课件', MICRO_LESSON: '微课',
  CLASS_RECORDING: '课堂实录', EXERCISE_SET: '单元作业', TEACHING_CASE: '教学案例',
  RESEARCH_OUTPUT: '教研成果', TRAINING_MATERIAL: '培训资源',
};
const TOPICS = ['大单元教学设计', '跨学科主题学习', '双减背景下的作业设计', '乡土文化', '劳动教育', '阅读素养', '实验探究', '思维导图', '分层教学', '项目式学习'];

/** The 2025-2026 cycle's indicators ([001 §三(六)]), each target type summing to 100. */
const INDICATORS: Array<{ key: string; name: string; maxScore: number; targetType: EvaluationTargetType }> = [
  { key: PARTY_BUILDING_KEY, name: '党建引领', maxScore: 10, targetType: 'GROUP' },
  { key: 'school_mode', name: '办学模式', maxScore: 15, targetType: 'GROUP' },
  { key: 'management_innovation', name: '管理创新', maxScore: 15, targetType: 'GROUP' },
  { key: 'research_linkage', name: '教科研联动', maxScore: 20, targetType: 'GROUP' },
  { key: 'teaching_quality', name: '教育教学质量', maxScore: 20, targetType: 'GROUP' },
  { key: 'staff_development', name: '教师队伍建设', maxScore: 20, targetType: 'GROUP' },
  { key: 'teaching_quality', name: '教育教学质量', maxScore: 40, targetType: 'CAMPUS' },
  { key: 'staff_development', name: '教师队伍建设', maxScore: 30, targetType: 'CAMPUS' },
  { key: 'school_outcomes', name: '办学成效', maxScore: 30, targetType: 'CAMPUS' },
];

/** Policies of DOMAIN.md per jurisdiction (sources in brackets). */
function demoPolicies(): Array<Partial<GroupPolicyRow> & { code: string }> {
  return [
    // 南阳职教园区 [001 §三(一)3, §二]
    { code: '411373', maxMembers: { ALLIANCE: 5, CLOSE: 3, TRUSTEESHIP: 5 }, coverageTarget: 0.63, coverageDeadline: '2023-12-31' },
    // 沙坡头区 [002]
    {
      code: '640502',
      fundingBaseAmount: 100_000,
      fundingBands: [{ minStudents: 500, amount: 20_000 }, { minStudents: 200, amount: 15_000 }, { minStudents: 0, amount: 10_000 }],
      leadershipBands: [
        { kindergarten: false, minSize: 1000, vicePrincipals: 3 }, { kindergarten: false, minSize: 500, vicePrincipals: 2 },
        { kindergarten: false, minSize: 300, vicePrincipals: 1 }, { kindergarten: false, minSize: 0, vicePrincipals: 0 },
        { kindergarten: true, minSize: 15, vicePrincipals: 2 }, { kindergarten: true, minSize: 9, vicePrincipals: 1 },
        { kindergarten: true, minSize: 0, vicePrincipals: 0 },
      ],
      coverageTarget: 0.6,
      coverageDeadline: '2025-12-31',
    },
    // 甘州区 [004]; the backbone share is the national balanced-development review's figure.
    // Rotation counts 骨干教师柔性流动 and 普通教师交流轮岗 (ROTATION, SECONDMENT) and 急缺教师送教走教
    // (TEACHING_SUPPORT), not 跟岗学习 [004 §四(三)2]; coverage is of 义务教育 and 高中阶段 schools [004 §一].
    {
      code: '620702', minAnnualRotationRate: 0.05, minBackboneShareOfPosted: 0.2, rotationPostingTypes: ['ROTATION', 'SECONDMENT', 'TEACHING_SUPPORT'],
      coverageTarget: 1.0, coverageDeadline: '2024-12-31', coverageStages: ['PRIMARY', 'JUNIOR', 'SENIOR', 'VOCATIONAL'],
    },
  ];
}

/** Ungrouped synthetic schools per county, so coverage is a real ratio. */
const UNGROUPED: Record<string, SeedSchool[]> = {
  '640502': [
    { school: '沙坡头区迎水镇沙坡头小学', campus: null, typeCode: '211', stages: ['PRIMARY'], urbanRural: 'RURAL', urbanRuralCode: '220', jurisdictionCode: '640502' },
    { school: '沙坡头区常乐镇中心小学', campus: null, typeCode: '211', stages: ['PRIMARY'], urbanRural: 'TOWN', urbanRuralCode: '121', jurisdictionCode: '640502' },
    { school: '沙坡头区东园镇中学', campus: null, typeCode: '311', stages: ['JUNIOR'], urbanRural: 'TOWN', urbanRuralCode: '121', jurisdictionCode: '640502' },
  ],
  '411373': [
    { school: '皇路店镇李营小学', campus: null, typeCode: '211', stages: ['PRIMARY'], urbanRural: 'RURAL', urbanRuralCode: '220', jurisdictionCode: '411373' },
    { school: '皇路店镇中心幼儿园', campus: null, typeCode: '111', stages: ['PRESCHOOL'], urbanRural: 'TOWN', urbanRuralCode: '121', jurisdictionCode: '411373' },
  ],
  '620702': [
    { school: '甘州区特殊教育学校', campus: null, typeCode: '511', stages: ['PRIMARY', 'JUNIOR'], urbanRural: 'URBAN', urbanRuralCode: '111', jurisdictionCode: '620702' },
  ],
  '530128': [
    // Applies to join the 昆明 cross-county group (a pending application in the demo).
    { school: '禄劝彝族苗族自治县撒营盘镇中心小学', campus: null, typeCode: '211', stages: ['PRIMARY'], urbanRural: 'TOWN', urbanRuralCode: '121', jurisdictionCode: '530128' },
  ],
};

export async function loadDemo(ds: DataSource): Promise<string> {
  const data = JSON.parse(fs.readFileSync(projectPath('server', 'demo', 'groups.json'), 'utf8')) as { groups: SeedGroup[] };
  const key = piiKey();
  const r = rng(20241101);
  const at = (day: string) => new Date(`${day}T09:00:00+08:00`);

  const schools: Partial<School>[] = [];
  const campuses: Array<Partial<Campus> & { uuid: string }> = [];
  const schoolByKey = new Map<string, Partial<School>>();
  const campusByKey = new Map<string, Partial<Campus> & { uuid: string }>();
  const seqByCounty = new Map<string, number>();
  const campusType = new Map<string, SchoolType>();
  const campusCounty = new Map<string, string>();

  const ensureCampus = (s: SeedSchool) => {
    const sKey = `${s.jurisdictionCode}/${s.school}`;
    let school = schoolByKey.get(sKey);
    if (!school) {
      const seq = (seqByCounty.get(s.jurisdictionCode) ?? 0) + 1;
      seqByCounty.set(s.jurisdictionCode, seq);
      // Synthetic 学校标识码: category 21, province digits, county digits, sequence.
      const code = `21${s.jurisdictionCode.slice(0, 2)}${s.jurisdictionCode.slice(2)}${String(seq).padStart(2, '0')}`;
      school = {
        uuid: newId(), code, name: s.school, type: schoolTypeOf(s.typeCode), typeCode: s.typeCode,
        // Where it lies; a 市属 school answers to its city (主管/隶属), which supervises its groups.
        jurisdictionId: jurisdictionId(s.jurisdictionCode),
        supervisingJurisdictionId: jurisdictionId(s.authorityJurisdictionCode ?? s.jurisdictionCode),
      };
      schools.push(school);
      schoolByKey.set(sKey, school);
    }
    const name = s.campus ?? s.school;
    const cKey = `${sKey}/${name}`;
    let campus = campusByKey.get(cKey);
    if (!campus) {
      const type = school.type!;
      const students = studentsFor(type, s.stages, s.urbanRural, r);
      const kindergarten = type === 'KINDERGARTEN';
      campus = {
        uuid: newId(),
        schoolId: school.uuid!,
        name,
        stages: s.stages,
        urbanRural: s.urbanRural,
        urbanRuralCode: s.urbanRuralCode,
        jurisdictionId: jurisdictionId(s.jurisdictionCode),
        address: `${s.school}${s.campus ?? ''}`,
        studentCount: students,
        classCount: classesFor(kindergarten, students),
      };
      campuses.push(campus);
      campusByKey.set(cKey, campus);
      campusType.set(campus.uuid, type);
      campusCounty.set(campus.uuid, s.jurisdictionCode);
    }
    return campus;
  };

  // Groups and memberships, as published.
  const groups: Array<Partial<EducationGroup> & { uuid: string }> = [];
  const memberships: Partial<GroupMembership>[] = [];
  const groupCampuses = new Map<string, { lead: string; members: string[] }>();
  for (const g of data.groups) {
    const lead = ensureCampus(g.lead);
    const established = g.establishedOnHint ?? '2024-09-01';
    const group = {
      uuid: newId(),
      name: g.name,
      mode: g.mode,
      status: 'ACTIVE' as const,
      jurisdictionId: jurisdictionId(g.jurisdictionCode),
      leadCampusId: lead.uuid,
      legalEntity: false,
      establishedOn: established,
      dissolvedOn: null,
      charterTitle: `${g.name}章程`,
      charterUri: `charters/${g.jurisdictionCode}/${encodeURIComponent(g.name)}.pdf`,
      charterFiledOn: established,
    };
    groups.push(group);
    memberships.push({ uuid: newId(), groupId: group.uuid, campusId: lead.uuid, role: 'LEAD', status: 'ACTIVE', joinedOn: established, requiredApprovals: [] });
    const members = g.members.map(ensureCampus);
    for (const m of members) {
      memberships.push({
        uuid: newId(), groupId: group.uuid, campusId: m.uuid, role: 'MEMBER', status: 'ACTIVE',
        appliedAt: at(established), joinedOn: established, requiredApprovals: [],
      });
    }
    groupCampuses.set(group.uuid, { lead: lead.uuid, members: members.map((m) => m.uuid) });
  }
  for (const list of Object.values(UNGROUPED)) list.forEach(ensureCampus);
  // Every document makes the lead the strong school others are attached to (001 §三(三)1 龙头学校;
  // 002 §二(一) 优质学校+潜力学校/新校/村校; 004 §四(六)2 牵头学校 helping 农村学校): the synthetic
  // sizes make each lead at least a tenth larger than its largest member.
  for (const { lead, members } of groupCampuses.values()) {
    const leadCampus = campuses.find((c) => c.uuid === lead)!;
    const largest = Math.max(0, ...members.map((id) => campuses.find((c) => c.uuid === id)!.studentCount!));
    if (leadCampus.studentCount! < largest) {
      leadCampus.studentCount = Math.round(largest * 1.1);
      leadCampus.classCount = classesFor(campusType.get(lead) === 'KINDERGARTEN', leadCampus.studentCount);
    }
  }
  // 002 附件: each member campus is headed by an executive principal (执行校长/执行园长), posted
  // from the lead below; such a campus has no principal of its own.
  const executiveHeaded = new Map<string, string>(); // member campus → lead campus
  for (const g of data.groups) {
    for (const m of g.members.filter((x) => x.executiveHead)) {
      executiveHeaded.set(ensureCampus(m).uuid, ensureCampus(g.lead).uuid);
    }
  }

  // A pending cross-county application: 禄劝 campus → the 昆明 group supervised by the city,
  // so the common parent is the supervising bureau and that step is skipped.
  const kunming = groups.find((g) => g.jurisdictionId === jurisdictionId('530100'))!;
  const applicant = campusByKey.get('530128/禄劝彝族苗族自治县撒营盘镇中心小学/禄劝彝族苗族自治县撒营盘镇中心小学')!;
  const pending = {
    uuid: newId(), groupId: kunming.uuid, campusId: applicant.uuid, role: 'MEMBER' as const, status: 'APPLIED' as const,
    appliedAt: at('2026-10-12'), joinedOn: null, requiredApprovals: ['GROUP_COUNCIL', 'SUPERVISING_BUREAU', 'HOME_BUREAU'] as never,
  };
  memberships.push(pending);
  const approvals: Partial<MembershipApproval>[] = [
    { id: newId(), membershipId: pending.uuid, authority: 'GROUP_COUNCIL', jurisdictionId: null, decision: 'APPROVED', decidedBy: 'group-admin:昆明市明远实验小学教育集团', decidedAt: at('2026-10-20'), comment: '集团理事会同意吸收' },
  ];

  // Staff: a principal, vice-principals by size, middle managers, teachers, support staff.
  const staff: Array<Partial<Staff> & { uuid: string }> = [];
  const staffByCampus = new Map<string, Array<Partial<Staff> & { uuid: string }>>();
  let idSeq = 0;
  const staffNo = new Map<string, number>();
  const nextStaffNo = (schoolId: string) => {
    staffNo.set(schoolId, (staffNo.get(schoolId) ?? 0) + 1);
    return staffNo.get(schoolId)!;
  };
  const vpBand = (n: number) => (n >= 1000 ? 3 : n >= 500 ? 2 : n >= 300 ? 1 : 0);
  for (const c of campuses) {
    const school = schools.find((s) => s.uuid === c.schoolId)!;
    const county = campusCounty.get(c.uuid)!;
    const kindergarten = campusType.get(c.uuid) === 'KINDERGARTEN';
    const teachers = campusType.get(c.uuid) === 'SPECIAL_EDUCATION'
      ? Math.max(2, Math.round(c.studentCount! / 3)) // small classes, several teachers each (synthetic)
      : fullTimeTeachersFor(kindergarten, c.stages!, c.studentCount!, c.classCount!);
    const executives = [...executiveHeaded.values()].filter((lead) => lead === c.uuid).length;
    const vps = kindergarten ? (c.classCount! >= 15 ? 2 : c.classCount! >= 9 ? 1 : 0) : vpBand(c.studentCount!);
    // One 沙坡头区 campus carries an extra vice-principal, so leadershipQuota shows overQuota.
    const extraVp = c.name === '中卫市第四中学' ? 1 : 0;
    // Full-time teachers (专任教师) are the middle managers and the teachers; a lead of 002 has one
    // more vice-principal per executive-headed member, posted there as its executive principal.
    const managers = Math.min(4, 1 + Math.floor(teachers / 20), teachers - 1);
    const roles: StaffRole[] = [
      ...(executiveHeaded.has(c.uuid) ? [] : ['PRINCIPAL' as const]), ...Array(vps + extraVp + executives).fill('VICE_PRINCIPAL'),
      ...Array(managers).fill('MIDDLE_MANAGER'),
      ...Array(teachers - managers).fill('TEACHER'), ...Array(r.int(1, 3)).fill('OTHER'),
    ];
    const subjects = kindergarten ? ['保教'] : c.stages!.includes('JUNIOR') || c.stages!.includes('SENIOR') ? JUNIOR_SUBJECTS : PRIMARY_SUBJECTS;
    const list: Array<Partial<Staff> & { uuid: string }> = [];
    roles.forEach((role) => {
      idSeq++;
      const birth = `${r.int(1966, 2001)}${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(1, 28)).padStart(2, '0')}`;
      const first17 = `${county}${birth}${String(idSeq % 1000).padStart(3, '0')}`;
      const nationalId = first17 + checkDigit(first17);
      const teaching = role === 'TEACHER' || role === 'MIDDLE_MANAGER';
      const s = {
        uuid: newId(),
        schoolId: school.uuid!,
        homeCampusId: c.uuid,
        externalId: `${school.code}-${String(nextStaffNo(school.uuid!)).padStart(4, '0')}`,
        name: r.pick(SURNAMES) + r.pick(GIVEN) + (r.chance(0.6) ? r.pick(GIVEN) : ''),
        nationalIdCipher: encryptPii(nationalId, key),
        nationalIdMasked: maskNationalId(nationalId),
        role,
        title: pickTitle(r, role),
        subjects: role === 'OTHER' ? [] : [r.pick(subjects), ...(r.chance(0.15) ? [r.pick(subjects)] : [])].filter((v, k, a) => a.indexOf(v) === k),
        backbone: teaching && r.chance(0.22),
        fullTimeTeacher: teaching,
      };
      list.push(s);
      staff.push(s);
    });
    staffByCampus.set(c.uuid, list);
  }

  // Postings per group and school year: lead staff out to members (counts as rural service),
  // member staff in to the lead (跟岗学习), about 7% of full-time teachers a year.
  const postings: Partial<Posting>[] = [];
  const openPosting = new Set<string>();
  const years: Array<{ start: string; end: string; status: 'COMPLETED' | 'ACTIVE' }> = [
    { start: '2024-09-01', end: '2025-07-15', status: 'COMPLETED' },
    { start: '2025-09-01', end: '2026-07-15', status: 'COMPLETED' },
    { start: '2026-09-01', end: '2027-07-15', status: 'ACTIVE' },
  ];
  for (const g of groups) {
    const { lead, members } = groupCampuses.get(g.uuid)!;
    if (members.length === 0) continue;
    const ft = [lead, ...members].flatMap((c) => (staffByCampus.get(c) ?? []).filter((s) => s.fullTimeTeacher));
    // 甘州区北街小学教育集团 posts too few in 2025-2026: the policy violation shows.
    const lagging = g.name === '甘州区北街小学教育集团';
    for (const y of years) {
      if (y.start < g.establishedOn!) continue;
      const rate = lagging && y.start === '2025-09-01' ? 0.02 : 0.07;
      const count = Math.max(1, Math.round(ft.length * rate));
      // Shuffled, backbone teachers somewhat more likely to be picked.
      const pool = ft.map((s) => ({ s, k: r.next() - (s.backbone ? 0.3 : 0) })).sort((a, b) => a.k - b.k).map((x) => x.s);
      let made = 0;
      for (const s of pool) {
        if (made >= count) break;
        if (y.status === 'ACTIVE' && openPosting.has(s.uuid)) continue;
        const fromLead = s.homeCampusId === lead;
        const to = fromLead ? r.pick(members) : lead;
        const type: PostingType = fromLead ? r.pick(['ROTATION', 'TEACHING_SUPPORT', 'ROTATION'] as const) : r.pick(['SHADOWING', 'ROTATION'] as const);
        postings.push({
          uuid: newId(), staffId: s.uuid, groupId: g.uuid, fromCampusId: s.homeCampusId!, toCampusId: to, type,
          status: y.status, hostRole: 'TEACHER', startDate: y.start, endDate: y.end, countsAsRuralService: fromLead,
        });
        if (y.status === 'ACTIVE') openPosting.add(s.uuid);
        made++;
      }
    }
    // A lead-campus cadre seconded to a member as vice-principal (挂职), and a planned rotation.
    const cadre = (staffByCampus.get(lead) ?? []).find((s) => s.role === 'MIDDLE_MANAGER' && !openPosting.has(s.uuid));
    if (cadre) {
      postings.push({
        uuid: newId(), staffId: cadre.uuid, groupId: g.uuid, fromCampusId: lead, toCampusId: members[0], type: 'SECONDMENT',
        status: 'ACTIVE', hostRole: 'VICE_PRINCIPAL', startDate: '2026-09-01', endDate: '2028-07-15', countsAsRuralService: true,
      });
      openPosting.add(cadre.uuid);
    }
    const planned = ft.find((s) => s.homeCampusId === lead && !openPosting.has(s.uuid));
    if (planned) {
      postings.push({
        uuid: newId(), staffId: planned.uuid, groupId: g.uuid, fromCampusId: lead, toCampusId: members[members.length - 1], type: 'TEACHING_SUPPORT',
        status: 'PLANNED', hostRole: 'TEACHER', startDate: '2027-02-20', endDate: '2027-07-10', countsAsRuralService: true,
      });
      openPosting.add(planned.uuid);
    }
  }

  // 002 附件 执行校长: a vice-principal of the lead campus heads each member campus from the pilot's
  // start (002 §七(二), May 2023), open-ended; who it is is synthetic (the annex names no one).
  for (const g of groups) {
    const { lead } = groupCampuses.get(g.uuid)!;
    const headed = [...executiveHeaded].filter(([, l]) => l === lead).map(([m]) => m);
    if (headed.length === 0) continue;
    // The extra vice-principals added to the lead's staff above.
    const cadres = (staffByCampus.get(lead) ?? []).filter((s) => s.role === 'VICE_PRINCIPAL').slice(-headed.length);
    headed.forEach((member, k) => {
      postings.push({
        uuid: newId(), staffId: cadres[k].uuid, groupId: g.uuid, fromCampusId: lead, toCampusId: member, type: 'SECONDMENT',
        status: 'ACTIVE', hostRole: 'PRINCIPAL', startDate: g.establishedOn!, endDate: null, countsAsRuralService: true,
      });
      openPosting.add(cadres[k].uuid);
    });
  }

  // Libraries, resources and their uses.
  const libraries: Partial<ResourceLibrary>[] = [];
  const resources: Array<Partial<Resource> & { uuid: string }> = [];
  const uses: Partial<ResourceUse>[] = [];
  groups.forEach((g, gi) => {
    const { lead, members } = groupCampuses.get(g.uuid)!;
    const libs: Array<{ name: string; visibility: ResourceVisibility }> = [{ name: `${g.name}课程资源库`, visibility: 'GROUP' }];
    if (gi % 3 === 0) libs.push({ name: `${g.name}名师课堂`, visibility: gi % 2 === 0 ? 'PUBLIC' : 'JURISDICTION' });
    for (const lib of libs) {
      const library = {
        uuid: newId(), groupId: g.uuid, name: lib.name, description: `${g.name}共建共享的教学资源`, visibility: lib.visibility,
        createdAt: at(g.establishedOn!), updatedAt: at(g.establishedOn!),
      };
      libraries.push(library);
      const n = r.int(5, 10);
      for (let i = 0; i < n; i++) {
        const campusId = i % 3 === 0 || members.length === 0 ? lead : r.pick(members);
        const campus = campuses.find((c) => c.uuid === campusId)!;
        const author = r.pick((staffByCampus.get(campusId) ?? []).filter((s) => s.fullTimeTeacher));
        const kind = r.pick(Object.keys(KIND_LABEL) as ResourceKind[]);
        const subject = author?.subjects?.[0] ?? '语文';
        const topic = r.pick(TOPICS);
        // Nothing before its group exists, nothing used before it exists: a resource is created
        // between the group's establishment and the demo's last day, its uses after that (and the
        // one withdrawn below, resources[0], before its withdrawal on 2026-06-30).
        const last = resources.length === 0 ? WITHDRAWN_ON : LAST_DAY;
        const created = dayBetween(r, g.establishedOn!, last);
        const resource = {
          uuid: newId(), libraryId: library.uuid, title: `${subject}${KIND_LABEL[kind]}：${topic}`, kind, subject,
          stages: campus.stages!, description: `${campus.name}提供的${topic}${KIND_LABEL[kind]}`, // no names in free text: analysts see contributors pseudonymised
          uri: `resources/${library.uuid}/${i + 1}.pdf`, tags: [topic, subject], contributorId: author?.uuid ?? null,
          contributingCampusId: campusId, createdAt: at(created), updatedAt: at(created),
        };
        resources.push(resource);
        for (const user of [lead, ...members]) {
          const times = r.int(0, user === campusId ? 2 : 5);
          for (let k = 0; k < times; k++) {
            const usedOn = dayBetween(r, created, last);
            uses.push({ id: newId(), resourceId: resource.uuid, campusId: user, kind: r.pick(['VIEW', 'VIEW', 'DOWNLOAD', 'TEACH'] as const), usedAt: at(usedOn) });
          }
        }
      }
    }
  });
  // One withdrawn resource: soft-deleted, announced on the change feed as a DELETE.
  resources[0].deletedAt = at(WITHDRAWN_ON);

  // Evaluation cycles: 2025-2026 for each supervising bureau, plus 沙坡头区's 2024-2025 (for
  // 增值评价 and the two-year FAIL review flag) and its open 2026-2027 cycle. Scores come from a
  // stream of their own, so changing how staff, postings or resources are generated leaves them be.
  const re = rng(20241102);
  const cycles: Array<Partial<EvaluationCycle> & { uuid: string }> = [];
  const indicators: Partial<EvaluationIndicator>[] = [];
  const evaluations: Array<Partial<Evaluation> & { uuid: string }> = [];
  const scores: Partial<EvaluationScore>[] = [];
  const quality = new Map(groups.map((g) => [g.uuid, g.name === '中卫市第七小学教育集团' ? 0.5 : 0.68 + re.next() * 0.28]));
  const cyclePlan = [
    { code: '640502', year: '2024-2025', closed: true },
    { code: '640502', year: '2025-2026', closed: true },
    { code: '640502', year: '2026-2027', closed: false },
    { code: '620702', year: '2025-2026', closed: true },
    { code: '411373', year: '2025-2026', closed: true },
    { code: '530100', year: '2025-2026', closed: true },
  ];
  for (const plan of cyclePlan) {
    const cycle = {
      uuid: newId(), jurisdictionId: jurisdictionId(plan.code), name: `${plan.year}学年集团化办学捆绑考核`, schoolYear: plan.year,
      status: plan.closed ? ('CLOSED' as const) : ('OPEN' as const), memberAverageWeight: 0.5, partyBuildingWeight: 0.1,
      comprehensiveWeight: 0.4, excellentMin: 90, goodMin: 80, fairMin: 60, closedAt: plan.closed ? at(`${plan.year.slice(5)}-08-31`) : null,
    };
    cycles.push(cycle);
    INDICATORS.forEach((ind, position) => indicators.push({ cycleId: cycle.uuid, ...ind, position }));
    const status = plan.closed ? ('CONFIRMED' as const) : ('DRAFT' as const);
    for (const g of groups.filter((x) => x.jurisdictionId === cycle.jurisdictionId)) {
      const q = quality.get(g.uuid)! + (plan.year === '2024-2025' ? -0.03 : 0);
      const { lead, members } = groupCampuses.get(g.uuid)!;
      const record = (targetType: EvaluationTargetType, target: string, kind: EvaluatorKind, name: string, qq: number) => {
        const e = {
          uuid: newId(), cycleId: cycle.uuid, targetType, groupId: targetType === 'GROUP' ? target : null,
          campusId: targetType === 'CAMPUS' ? target : null, evaluatorKind: kind, evaluatorName: name, status, totalScore: 0,
        };
        for (const ind of INDICATORS.filter((i) => i.targetType === targetType)) {
          const score = Math.round(Math.min(1, Math.max(0, qq + (re.next() - 0.5) * 0.12)) * ind.maxScore * 2) / 2;
          scores.push({ evaluationId: e.uuid, indicatorKey: ind.key, score });
          e.totalScore += score;
        }
        evaluations.push(e);
      };
      const bureau = `${plan.code}教育局`;
      record('GROUP', g.uuid, 'BUREAU', bureau, q);
      record('CAMPUS', lead, 'BUREAU', bureau, q + 0.04);
      for (const m of members) {
        record('CAMPUS', m, 'LEAD_SCHOOL', `${g.name}龙头校`, q - 0.02);
        if (re.chance(0.3)) record('CAMPUS', m, 'THIRD_PARTY', '宁夏教育评估监测中心', q - 0.04);
      }
    }
  }

  await ds.transaction(async (m) => {
    await insertAll(m, School, schools);
    await insertAll(m, Campus, campuses);
    await insertAll(m, EducationGroup, groups);
    await insertAll(m, GroupMembership, memberships);
    // Enrolment per school year (schools/enrolment.ts): each campus's counts for every year from its
    // first membership (or 2024-2025) to 2026-2027, the years the demo covers.
    await m.query(`
      INSERT INTO campus_enrolment (campus_id, school_year, student_count, class_count)
      SELECT c.id, y || '-' || (y + 1), c.student_count, c.class_count
      FROM campus c CROSS JOIN LATERAL generate_series(
        least(2024, (SELECT min(extract(year FROM m.joined_on - interval '8 months'))::int FROM group_membership m WHERE m.campus_id = c.id)), 2026) y`);
    await insertAll(m, MembershipApproval, approvals);
    await insertAll(m, GroupPolicyRow, demoPolicies().map(({ code, ...p }) => ({ jurisdictionId: jurisdictionId(code), ...p })));
    await insertAll(m, Staff, staff);
    await insertAll(m, Posting, postings);
    await insertAll(m, ResourceLibrary, libraries);
    await insertAll(m, Resource, resources);
    await insertAll(m, ResourceUse, uses);
    await insertAll(m, EvaluationCycle, cycles);
    await insertAll(m, EvaluationIndicator, indicators);
    await insertAll(m, Evaluation, evaluations);
    await insertAll(m, EvaluationScore, scores);
    await announceAll(m);
    await m.insert(HubMeta, { key: DEMO_KEY, value: new Date().toISOString() });
  });
  // The bulk announcement above carries no audience keys: give them their entities' keys.
  await keyUnkeyedEntries(ds);
  return `${schools.length} schools, ${campuses.length} campuses, ${groups.length} groups, ${memberships.length} memberships, ` +
    `${staff.length} staff, ${postings.length} postings, ${resources.length} resources (${uses.length} uses), ` +
    `${cycles.length} evaluation cycles, ${evaluations.length} evaluations`;
}

/** The demo's last day of activity (resources, uses), and the day its one withdrawn resource went. */
const LAST_DAY = '2026-10-28';
const WITHDRAWN_ON = '2026-06-30';

/** A day from `from` to `to` (ISO dates, both included). */
function dayBetween(r: ReturnType<typeof rng>, from: string, to: string): string {
  const a = Date.parse(`${from}T00:00:00Z`);
  const days = Math.max(0, Math.round((Date.parse(`${to}T00:00:00Z`) - a) / 86_400_000));
  return new Date(a + r.int(0, days) * 86_400_000).toISOString().slice(0, 10);
}

function classesFor(kindergarten: boolean, students: number): number {
  return kindergarten ? Math.max(3, Math.round(students / 28)) : Math.max(1, Math.ceil(students / 42));
}

/**
 * Full-time teachers (专任教师) of a synthetic campus, from its students by the national staffing
 * norms (中央编办发〔2014〕72号, one standard for town and country: 小学 1:19, 初中 1:13.5, 高中 1:12.5;
 * 中职 1:20 by 中等职业学校设置标准), the students split over the campus's stages by years of
 * schooling (6 primary, 3 each after), and never fewer than 1.5 per class (班师比: 002 §六(四)3
 * 师生比和班师比相结合). Kindergartens: two teachers per class, 在编 and 临聘 together (每班两教一保, 002 §六(四)3).
 */
function fullTimeTeachersFor(kindergarten: boolean, stages: SchoolStage[], students: number, classes: number): number {
  if (kindergarten) return 2 * classes;
  const norm: Partial<Record<SchoolStage, { years: number; ratio: number }>> = {
    PRIMARY: { years: 6, ratio: 19 }, JUNIOR: { years: 3, ratio: 13.5 }, SENIOR: { years: 3, ratio: 12.5 }, VOCATIONAL: { years: 3, ratio: 20 },
  };
  const parts = stages.map((st) => norm[st]).filter((x) => x !== undefined);
  const years = parts.reduce((a, x) => a + x.years, 0);
  const byStudents = years === 0 ? students / 19 : parts.reduce((a, x) => a + (students * x.years) / years / x.ratio, 0);
  return Math.max(2, Math.round(byStudents), Math.ceil(classes * 1.5));
}

function studentsFor(type: SchoolType, stages: SchoolStage[], ur: UrbanRural, r: ReturnType<typeof rng>): number {
  if (type === 'KINDERGARTEN') return r.int(150, 480);
  // A special-education school is small (classes of about ten).
  if (type === 'SPECIAL_EDUCATION') return r.int(80, 260);
  const range: Record<UrbanRural, [number, number]> = { URBAN: [700, 2400], TOWN: [260, 900], RURAL: [40, 320] };
  const [lo, hi] = range[ur];
  const n = r.int(lo, hi);
  return stages.includes('SENIOR') ? n + 600 : n;
}

function pickTitle(r: ReturnType<typeof rng>, role: StaffRole): ProfessionalTitle {
  if (role === 'OTHER') return 'UNRATED';
  const x = r.next() + (role === 'PRINCIPAL' || role === 'VICE_PRINCIPAL' ? 0.35 : 0);
  return x > 1.3 ? 'SENIOR_PROFESSOR' : x > 0.85 ? 'SENIOR' : x > 0.5 ? 'FIRST' : x > 0.2 ? 'SECOND' : x > 0.1 ? 'THIRD' : 'UNRATED';
}

async function insertAll<T extends object>(m: EntityManager, entity: new () => T, rows: Partial<T>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await m.insert(entity, rows.slice(i, i + 500) as never);
}

/** Every loaded entity goes on the change feed, so a vendor syncing from zero receives it. */
async function announceAll(m: EntityManager): Promise<void> {
  await m.query(`
    INSERT INTO change_event (entity_type, entity_id, natural_key, operation)
    SELECT 'School', id, code, 'UPSERT' FROM school
    UNION ALL SELECT 'Campus', c.id, s.code || '/' || c.name, 'UPSERT' FROM campus c JOIN school s ON s.id = c.school_id
    UNION ALL SELECT 'EducationGroup', id, NULL, 'UPSERT' FROM education_group
    UNION ALL SELECT 'GroupMembership', id, NULL, 'UPSERT' FROM group_membership
    UNION ALL SELECT 'Staff', st.id, s.code || '/' || st.external_id, 'UPSERT' FROM staff st JOIN school s ON s.id = st.school_id
    UNION ALL SELECT 'Posting', id, NULL, 'UPSERT' FROM posting
    UNION ALL SELECT 'ResourceLibrary', id, NULL, 'UPSERT' FROM resource_library
    UNION ALL SELECT 'Resource', id, NULL, 'UPSERT' FROM resource
    UNION ALL SELECT 'EvaluationCycle', id, NULL, 'UPSERT' FROM evaluation_cycle
    UNION ALL SELECT 'Evaluation', id, NULL, 'UPSERT' FROM evaluation`);
  await m.query(`INSERT INTO change_event (entity_type, entity_id, natural_key, operation)
    SELECT 'Resource', id, NULL, 'DELETE' FROM resource WHERE deleted_at IS NOT NULL`);
}
