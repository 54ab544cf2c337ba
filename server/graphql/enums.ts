import { registerEnumType } from 'type-graphql';

/**
 * Every enumeration of the public contract, stored in the database as its name (text with a
 * CHECK constraint). Values are their own names so rows map straight onto the API.
 */
export function enumOf<T extends string>(...values: T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
}

export const JurisdictionLevel = enumOf('NATION', 'PROVINCE', 'CITY', 'COUNTY', 'ZONE');
export type JurisdictionLevel = keyof typeof JurisdictionLevel;
registerEnumType(JurisdictionLevel, {
  name: 'JurisdictionLevel',
  description: 'Administrative level of an education authority (教育行政部门).',
  valuesConfig: {
    NATION: { description: 'The national level (教育部): code 000000, the root of the tree.' },
    ZONE: { description: 'Functional zone run by a management committee (经开区、园区管委会) under a city.' },
  },
});

export const SchoolType = enumOf(
  'KINDERGARTEN', 'PRIMARY', 'JUNIOR_SECONDARY', 'NINE_YEAR', 'COMPLETE_SECONDARY',
  'SENIOR_SECONDARY', 'TWELVE_YEAR', 'VOCATIONAL_SECONDARY', 'SPECIAL_EDUCATION', 'OTHER',
);
export type SchoolType = keyof typeof SchoolType;
registerEnumType(SchoolType, { name: 'SchoolType', description: '办学类型, after the JY/T 1001 school-type families.' });

export const SchoolStage = enumOf('PRESCHOOL', 'PRIMARY', 'JUNIOR', 'SENIOR', 'VOCATIONAL');
export type SchoolStage = keyof typeof SchoolStage;
registerEnumType(SchoolStage, { name: 'SchoolStage', description: '学段 taught at a campus.' });

export const UrbanRural = enumOf('URBAN', 'TOWN', 'RURAL');
export type UrbanRural = keyof typeof UrbanRural;
registerEnumType(UrbanRural, { name: 'UrbanRural', description: "城乡分类 of a campus's location." });

export const GroupMode = enumOf('CLOSE', 'ALLIANCE', 'TRUSTEESHIP', 'COMMUNITY', 'VOCATIONAL_ALLIANCE');
export type GroupMode = keyof typeof GroupMode;
registerEnumType(GroupMode, {
  name: 'GroupMode',
  description: '组建模式 of an education group.',
  valuesConfig: {
    CLOSE: { description: '紧密型: one legal entity, one leadership team, several campuses.' },
    ALLIANCE: { description: '联盟型: members keep their legal entity and leadership.' },
    TRUSTEESHIP: { description: '托管型: the lead school manages the members under trusteeship.' },
    COMMUNITY: { description: '学校发展共同体: urban/strong schools bound to rural/weak schools.' },
    VOCATIONAL_ALLIANCE: { description: '职业教育联盟: vocational schools with enterprises and institutes.' },
  },
});

export const GroupStatus = enumOf('PROPOSED', 'ACTIVE', 'SUSPENDED', 'DISSOLVED');
export type GroupStatus = keyof typeof GroupStatus;
registerEnumType(GroupStatus, { name: 'GroupStatus' });

export const MembershipRole = enumOf('LEAD', 'MEMBER');
export type MembershipRole = keyof typeof MembershipRole;
registerEnumType(MembershipRole, { name: 'MembershipRole' });

export const MembershipStatus = enumOf('APPLIED', 'ACTIVE', 'REJECTED', 'WITHDRAWN', 'EXITED');
export type MembershipStatus = keyof typeof MembershipStatus;
registerEnumType(MembershipStatus, {
  name: 'MembershipStatus',
  valuesConfig: { APPLIED: { description: 'Applied; waiting for the approvals in pendingApprovals.' } },
});

export const ApprovalAuthority = enumOf('GROUP_COUNCIL', 'SUPERVISING_BUREAU', 'HOME_BUREAU', 'COMMON_PARENT_BUREAU');
export type ApprovalAuthority = keyof typeof ApprovalAuthority;
registerEnumType(ApprovalAuthority, {
  name: 'ApprovalAuthority',
  description: 'Who must approve a membership application.',
  valuesConfig: {
    GROUP_COUNCIL: { description: "The group's council (理事会/联席会议), acting through a group administrator." },
    SUPERVISING_BUREAU: { description: 'The bureau supervising the group.' },
    HOME_BUREAU: { description: 'The county bureau of the applying campus, when it is not the supervising one.' },
    COMMON_PARENT_BUREAU: { description: 'The nearest bureau above both, for a cross-county admission (经市级批准跨县域吸收).' },
  },
});

export const ApprovalDecision = enumOf('APPROVED', 'REJECTED');
export type ApprovalDecision = keyof typeof ApprovalDecision;
registerEnumType(ApprovalDecision, { name: 'ApprovalDecision' });

export const StaffRole = enumOf('PRINCIPAL', 'VICE_PRINCIPAL', 'MIDDLE_MANAGER', 'TEACHER', 'OTHER');
export type StaffRole = keyof typeof StaffRole;
registerEnumType(StaffRole, { name: 'StaffRole' });

export const ProfessionalTitle = enumOf('SENIOR_PROFESSOR', 'SENIOR', 'FIRST', 'SECOND', 'THIRD', 'UNRATED');
export type ProfessionalTitle = keyof typeof ProfessionalTitle;
registerEnumType(ProfessionalTitle, {
  name: 'ProfessionalTitle',
  description: '专业技术职务: 正高级, 高级, 一级, 二级, 三级, or not yet rated.',
});

export const PostingType = enumOf('ROTATION', 'SECONDMENT', 'SHADOWING', 'TEACHING_SUPPORT');
export type PostingType = keyof typeof PostingType;
registerEnumType(PostingType, {
  name: 'PostingType',
  valuesConfig: {
    ROTATION: { description: '轮岗交流: a teacher rotates to another campus of the group.' },
    SECONDMENT: { description: '挂职/派驻: a cadre takes a post at a member campus.' },
    SHADOWING: { description: '跟岗学习: member-campus staff learn on the job at the lead campus.' },
    TEACHING_SUPPORT: { description: '支教/送教/走教: teaching support at a weak or rural campus.' },
  },
});

export const PostingStatus = enumOf('PLANNED', 'ACTIVE', 'COMPLETED', 'CANCELLED');
export type PostingStatus = keyof typeof PostingStatus;
registerEnumType(PostingStatus, { name: 'PostingStatus' });

export const ResourceKind = enumOf(
  'SCHOOL_COURSE', 'LESSON_PLAN', 'COURSEWARE', 'MICRO_LESSON', 'CLASS_RECORDING',
  'EXERCISE_SET', 'TEACHING_CASE', 'RESEARCH_OUTPUT', 'TRAINING_MATERIAL',
);
export type ResourceKind = keyof typeof ResourceKind;
registerEnumType(ResourceKind, {
  name: 'ResourceKind',
  valuesConfig: {
    SCHOOL_COURSE: { description: '校本课程.' },
    LESSON_PLAN: { description: '教案.' },
    COURSEWARE: { description: '课件.' },
    MICRO_LESSON: { description: '微课.' },
    CLASS_RECORDING: { description: '课堂实录.' },
    EXERCISE_SET: { description: '试题/作业.' },
    TEACHING_CASE: { description: '教学案例.' },
    RESEARCH_OUTPUT: { description: '教科研成果.' },
    TRAINING_MATERIAL: { description: '培训资源.' },
  },
});

export const ResourceVisibility = enumOf('GROUP', 'JURISDICTION', 'PUBLIC');
export type ResourceVisibility = keyof typeof ResourceVisibility;
registerEnumType(ResourceVisibility, {
  name: 'ResourceVisibility',
  description: "Who may see a library beyond the group's own campuses.",
});

export const ResourceUseKind = enumOf('VIEW', 'DOWNLOAD', 'TEACH');
export type ResourceUseKind = keyof typeof ResourceUseKind;
registerEnumType(ResourceUseKind, { name: 'ResourceUseKind' });

export const EvaluationGrade = enumOf('EXCELLENT', 'GOOD', 'FAIR', 'FAIL');
export type EvaluationGrade = keyof typeof EvaluationGrade;
registerEnumType(EvaluationGrade, {
  name: 'EvaluationGrade',
  valuesConfig: {
    EXCELLENT: { description: '优秀.' },
    GOOD: { description: '良好.' },
    FAIR: { description: '一般.' },
    FAIL: { description: '不合格.' },
  },
});

export const EvaluationTargetType = enumOf('GROUP', 'CAMPUS');
export type EvaluationTargetType = keyof typeof EvaluationTargetType;
registerEnumType(EvaluationTargetType, { name: 'EvaluationTargetType' });

export const EvaluatorKind = enumOf('BUREAU', 'LEAD_SCHOOL', 'THIRD_PARTY');
export type EvaluatorKind = keyof typeof EvaluatorKind;
registerEnumType(EvaluatorKind, {
  name: 'EvaluatorKind',
  valuesConfig: {
    BUREAU: { description: 'The supervising bureau.' },
    LEAD_SCHOOL: { description: "The group's lead school evaluating a member (龙头学校对成员校)." },
    THIRD_PARTY: { description: 'A third-party evaluation agency (第三方评估机构).' },
  },
});

export const EvaluationStatus = enumOf('DRAFT', 'SUBMITTED', 'CONFIRMED');
export type EvaluationStatus = keyof typeof EvaluationStatus;
registerEnumType(EvaluationStatus, { name: 'EvaluationStatus' });

export const CycleStatus = enumOf('OPEN', 'CLOSED');
export type CycleStatus = keyof typeof CycleStatus;
registerEnumType(CycleStatus, { name: 'CycleStatus' });

export const ReviewCaseStatus = enumOf('OPEN', 'RECTIFIED', 'EXITED', 'DISSOLVED');
export type ReviewCaseStatus = keyof typeof ReviewCaseStatus;
registerEnumType(ReviewCaseStatus, {
  name: 'ReviewCaseStatus',
  description: 'A review case after two consecutive FAIL grades [000 §四(二), 001 §三(六)].',
  valuesConfig: {
    OPEN: { description: 'Under rectification (整改) until its deadline; the supervising bureau has not decided.' },
    RECTIFIED: { description: 'The supervising bureau found the group rectified (整改到位).' },
    EXITED: { description: 'The supervising bureau decided that member campuses leave the group (成员学校退出).' },
    DISSOLVED: { description: 'The supervising bureau dissolved the group (集团撤销/解散).' },
  },
});

export const Role = enumOf('BUREAU_ADMIN', 'GROUP_ADMIN', 'SCHOOL_ADMIN', 'EVALUATOR', 'VENDOR', 'ANALYST');
export type Role = keyof typeof Role;
registerEnumType(Role, {
  name: 'Role',
  valuesConfig: {
    BUREAU_ADMIN: { description: 'Staff of an education bureau, scoped to its jurisdiction and all below it.' },
    GROUP_ADMIN: { description: "The group's management office (集团管理办公室), scoped to one group." },
    SCHOOL_ADMIN: { description: "A school's administrator, scoped to one school's campuses." },
    EVALUATOR: { description: 'A third-party evaluator, scoped to the cycles it is assigned to.' },
    VENDOR: { description: "A school MIS vendor's integration, scoped by its API client grant." },
    ANALYST: { description: 'Read-only analyst of a jurisdiction: no personal data.' },
  },
});

export const ChangeOperation = enumOf('UPSERT', 'DELETE');
export type ChangeOperation = keyof typeof ChangeOperation;
registerEnumType(ChangeOperation, { name: 'ChangeOperation' });
