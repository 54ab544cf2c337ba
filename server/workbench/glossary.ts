/**
 * The workbench's glossary (术语表): Chinese and English for every enum value of the schema and
 * for every field name the catalog's columns use (analyses.ts), so tables, charts and exports
 * speak Chinese first from one place. test/workbench-api.test.ts checks it against
 * schema/schema.graphql (every enum value) and the catalog (every column's field).
 * Chinese terms follow the policy documents (DOMAIN.md) where they name the thing.
 */
export interface Term {
  zh: string;
  en: string;
}

export interface Glossary {
  enums: Record<string, Record<string, Term>>;
  fields: Record<string, Term>;
}

const t = (zh: string, en: string): Term => ({ zh, en });

export const GLOSSARY: Glossary = {
  enums: {
    ApprovalAuthority: {
      GROUP_COUNCIL: t('集团理事会', 'Group council'),
      SUPERVISING_BUREAU: t('主管教育局', 'Supervising bureau'),
      HOME_BUREAU: t('属地教育局', 'Home county bureau'),
      COMMON_PARENT_BUREAU: t('共同上级教育局', 'Common parent bureau'),
    },
    ApprovalDecision: {
      APPROVED: t('同意', 'Approved'),
      REJECTED: t('不同意', 'Rejected'),
    },
    ChangeOperation: {
      UPSERT: t('新增或更新', 'Upsert'),
      DELETE: t('删除', 'Delete'),
    },
    CycleStatus: {
      OPEN: t('进行中', 'Open'),
      CLOSED: t('已结束', 'Closed'),
    },
    EvaluationGrade: {
      EXCELLENT: t('优秀', 'Excellent'),
      GOOD: t('良好', 'Good'),
      FAIR: t('一般', 'Fair'),
      FAIL: t('不合格', 'Fail'),
    },
    EvaluationStatus: {
      DRAFT: t('草稿', 'Draft'),
      SUBMITTED: t('已提交', 'Submitted'),
      CONFIRMED: t('已确认', 'Confirmed'),
    },
    EvaluationTargetType: {
      GROUP: t('集团', 'Group'),
      CAMPUS: t('校区', 'Campus'),
    },
    EvaluatorKind: {
      BUREAU: t('主管教育局', 'Bureau'),
      LEAD_SCHOOL: t('牵头学校', 'Lead school'),
      THIRD_PARTY: t('第三方评估机构', 'Third party'),
    },
    GroupMode: {
      CLOSE: t('紧密型', 'Close'),
      ALLIANCE: t('联盟型', 'Alliance'),
      TRUSTEESHIP: t('托管型', 'Trusteeship'),
      COMMUNITY: t('学校发展共同体', 'Community'),
      VOCATIONAL_ALLIANCE: t('职业教育联盟', 'Vocational alliance'),
    },
    GroupStatus: {
      PROPOSED: t('待批准', 'Proposed'),
      ACTIVE: t('运行中', 'Active'),
      SUSPENDED: t('已暂停', 'Suspended'),
      DISSOLVED: t('已解散', 'Dissolved'),
    },
    JurisdictionLevel: {
      NATION: t('国家', 'Nation'),
      PROVINCE: t('省级', 'Province'),
      CITY: t('市级', 'City'),
      COUNTY: t('县级', 'County'),
      ZONE: t('功能区', 'Zone'),
    },
    MembershipRole: {
      LEAD: t('牵头校', 'Lead'),
      MEMBER: t('成员校', 'Member'),
    },
    MembershipStatus: {
      APPLIED: t('申请中', 'Applied'),
      ACTIVE: t('在集团', 'Active'),
      EXITED: t('已退出', 'Exited'),
      REJECTED: t('未获批准', 'Rejected'),
      WITHDRAWN: t('已撤回', 'Withdrawn'),
    },
    PolicySetting: {
      COVERAGE: t('覆盖率目标', 'Coverage'),
      FUNDING: t('专项经费', 'Funding'),
      LEADERSHIP: t('校级领导职数', 'Leadership'),
      MAX_MEMBERS: t('成员校数量上限', 'Member caps'),
      ROTATION: t('交流轮岗', 'Rotation'),
    },
    PostingStatus: {
      PLANNED: t('计划中', 'Planned'),
      ACTIVE: t('进行中', 'Active'),
      COMPLETED: t('已完成', 'Completed'),
      CANCELLED: t('已取消', 'Cancelled'),
    },
    PostingType: {
      ROTATION: t('轮岗交流', 'Rotation'),
      SECONDMENT: t('挂职派驻', 'Secondment'),
      SHADOWING: t('跟岗学习', 'Shadowing'),
      TEACHING_SUPPORT: t('支教送教', 'Teaching support'),
    },
    ProfessionalTitle: {
      SENIOR_PROFESSOR: t('正高级', 'Senior professor'),
      SENIOR: t('高级', 'Senior'),
      FIRST: t('一级', 'First grade'),
      SECOND: t('二级', 'Second grade'),
      THIRD: t('三级', 'Third grade'),
      UNRATED: t('未评', 'Unrated'),
    },
    ResourceKind: {
      CLASS_RECORDING: t('课堂实录', 'Class recording'),
      COURSEWARE: t('课件', 'Courseware'),
      EXERCISE_SET: t('试题作业', 'Exercise set'),
      LESSON_PLAN: t('教案', 'Lesson plan'),
      MICRO_LESSON: t('微课', 'Micro-lesson'),
      RESEARCH_OUTPUT: t('教科研成果', 'Research output'),
      SCHOOL_COURSE: t('校本课程', 'School-based course'),
      TEACHING_CASE: t('教学案例', 'Teaching case'),
      TRAINING_MATERIAL: t('培训资源', 'Training material'),
    },
    ResourceUseKind: {
      VIEW: t('浏览', 'View'),
      DOWNLOAD: t('下载', 'Download'),
      TEACH: t('授课使用', 'Teach'),
    },
    ResourceVisibility: {
      GROUP: t('集团内', 'Group'),
      JURISDICTION: t('本辖区', 'Jurisdiction'),
      PUBLIC: t('公开', 'Public'),
    },
    ReviewCaseStatus: {
      OPEN: t('整改中', 'Under rectification'),
      RECTIFIED: t('整改到位', 'Rectified'),
      EXITED: t('成员校退出', 'Members exited'),
      DISSOLVED: t('集团解散', 'Dissolved'),
    },
    Role: {
      BUREAU_ADMIN: t('教育局管理员', 'Bureau administrator'),
      ANALYST: t('分析员', 'Analyst'),
      GROUP_ADMIN: t('集团管理员', 'Group administrator'),
      SCHOOL_ADMIN: t('学校管理员', 'School administrator'),
      EVALUATOR: t('第三方评估员', 'Evaluator'),
      VENDOR: t('厂商接口', 'Vendor'),
    },
    SchoolStage: {
      PRESCHOOL: t('学前', 'Preschool'),
      PRIMARY: t('小学', 'Primary'),
      JUNIOR: t('初中', 'Junior secondary'),
      SENIOR: t('高中', 'Senior secondary'),
      VOCATIONAL: t('中职', 'Vocational'),
    },
    SchoolType: {
      KINDERGARTEN: t('幼儿园', 'Kindergarten'),
      PRIMARY: t('小学', 'Primary school'),
      JUNIOR_SECONDARY: t('初级中学', 'Junior secondary school'),
      NINE_YEAR: t('九年一贯制学校', 'Nine-year school'),
      COMPLETE_SECONDARY: t('完全中学', 'Complete secondary school'),
      SENIOR_SECONDARY: t('高级中学', 'Senior secondary school'),
      TWELVE_YEAR: t('十二年一贯制学校', 'Twelve-year school'),
      VOCATIONAL_SECONDARY: t('中等职业学校', 'Secondary vocational school'),
      SPECIAL_EDUCATION: t('特殊教育学校', 'Special education school'),
      OTHER: t('其他', 'Other'),
    },
    StaffRole: {
      PRINCIPAL: t('校长', 'Principal'),
      VICE_PRINCIPAL: t('副校长', 'Vice-principal'),
      MIDDLE_MANAGER: t('中层干部', 'Middle manager'),
      TEACHER: t('教师', 'Teacher'),
      OTHER: t('其他', 'Other'),
    },
    UrbanRural: {
      URBAN: t('城区', 'Urban'),
      TOWN: t('镇区', 'Town'),
      RURAL: t('乡村', 'Rural'),
    },
    // Not enums of the schema, read like them by the catalog's columns (format enum:<name>).
    Boolean: {
      true: t('是', 'Yes'),
      false: t('否', 'No'),
    },
    // PolicyViolation.rule (groups/resolver.ts policyViolations): the policy setting broken.
    PolicyViolationRule: {
      maxMembers: t('成员校数量超过上限', 'More members than the cap'),
      minAnnualRotationRate: t('交流轮岗比例低于要求', 'Too few teachers posted'),
      minBackboneShareOfPosted: t('骨干教师比例低于要求', 'Too few backbone teachers posted'),
    },
  },
  fields: {
    // Places and groups.
    code: t('代码', 'Code'),
    name: t('名称', 'Name'),
    level: t('层级', 'Level'),
    jurisdiction: t('主管教育局', 'Supervising bureau'),
    mode: t('组建模式', 'Mode'),
    status: t('状态', 'Status'),
    role: t('角色', 'Role'),
    group: t('集团', 'Group'),
    campus: t('校区', 'Campus'),
    urbanRural: t('城乡分类', 'Urban/rural'),
    joinedOn: t('加入日期', 'Joined on'),
    memberJurisdictions: t('成员所在县区', 'Member counties'),
    approvals: t('审批记录', 'Approvals'),
    authority: t('审批机关', 'Authority'),
    decision: t('审批结果', 'Decision'),
    decidedAt: t('审批时间', 'Decided at'),
    pendingApprovals: t('待审批', 'Pending approvals'),
    // Figures of a school year.
    schoolYear: t('学年', 'School year'),
    coverageRate: t('集团化办学覆盖率', 'Coverage rate'),
    coverageTarget: t('覆盖率目标', 'Coverage target'),
    coverageSchoolCount: t('应覆盖学校数', 'Schools to cover'),
    coveredSchoolCount: t('已覆盖学校数', 'Schools covered'),
    campusCount: t('校区数', 'Campuses'),
    groupCount: t('集团数', 'Groups'),
    groupedCampusCount: t('入集团校区数', 'Campuses in groups'),
    ruralCampusCount: t('乡村校区数', 'Rural campuses'),
    groupedRuralCampusCount: t('入集团乡村校区数', 'Rural campuses in groups'),
    memberCount: t('成员校数', 'Member campuses'),
    studentCount: t('学生数', 'Students'),
    operatingDays: t('运行天数', 'Days operated'),
    fullTimeTeacherCount: t('专任教师数', 'Full-time teachers'),
    postingCount: t('交流人次', 'Postings'),
    teacherRotationRate: t('教师交流轮岗比例', 'Teacher rotation rate'),
    backboneShareOfPosted: t('骨干教师占交流人数比例', 'Backbone share of posted'),
    meetsRotationTarget: t('达到交流轮岗要求', 'Meets rotation target'),
    minAnnualRotationRate: t('年度交流轮岗比例下限', 'Least yearly rotation rate'),
    minBackboneShareOfPosted: t('骨干教师比例下限', 'Least backbone share'),
    evaluationGrades: t('考核等次', 'Evaluation grades'),
    grade: t('等次', 'Grade'),
    count: t('数量', 'Count'),
    resourceCount: t('共享资源数', 'Shared resources'),
    resourceUseCount: t('资源使用次数', 'Resource uses'),
    ruralResourceUseCount: t('乡村校区使用次数', 'Uses by rural campuses'),
    fundingEntitlement: t('专项经费', 'Funding entitlement'),
    baseAmount: t('集团基础经费', 'Base amount'),
    campusAmount: t('成员校经费', 'Member campus amount'),
    total: t('合计', 'Total'),
    policyViolations: t('违反政策情况', 'Policy violations'),
    rule: t('规则', 'Rule'),
    message: t('说明', 'Message'),
    maxMembers: t('成员校数量上限', 'Member cap'),
    // Saved analyses (分析方案).
    description: t('说明', 'Description'),
    document: t('查询语句', 'Query document'),
    parameters: t('参数', 'Parameters'),
    shared: t('本局共享', 'Shared with the bureau'),
    ownerName: t('保存人', 'Saved by'),
    updatedAt: t('更新时间', 'Updated at'),
    createdAt: t('创建时间', 'Created at'),
  },
};
