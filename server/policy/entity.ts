import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { GroupMode } from '../graphql/enums';
import { LocalDate } from '../graphql/scalars';
import { Jurisdiction } from '../jurisdictions/entity';

export interface FundingBandValue { minStudents: number; amount: number }
export interface LeadershipBandValue { kindergarten: boolean; minSize: number; vicePrincipals: number }

/** One jurisdiction's own settings; a NULL column means "not set here: inherit". */
@Entity('group_policy')
export class GroupPolicyRow {
  @PrimaryColumn('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  /** Per-mode caps, e.g. {"ALLIANCE": 5}; each mode inherits separately. */
  @Column('jsonb', { name: 'max_members', nullable: true })
  maxMembers: Partial<Record<GroupMode, number>> | null;

  @Column('numeric', { name: 'min_annual_rotation_rate', nullable: true })
  minAnnualRotationRate: number | null;

  @Column('numeric', { name: 'min_backbone_share_of_posted', nullable: true })
  minBackboneShareOfPosted: number | null;

  @Column('numeric', { name: 'coverage_target', nullable: true })
  coverageTarget: number | null;

  @Column('date', { name: 'coverage_deadline', nullable: true })
  coverageDeadline: string | null;

  @Column('int', { name: 'funding_base_amount', nullable: true })
  fundingBaseAmount: number | null;

  @Column('jsonb', { name: 'funding_bands', nullable: true })
  fundingBands: FundingBandValue[] | null;

  @Column('jsonb', { name: 'leadership_bands', nullable: true })
  leadershipBands: LeadershipBandValue[] | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@ObjectType()
export class ModeLimit {
  @Field(() => GroupMode) mode: GroupMode;
  @Field(() => Int) maxMembers: number;
}

@ObjectType({ description: 'A member campus with at least minStudents students adds amount (yuan).' })
export class FundingBand {
  @Field(() => Int) minStudents: number;
  @Field(() => Int) amount: number;
}

@ObjectType({ description: '专项经费 rule: a base per group per year plus an amount per member campus by size.' })
export class FundingRule {
  @Field(() => Int) baseAmount: number;
  @Field(() => [FundingBand]) campusBands: FundingBand[];
}

@ObjectType({ description: 'From minSize (students; classes for kindergartens) up, a campus may have this many vice-principals.' })
export class LeadershipBand {
  @Field() kindergarten: boolean;
  @Field(() => Int) minSize: number;
  @Field(() => Int) vicePrincipals: number;
}

/** The policy in force at a jurisdiction, each setting resolved from the nearest ancestor that sets it. */
@ObjectType({ description: 'Group rules a bureau sets for its jurisdiction and everything below it.' })
export class GroupPolicy {
  /** Uuid of the nearest jurisdiction that sets any rule (resolved to `source`). */
  sourceId: string | null;

  @Field(() => Jurisdiction, {
    nullable: true,
    description:
      'The nearest jurisdiction (this one or an ancestor) that sets any rule; null when only the built-in defaults apply. Each rule comes from the nearest jurisdiction that sets it.',
  })
  source?: Jurisdiction | null;

  @Field(() => [ModeLimit], { description: 'Most member campuses (the lead not counted) a group of each mode may have.' })
  maxMembers: ModeLimit[];

  @Field(() => Float, { nullable: true, description: 'Least share of full-time teachers a group should post each school year, e.g. 0.05.' })
  minAnnualRotationRate: number | null;

  @Field(() => Float, { nullable: true, description: 'Least share of backbone teachers (骨干教师) among those posted in a school year, e.g. 0.2.' })
  minBackboneShareOfPosted: number | null;

  @Field(() => Float, { nullable: true, description: 'Coverage the jurisdiction aims for: share of compulsory-education campuses in a group.' })
  coverageTarget: number | null;

  @Field(() => LocalDate, { nullable: true })
  coverageDeadline: string | null;

  @Field(() => FundingRule, { nullable: true })
  funding: FundingRule | null;

  @Field(() => [LeadershipBand])
  leadershipBands: LeadershipBand[];
}

@ObjectType()
export class FundingEntitlement {
  @Field() schoolYear: string;
  @Field(() => Int) baseAmount: number;
  @Field(() => Int) campusAmount: number;
  @Field(() => Int) total: number;
}

@ObjectType()
export class PolicyViolation {
  @Field() rule: string;
  @Field() message: string;
}

@ObjectType()
export class LeadershipQuota {
  @Field(() => Int) principals: number;
  @Field(() => Int) vicePrincipals: number;
  @Field(() => Int) filledPrincipals: number;
  @Field(() => Int) filledVicePrincipals: number;
  @Field() overQuota: boolean;
}
