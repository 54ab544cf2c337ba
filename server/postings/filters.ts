import { Field, InputType } from 'type-graphql';
import { schoolYearOf } from '../calendar';
import { and, raw, sql, Sql } from '../db/sql';
import { PostingStatus, PostingType } from '../graphql/enums';
import type { Context } from '../graphql/context';
import { DateTime } from '../graphql/scalars';

@InputType()
export class PostingFilter {
  @Field(() => [PostingType], { nullable: true }) types?: PostingType[] | null;
  @Field(() => [PostingStatus], { nullable: true }) statuses?: PostingStatus[] | null;
  @Field(() => String, { nullable: true, description: 'Postings whose period overlaps this school year, e.g. 2024-2025 (1 Sep to 31 Aug).' })
  schoolYear?: string | null;
  @Field(() => DateTime, { nullable: true }) updatedSince?: Date | null;
}

/** Posting `p`'s period overlaps [start, end] (an open-ended posting runs on). */
export function overlaps(p: string, start: string, end: string): Sql {
  const P = raw(p);
  return sql`${P}.start_date <= ${end}::date AND (${P}.end_date IS NULL OR ${P}.end_date >= ${start}::date)`;
}

export function postingWhere(ctx: Context, p: string, f?: PostingFilter | null): Sql {
  const P = raw(p);
  const year = f?.schoolYear ? schoolYearOf(f.schoolYear, 'filter.schoolYear') : null;
  return and([
    ctx.scope.visible('Posting', p),
    f?.types && sql`${P}.type = ANY(${f.types}::text[])`,
    f?.statuses && sql`${P}.status = ANY(${f.statuses}::text[])`,
    year && overlaps(p, year.start, year.end),
    f?.updatedSince && sql`${P}.updated_at >= ${f.updatedSince}`,
  ]);
}
