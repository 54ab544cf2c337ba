import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { enumOf, GroupMode, PostingType, SchoolStage } from '../graphql/enums';
import { LocalDate } from '../graphql/scalars';
import { Jurisdiction } from '../jurisdictions/entity';

export interface FundingBandValue { minStudents: number; amount: number }
export interface LeadershipBandValue { kindergarten: boolean; minSize: number; vicePrincipals: number }

/**
 * A policy is made of settings, each set (or left to inherit) as a whole (DOMAIN.md "Policy"):
 * values that only mean something together are one setting, so the policy in force never pairs
 * values that nobody set together.
 * - MAX_MEMBERS: one cap per group mode; each mode's cap is its own setting.
 * - ROTATION (交流轮岗 rule): the least annual rotation rate, the least backbone share of those
 *   posted and the posting types that count toward both. They are judged together
 *   (meetsRotationTarget) and the types define what the two shares measure, so a jurisdiction
 *   that sets any of them sets the whole rule: what it leaves out means "no minimum" / "every
 *   type", never an ancestor's value.
 * - COVERAGE (覆盖率 target): target, deadline and the school stages it covers.
 * - FUNDING (专项经费): base amount and the per-campus band table.
 * - LEADERSHIP: the vice-principal band table.
 */
export const PolicySetting = enumOf('MAX_MEMBERS', 'ROTATION', 'COVERAGE', 'FUNDING', 'LEADERSHIP');
export type PolicySetting = keyof typeof PolicySetting;
registerEnumType(PolicySetting, {
  name: 'PolicySetting',
  description: 'A setting of a group policy, set and inherited as a whole.',
  valuesConfig: {
    MAX_MEMBERS: { description: 'Member caps per group mode (each mode inherits separately).' },
    ROTATION: { description: 'minAnnualRotationRate, minBackboneShareOfPosted and rotationPostingTypes together (交流轮岗).' },
    COVERAGE: { description: 'coverageTarget, coverageDeadline and coverageStages together (覆盖率).' },
    FUNDING: { description: 'The funding base amount and campus bands together (专项经费).' },
    LEADERSHIP: { description: 'The vice-principal band table.' },
  },
});

/** Built-in defaults of what a setting leaves out: every posting type counts; coverage is of 义务教育 (compulsory) stages. */
export const ALL_POSTING_TYPES = Object.keys(PostingType) as PostingType[];
export const COMPULSORY_STAGES: SchoolStage[] = ['PRIMARY', 'JUNIOR'];

/** One jurisdiction's own settings; NULL columns of a setting mean "not set here: inherit" (see PolicySetting). */
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

  /** Part of the ROTATION setting; null within a set rule: every type counts. */
  @Column('text', { name: 'rotation_posting_types', array: true, nullable: true })
  rotationPostingTypes: PostingType[] | null;

  /** Part of the COVERAGE setting; null within a set target: compulsory stages. */
  @Column('text', { name: 'coverage_stages', array: true, nullable: true })
  coverageStages: SchoolStage[] | null;

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
  /** Uuid of the jurisdiction that set this cap (resolved to `source`). */
  sourceId: string;
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
  /** Uuid of the nearest jurisdiction that sets any setting (resolved to `source`); every setting it sets is in force. */
  sourceId: string | null;
  /** Per setting: uuid of the jurisdiction whose setting is in force (resolved to `…Source`). */
  rotationSourceId: string | null;
  coverageSourceId: string | null;
  fundingSourceId: string | null;
  leadershipSourceId: string | null;

  @Field(() => Jurisdiction, {
    nullable: true,
    description:
      'The nearest jurisdiction (this one or an ancestor) that sets any setting; null when only the built-in defaults apply. Each setting (see PolicySetting) comes as a whole from the nearest jurisdiction that sets it: see rotationSource, coverageSource, fundingSource, leadershipSource and maxMembers.source.',
  })
  source?: Jurisdiction | null;

  @Field(() => [ModeLimit], { description: 'Most member campuses (the lead not counted) a group of each mode may have.' })
  maxMembers: ModeLimit[];

  @Field(() => Float, { nullable: true, description: 'Least share of full-time teachers a group should post each school year, e.g. 0.05.' })
  minAnnualRotationRate: number | null;

  @Field(() => Float, { nullable: true, description: 'Least share of backbone teachers (骨干教师) among those posted in a school year, e.g. 0.2.' })
  minBackboneShareOfPosted: number | null;

  @Field(() => [PostingType], {
    description: 'Posting types that count toward rotation figures and minimums (甘州区 [004 §四(三)2]: not SHADOWING); every type unless the rotation setting in force lists them.',
  })
  rotationPostingTypes: PostingType[];

  @Field(() => Float, {
    nullable: true,
    description: 'Coverage the jurisdiction aims for: share of schools teaching coverageStages whose campuses of those stages are all in a group (see JurisdictionStats.coverageRate).',
  })
  coverageTarget: number | null;

  @Field(() => LocalDate, { nullable: true, description: 'When coverageTarget is to be reached; part of the same setting.' })
  coverageDeadline: string | null;

  @Field(() => [SchoolStage], {
    description: 'School stages (学段) coverage counts, part of the coverage setting; compulsory education (PRIMARY, JUNIOR) unless it says otherwise (甘州区 [004]: also 高中阶段, SENIOR and VOCATIONAL).',
  })
  coverageStages: SchoolStage[];

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
