import { Field, InputType } from 'type-graphql';
import { and, raw, sql, Sql } from '../db/sql';
import { ResourceKind, SchoolStage } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { DateTime } from '../graphql/scalars';
import { likePattern } from '../memberships/sql';

@InputType()
export class ResourceFilter {
  @Field(() => [ResourceKind], { nullable: true }) kinds?: ResourceKind[] | null;
  @Field(() => String, { nullable: true }) subject?: string | null;
  @Field(() => [SchoolStage], { nullable: true }) stages?: SchoolStage[] | null;
  @Field(() => String, { nullable: true, description: 'Matches title, description and tags.' }) text?: string | null;
  @Field(() => DateTime, { nullable: true }) updatedSince?: Date | null;
}

/** Live (not deleted) resources `r` the filter keeps and the caller may see. */
export function resourceWhere(ctx: Context, r: string, f?: ResourceFilter | null): Sql {
  const R = raw(r);
  const text = f?.text ? likePattern(f.text) : null;
  return and([
    sql`${R}.deleted_at IS NULL`,
    ctx.scope.visible('Resource', r),
    f?.kinds && sql`${R}.kind = ANY(${f.kinds}::text[])`,
    f?.subject && sql`${R}.subject = ${f.subject}`,
    f?.stages && sql`${R}.stages && ${f.stages}::text[]`,
    text && sql`(${R}.title ILIKE ${text} OR ${R}.description ILIKE ${text} OR EXISTS (SELECT 1 FROM unnest(${R}.tags) t WHERE t ILIKE ${text}))`,
    f?.updatedSince && sql`${R}.updated_at >= ${f.updatedSince}`,
  ]);
}
