import { Field, InputType } from 'type-graphql';
import { and, raw, sql, Sql } from '../db/sql';
import { GroupMode, GroupStatus } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { DateTime } from '../graphql/scalars';
import { likePattern } from '../memberships/sql';

@InputType()
export class GroupFilter {
  @Field(() => String, { nullable: true }) nameContains?: string | null;
  @Field(() => [GroupMode], { nullable: true }) modes?: GroupMode[] | null;
  @Field(() => [GroupStatus], { nullable: true }) statuses?: GroupStatus[] | null;
  @Field(() => Boolean, { nullable: true }) crossJurisdiction?: boolean | null;
  @Field(() => DateTime, { nullable: true }) updatedSince?: Date | null;
}

/** Number of county-level jurisdictions among group `g`'s active memberships (lead included). */
export function countyCount(g: string): Sql {
  return sql`(SELECT count(DISTINCT xc.jurisdiction_id) FROM group_membership xm JOIN campus xc ON xc.id = xm.campus_id
    WHERE xm.group_id = ${raw(g)}.id AND xm.status = 'ACTIVE')`;
}

export function groupWhere(ctx: Context, g: string, f?: GroupFilter | null): Sql {
  const G = raw(g);
  return and([
    ctx.scope.visible('EducationGroup', g),
    f?.nameContains && sql`${G}.name ILIKE ${likePattern(f.nameContains)}`,
    f?.modes && sql`${G}.mode = ANY(${f.modes}::text[])`,
    f?.statuses && sql`${G}.status = ANY(${f.statuses}::text[])`,
    f?.crossJurisdiction === true && sql`${countyCount(g)} > 1`,
    f?.crossJurisdiction === false && sql`${countyCount(g)} <= 1`,
    f?.updatedSince && sql`${G}.updated_at >= ${f.updatedSince}`,
  ]);
}
