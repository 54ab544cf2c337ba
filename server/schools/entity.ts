import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { SchoolStage, SchoolType, UrbanRural } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime } from '../graphql/scalars';

@Entity('school')
@ObjectType({ implements: Node, description: 'A school as a legal entity (法人单位).' })
export class School extends NodeRow {
  @Field({ description: "The Ministry of Education's ten-digit school identification code (学校标识码)." })
  @Column('varchar', { length: 10, unique: true })
  code: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => SchoolType)
  @Column('text')
  type: SchoolType;

  @Field(() => String, { nullable: true, description: 'JY/T 1001 办学类型 three-digit code, e.g. 211 小学, 312 九年一贯制学校.' })
  @Column('varchar', { name: 'type_code', length: 3, nullable: true })
  typeCode: string | null;

  @Column('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  /** The bureau the school answers to (主管/隶属关系); by default where it lies. */
  @Column('uuid', { name: 'supervising_jurisdiction_id' })
  supervisingJurisdictionId: string;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity('campus')
@ObjectType({ implements: Node, description: 'A campus, branch or section of a school (校区/分园/学部): the unit that joins a group.' })
export class Campus extends NodeRow {
  @Column('uuid', { name: 'school_id' })
  schoolId: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => [SchoolStage])
  @Column('text', { array: true })
  stages: SchoolStage[];

  @Field(() => UrbanRural)
  @Column('text', { name: 'urban_rural' })
  urbanRural: UrbanRural;

  @Field(() => String, { nullable: true, description: '统计用城乡分类 three-digit code, e.g. 111 主城区, 121 镇中心区, 220 村庄.' })
  @Column('varchar', { name: 'urban_rural_code', length: 3, nullable: true })
  urbanRuralCode: string | null;

  @Column('uuid', { name: 'jurisdiction_id' })
  jurisdictionId: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  address: string | null;

  // The latest counts recorded, i.e. the current school year's (schools/enrolment.ts keeps them per year).
  @Field(() => Int, { description: "Students in the current school year (enrolment is kept per school year: a year's figures use that year's counts)." })
  @Column('int', { name: 'student_count' })
  studentCount: number;

  @Field(() => Int, { description: 'Classes in the current school year (kept per school year, like studentCount).' })
  @Column('int', { name: 'class_count' })
  classCount: number;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
