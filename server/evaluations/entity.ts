import { Field, Float, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CycleStatus, EvaluationGrade, EvaluationStatus, EvaluationTargetType, EvaluatorKind, ReviewCaseStatus } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime, LocalDate } from '../graphql/scalars';

@ObjectType({ description: "双线考核 weights: a group's composite = memberAverage × w1 + partyBuilding × w2 + comprehensive × w3." })
export class EvaluationWeights {
  @Field(() => Float) memberAverage: number;
  @Field(() => Float) partyBuilding: number;
  @Field(() => Float) comprehensive: number;
}

@ObjectType({ description: 'Least composite score for a grade; below every threshold is FAIL.' })
export class GradeThreshold {
  @Field(() => EvaluationGrade) grade: EvaluationGrade;
  @Field(() => Float) minScore: number;
}

@Entity('evaluation_cycle')
@ObjectType({ implements: Node, description: 'An evaluation round run by a bureau for the groups it supervises (考核周期).' })
export class EvaluationCycle extends NodeRow {
  @Column('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  @Field()
  @Column('text')
  name: string;

  @Field()
  @Column('varchar', { name: 'school_year', length: 9 })
  schoolYear: string;

  @Field(() => CycleStatus)
  @Column('text')
  status: CycleStatus;

  @Column('numeric', { name: 'member_average_weight' })
  memberAverageWeight: number;

  @Column('numeric', { name: 'party_building_weight' })
  partyBuildingWeight: number;

  @Column('numeric', { name: 'comprehensive_weight' })
  comprehensiveWeight: number;

  @Column('numeric', { name: 'excellent_min' })
  excellentMin: number;

  @Column('numeric', { name: 'good_min' })
  goodMin: number;

  @Column('numeric', { name: 'fair_min' })
  fairMin: number;

  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt: Date | null;

  @Field(() => DateTime, {
    nullable: true,
    description: "When the cycle's bureau published its group results (核定考核等次): from then on they are official and immutable.",
  })
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;

  @Column('text', { name: 'published_by', nullable: true })
  publishedBy: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Field(() => EvaluationWeights)
  get weights(): EvaluationWeights {
    return {
      memberAverage: this.memberAverageWeight,
      partyBuilding: this.partyBuildingWeight,
      comprehensive: this.comprehensiveWeight,
    };
  }

  @Field(() => [GradeThreshold])
  get gradeThresholds(): GradeThreshold[] {
    return [
      { grade: 'EXCELLENT', minScore: this.excellentMin },
      { grade: 'GOOD', minScore: this.goodMin },
      { grade: 'FAIR', minScore: this.fairMin },
    ];
  }

  /** The grade of a 0-100 score by this cycle's thresholds (totals and composites alike). */
  gradeOf(score: number): EvaluationGrade {
    if (score >= this.excellentMin) return 'EXCELLENT';
    if (score >= this.goodMin) return 'GOOD';
    if (score >= this.fairMin) return 'FAIR';
    return 'FAIL';
  }
}

@Entity('evaluation_indicator')
@ObjectType('Indicator')
export class EvaluationIndicator {
  @PrimaryColumn('uuid', { name: 'cycle_id' })
  cycleId: string;

  @Field(() => EvaluationTargetType)
  @PrimaryColumn('text', { name: 'target_type' })
  targetType: EvaluationTargetType;

  @Field()
  @PrimaryColumn('text')
  key: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => Float)
  @Column('numeric', { name: 'max_score' })
  maxScore: number;

  @Column('int')
  position: number;
}

@Entity('evaluation')
@ObjectType({ implements: Node })
export class Evaluation extends NodeRow {
  @Column('uuid', { name: 'cycle_id' })
  cycleId: string;

  @Field(() => EvaluationTargetType)
  @Column('text', { name: 'target_type' })
  targetType: EvaluationTargetType;

  @Column('uuid', { name: 'group_id', nullable: true })
  groupId: string | null;

  @Column('uuid', { name: 'campus_id', nullable: true })
  campusId: string | null;

  @Field(() => EvaluatorKind)
  @Column('text', { name: 'evaluator_kind' })
  evaluatorKind: EvaluatorKind;

  @Field()
  @Column('text', { name: 'evaluator_name' })
  evaluatorName: string;

  @Field(() => EvaluationStatus)
  @Column('text')
  status: EvaluationStatus;

  /** Sum of the indicator scores, kept with them in the same transaction. */
  @Field(() => Float)
  @Column('numeric', { name: 'total_score' })
  totalScore: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity('evaluation_score')
@ObjectType('IndicatorScore')
export class EvaluationScore {
  @PrimaryColumn('uuid', { name: 'evaluation_id' })
  evaluationId: string;

  @Field()
  @PrimaryColumn('text', { name: 'indicator_key' })
  indicatorKey: string;

  @Field(() => Float)
  @Column('numeric')
  score: number;
}

/**
 * A group's grade in one cycle as the bureau ratifies it (核定考核等次 [002 §六(五), §八(二)]):
 * before publication, the bureau's override of the computed grade with its reason; at
 * publication, the published result itself (figures as computed then, computed and official
 * grade). A published grade never changes.
 */
@Entity('group_grade')
@ObjectType({ implements: Node, description: "A group's ratified grade in a cycle (核定考核等次): an override before publication, the official result after." })
export class GroupGrade extends NodeRow {
  @Column('uuid', { name: 'cycle_id' })
  cycleId: string;

  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Field(() => Float, { nullable: true })
  @Column('numeric', { name: 'member_average', nullable: true })
  memberAverage: number | null;

  @Field(() => Float, { nullable: true })
  @Column('numeric', { name: 'party_building', nullable: true })
  partyBuilding: number | null;

  @Field(() => Float, { nullable: true })
  @Column('numeric', { nullable: true })
  comprehensive: number | null;

  @Field(() => Float, { nullable: true })
  @Column('numeric', { nullable: true })
  composite: number | null;

  @Field(() => EvaluationGrade, { nullable: true, description: "The grade of the composite by the cycle's thresholds (null: no composite)." })
  @Column('text', { name: 'computed_grade', nullable: true })
  computedGrade: EvaluationGrade | null;

  @Field(() => EvaluationGrade, { nullable: true, description: 'The ratified grade: the override when there is one, else the computed grade.' })
  @Column('text', { nullable: true })
  grade: EvaluationGrade | null;

  @Field(() => String, { nullable: true, description: 'Why the bureau overrode the computed grade; null when it did not.' })
  @Column('text', { name: 'override_reason', nullable: true })
  overrideReason: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'overridden_by', nullable: true })
  overriddenBy: string | null;

  @Field(() => DateTime, { nullable: true })
  @Column('timestamptz', { name: 'overridden_at', nullable: true })
  overriddenAt: Date | null;

  @Field(() => DateTime, { nullable: true, description: 'When the grade was published (official and immutable); null while it is a draft.' })
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Field({ description: 'Whether the bureau overrode the computed grade.' })
  get overridden(): boolean {
    return this.overrideReason !== null;
  }
}

/**
 * Two consecutive published FAILs of a group open a review case [000 §四(二), 001 §三(六)]:
 * rectification (整改) by a deadline, then the supervising bureau decides: rectified, members
 * exit, or the group is dissolved.
 */
@Entity('review_case')
@ObjectType({ implements: Node, description: 'A review case (整改): opened by two consecutive published FAIL grades, decided by the supervising bureau.' })
export class ReviewCase extends NodeRow {
  @Column('uuid', { name: 'group_id' })
  groupId: string;

  @Column('uuid', { name: 'cycle_id' })
  cycleId: string;

  @Column('uuid', { name: 'previous_cycle_id' })
  previousCycleId: string;

  @Field(() => ReviewCaseStatus)
  @Column('text')
  status: ReviewCaseStatus;

  @Field(() => LocalDate, { description: 'The date by which the group is to rectify (整改期限).' })
  @Column('date', { name: 'rectification_deadline' })
  rectificationDeadline: string;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'opened_at' })
  openedAt: Date;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'decision_reason', nullable: true })
  decisionReason: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'decided_by', nullable: true })
  decidedBy: string | null;

  @Field(() => DateTime, { nullable: true })
  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt: Date | null;

  @Column('uuid', { name: 'exited_campus_ids', array: true })
  exitedCampusIds: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
