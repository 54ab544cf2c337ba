import { Field, InputType } from 'type-graphql';
import { and, raw, sql, Sql } from '../db/sql';
import { ProfessionalTitle, StaffRole } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { DateTime } from '../graphql/scalars';
import { hubError } from '../graphql/errors';
import { likePattern } from '../memberships/sql';

@InputType()
export class StaffFilter {
  @Field(() => String, { nullable: true }) nameContains?: string | null;
  @Field(() => [StaffRole], { nullable: true }) roles?: StaffRole[] | null;
  @Field(() => [ProfessionalTitle], { nullable: true }) titles?: ProfessionalTitle[] | null;
  @Field(() => String, { nullable: true }) subject?: string | null;
  @Field(() => Boolean, { nullable: true }) backbone?: boolean | null;
  @Field(() => DateTime, { nullable: true }) updatedSince?: Date | null;
}

export function staffWhere(ctx: Context, s: string, f?: StaffFilter | null): Sql {
  const S = raw(s);
  if (f?.nameContains && ctx.scope.pseudonymiseStaff) {
    // Searching by real name would unmask pseudonymised staff.
    throw hubError('FORBIDDEN', 'ANALYST callers see staff pseudonymised and may not search them by name');
  }
  return and([
    ctx.scope.visible('Staff', s),
    f?.nameContains && sql`${S}.name ILIKE ${likePattern(f.nameContains)}`,
    f?.roles && sql`${S}.role = ANY(${f.roles}::text[])`,
    f?.titles && sql`${S}.title = ANY(${f.titles}::text[])`,
    f?.subject && sql`${f.subject} = ANY(${S}.subjects)`,
    typeof f?.backbone === 'boolean' && sql`${S}.backbone = ${f.backbone}`,
    f?.updatedSince && sql`${S}.updated_at >= ${f.updatedSince}`,
  ]);
}
