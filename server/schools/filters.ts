import { Field, InputType } from 'type-graphql';
import { today } from '../calendar';
import { and, raw, sql, Sql } from '../db/sql';
import { SchoolStage, SchoolType, UrbanRural } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { DateTime } from '../graphql/scalars';
import { likePattern, memberOn } from '../memberships/sql';

@InputType()
export class CampusFilter {
  @Field(() => String, { nullable: true, description: 'Substring of the campus or school name.' })
  nameContains?: string | null;

  @Field(() => [SchoolType], { nullable: true })
  schoolTypes?: SchoolType[] | null;

  @Field(() => [SchoolStage], { nullable: true })
  stages?: SchoolStage[] | null;

  @Field(() => [UrbanRural], { nullable: true })
  urbanRural?: UrbanRural[] | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only campuses in an active group; false: only those in none.' })
  grouped?: boolean | null;

  @Field(() => DateTime, { nullable: true })
  updatedSince?: Date | null;
}

/** The rows of campus `c` a filter keeps, and that the caller may see. */
export function campusWhere(ctx: Context, c: string, f?: CampusFilter | null): Sql {
  const C = raw(c);
  const inGroup = sql`EXISTS (SELECT 1 FROM group_membership fm JOIN education_group fg ON fg.id = fm.group_id
    WHERE fm.campus_id = ${C}.id AND ${memberOn('fm', 'fg', today(ctx.now))})`;
  return and([
    ctx.scope.visible('Campus', c),
    f?.nameContains &&
      sql`(${C}.name ILIKE ${likePattern(f.nameContains)} OR EXISTS (SELECT 1 FROM school fs WHERE fs.id = ${C}.school_id AND fs.name ILIKE ${likePattern(f.nameContains)}))`,
    f?.schoolTypes && sql`EXISTS (SELECT 1 FROM school fs WHERE fs.id = ${C}.school_id AND fs.type = ANY(${f.schoolTypes}::text[]))`,
    f?.stages && sql`${C}.stages && ${f.stages}::text[]`,
    f?.urbanRural && sql`${C}.urban_rural = ANY(${f.urbanRural}::text[])`,
    f?.grouped === true && inGroup,
    f?.grouped === false && sql`NOT ${inGroup}`,
    f?.updatedSince && sql`${C}.updated_at >= ${f.updatedSince}`,
  ]);
}
