import { ApiClient } from '../clients/entity';
import { Evaluation, EvaluationCycle, EvaluationIndicator, EvaluationScore, GroupGrade, ReviewCase } from '../evaluations/entity';
import { AuditEntryRow, ChangeEvent, HubMeta } from '../feed/entity';
import { EducationGroup } from '../groups/entity';
import { Jurisdiction, JurisdictionAncestor } from '../jurisdictions/entity';
import { GroupMembership, MembershipApproval } from '../memberships/entity';
import { GroupPolicyRow } from '../policy/entity';
import { Posting } from '../postings/entity';
import { Resource, ResourceLibrary, ResourceUse } from '../resources/entity';
import { Campus, School } from '../schools/entity';
import { Staff } from '../staff/entity';
import { SavedAnalysis } from '../workbench/entity';

export const entities = [
  Jurisdiction, JurisdictionAncestor, School, Campus, EducationGroup, GroupMembership,
  MembershipApproval, GroupPolicyRow, Staff, Posting, ResourceLibrary, Resource, ResourceUse,
  EvaluationCycle, EvaluationIndicator, Evaluation, EvaluationScore, GroupGrade, ReviewCase, ApiClient, AuditEntryRow,
  ChangeEvent, HubMeta, SavedAnalysis,
];
