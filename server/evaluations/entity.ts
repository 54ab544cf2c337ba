import { Field, Float, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CycleStatus, EvaluationGrade, EvaluationStatus, EvaluationTargetType, EvaluatorKind } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime } from '../graphql/scalars';

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
