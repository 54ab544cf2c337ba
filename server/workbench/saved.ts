import crypto from 'node:crypto';
import { Kind, parse } from 'graphql';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize } from '../access/authority';
import { newId } from '../db/ids';
import { and, sql } from '../db/sql';
import { Connection, connectionTypes, paginate, tableSpec } from '../graphql/connection';
import type { Context } from '../graphql/context';
import { badInput, hubError, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { Jurisdiction } from '../jurisdictions/entity';
import { write, Writer } from '../writes/transaction';
import { SavedAnalysis } from './entity';

export { SavedAnalysis } from './entity';

/**
 * Saved analyses of the analysts' workbench (分析方案): a named GraphQL document, a description
 * and parameter values, kept with the bureau of the caller who saved it and shared, if its
 * owner says so, with that bureau's other callers.
 *
 * - Who reads them is the scope module's rule (access/rules.ts, `SavedAnalysis`): a BUREAU_ADMIN
 *   or ANALYST of J reads its own and those shared by callers of J exactly; other roles keep none.
 * - Who writes them is the write module's (access/authority.ts, `saveAnalysis` / `editAnalysis`):
 *   saving for one's own jurisdiction; changing, sharing and deleting by the owner only (same
 *   subject, role and jurisdiction). Analysts write these, and only these: records of their own
 *   work, not domain data.
 * - Every write is one transaction, audited (feed: false: not on the vendors' change feed).
 */

export const MAX_NAME = 200;
export const MAX_DESCRIPTION = 2000;
export const MAX_DOCUMENT = 20_000;
const MAX_PARAMETERS_TEXT = 10_000;
const MAX_PARAMETER_VALUE = 1_000;

export const { Connection: SavedAnalysisConnection } = connectionTypes(SavedAnalysis);

@InputType({ description: 'Saves a new analysis (no id) or changes one of your own (id): fields left out keep their value (a new one: description empty, parameters {}, not shared).' })
export class SaveAnalysisInput {
  @Field(() => ID, { nullable: true, description: 'The saved analysis to change; left out: a new one.' })
  id?: string | null;

  @Field(() => String, { nullable: true, description: `At most ${MAX_NAME} characters; required for a new analysis.` })
  name?: string | null;

  @Field(() => String, { nullable: true, description: `At most ${MAX_DESCRIPTION} characters.` })
  description?: string | null;

  @Field(() => String, { nullable: true, description: `A GraphQL document with exactly one operation, at most ${MAX_DOCUMENT} characters; required for a new analysis.` })
  document?: string | null;

  @Field(() => String, { nullable: true, description: 'Parameter values as JSON text: an object of string values, e.g. {"jurisdiction":"640502","schoolYear":"2025-2026"}.' })
  parameters?: string | null;

  @Field(() => Boolean, { nullable: true, description: "Share it with your bureau (the callers of your jurisdiction)." })
  shared?: boolean | null;
}

/** The document, checked: it parses and holds exactly one operation (fragments beside it are fine). */
export function checkDocument(field: string, text: string): string {
  if (!text.trim()) throw badInput(field, 'document must not be empty');
  if (text.length > MAX_DOCUMENT) throw badInput(field, `document must not be longer than ${MAX_DOCUMENT} characters`);
  let operations: number;
  try {
    operations = parse(text, { noLocation: true }).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  } catch (e) {
    throw badInput(field, `document is not a GraphQL document: ${(e as Error).message}`);
  }
  if (operations !== 1) throw badInput(field, `document must hold exactly one operation (it holds ${operations})`);
  return text;
}

/** Parameter values from JSON text: an object whose values are strings. */
export function checkParameters(field: string, text: string): Record<string, string> {
  if (text.length > MAX_PARAMETERS_TEXT) throw badInput(field, `parameters must not be longer than ${MAX_PARAMETERS_TEXT} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badInput(field, 'parameters must be JSON text: an object of string values');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput(field, 'parameters must be a JSON object of string values');
  for (const [k, v] of Object.entries(value)) {
    if (!/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(k)) throw badInput(field, `parameter name ${JSON.stringify(k.slice(0, 100))} is not a GraphQL variable name`);
    if (typeof v !== 'string') throw badInput(field, `parameter ${k} must be a string`);
    if (v.length > MAX_PARAMETER_VALUE) throw badInput(field, `parameter ${k} must not be longer than ${MAX_PARAMETER_VALUE} characters`);
    // PostgreSQL's text and jsonb hold neither NUL nor a lone surrogate: said here, naming the field.
    if (v.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/.test(v)) throw badInput(field, `parameter ${k} holds a character that cannot be stored (NUL or a lone surrogate)`);
  }
  return value as Record<string, string>;
}

function checkDescription(text: string): string {
  const t = text.trim();
  if ([...t].length > MAX_DESCRIPTION) throw badInput('input.description', `description must not be longer than ${MAX_DESCRIPTION} characters`);
  return t;
}

/** The columns an audit entry records (before/after of the changed ones). */
/**
 * What the audit trail keeps of an analysis: who owns it, whether it is shared, and a digest of
 * its content (name, description, document, parameters). The trail is read by the bureaus over
 * the jurisdiction (auditLog), who may not read an analysis that is not shared with them; the
 * digest shows that and when the content changed without showing it.
 */
function trail(row: Record<string, any>) {
  const { owner, shared, ...content } = audited(row);
  return { owner, shared, content: crypto.createHash('sha256').update(JSON.stringify(content), 'utf8').digest('hex') };
}

function audited(row: Record<string, any>) {
  // Keys sorted (jsonb keeps its own order), so equal values compare equal.
  const parameters = Object.fromEntries(Object.entries(row.parameters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { name: row.name, description: row.description, document: row.document, parameters, shared: row.shared, owner: `${row.owner_role}:${row.owner_subject}` };
}

/**
 * The saved analysis `id` names, locked for this transaction, when the caller may read it; a
 * caller who may keep none is refused (FORBIDDEN, naming who may), one who cannot see it gets
 * NOT_FOUND, and one who sees it without owning it FORBIDDEN (authority.ts `editAnalysis`).
 */
async function lockOwn(w: Writer, id: string, field: string): Promise<Record<string, any>> {
  const scope = w.ctx.scope;
  if (!scope.canRead('SavedAnalysis')) await authorize(w.ctx, 'editAnalysis', {});
  const uuid = uuidOf(id, 'SavedAnalysis');
  const row = uuid && await w.one(sql`SELECT s.* FROM saved_analysis s WHERE s.id = ${uuid}::uuid AND ${scope.visible('SavedAnalysis', 's')} FOR UPDATE`);
  if (!row) throw hubError('NOT_FOUND', 'saved analysis not found', { field });
  await authorize(w.ctx, 'editAnalysis', { owner: { subject: row.owner_subject, role: row.owner_role, jurisdiction: row.jurisdiction_id } });
  return row;
}

@Resolver(() => SavedAnalysis)
export class SavedAnalysisResolver {
  @Query(() => SavedAnalysisConnection, {
    description: "Saved analyses of the workbench (分析方案): your own and those shared in your bureau (BUREAU_ADMIN and ANALYST callers of the same jurisdiction), newest first; other roles keep none (an empty list).",
  })
  savedAnalyses(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<SavedAnalysis>> | Connection<SavedAnalysis> {
    if (!ctx.scope.canRead('SavedAnalysis')) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
    return paginate(ctx, { ...tableSpec(SavedAnalysis, 'saved_analysis', 's', and([ctx.scope.visible('SavedAnalysis', 's')])), descending: true }, { first, after });
  }

  @FieldResolver(() => String, { description: 'Parameter values as JSON text (an object of string values).' })
  parameters(@Root() s: SavedAnalysis): string {
    return JSON.stringify(s.parameterValues ?? {});
  }

  @FieldResolver(() => Boolean, { description: 'Whether you saved it (and so may change or delete it).' })
  mine(@Root() s: SavedAnalysis, @Ctx() ctx: Context): boolean {
    const c = ctx.scope.caller;
    return s.ownerSubject === c.subject && s.ownerRole === c.role && s.jurisdictionId === c.jurisdictionId;
  }

  @FieldResolver(() => String, { description: "Who saved it: the subject of the owner's token." })
  ownerName(@Root() s: SavedAnalysis): string {
    return s.ownerSubject;
  }

  @FieldResolver(() => Jurisdiction, { description: 'The bureau it is kept with: the jurisdiction its owner was anchored at.' })
  jurisdiction(@Root() s: SavedAnalysis, @Ctx() ctx: Context) {
    return ctx.required(Jurisdiction, s.jurisdictionId);
  }

  @Mutation(() => SavedAnalysis, {
    description: 'Saves an analysis of the workbench (BUREAU_ADMIN and ANALYST callers, kept with their jurisdiction), or changes one of your own (input.id).',
  })
  saveAnalysis(@Arg('input', () => SaveAnalysisInput) input: SaveAnalysisInput, @Ctx() ctx: Context): Promise<SavedAnalysis> {
    const c = ctx.scope.caller;
    return write(ctx, async (w) => {
      if (input.id == null) {
        // Authority first: a caller who may keep none is refused whatever it sent.
        await authorize(w.ctx, 'saveAnalysis', { places: { own: c.jurisdictionId ?? undefined } });
        if (input.name == null) throw badInput('input.name', 'name is required for a new analysis');
        if (input.document == null) throw badInput('input.document', 'document is required for a new analysis');
        const name = requireText('input.name', input.name, MAX_NAME);
        const document = checkDocument('input.document', input.document);
        const description = checkDescription(input.description ?? '');
        const parameters = checkParameters('input.parameters', input.parameters ?? '{}');
        const row = (await w.query(sql`INSERT INTO saved_analysis (id, jurisdiction_id, owner_subject, owner_role, name, description, document, parameters, shared)
          VALUES (${newId()}, ${c.jurisdictionId}, ${c.subject}, ${c.role}, ${name}, ${description}, ${document}, ${JSON.stringify(parameters)}::jsonb, ${input.shared ?? false})
          RETURNING *`))[0];
        await w.record({ action: 'saveAnalysis', entityType: 'SavedAnalysis', entityId: row.id, after: trail(row), jurisdictionIds: [row.jurisdiction_id], feed: false });
        return w.row(SavedAnalysis, row);
      }
      const before = await lockOwn(w, input.id, 'input.id');
      const next = {
        name: input.name == null ? before.name : requireText('input.name', input.name, MAX_NAME),
        description: input.description == null ? before.description : checkDescription(input.description),
        document: input.document == null ? before.document : checkDocument('input.document', input.document),
        parameters: input.parameters == null ? before.parameters : checkParameters('input.parameters', input.parameters),
        shared: input.shared ?? before.shared,
      };
      // An identical repeated write writes nothing (no audit entry).
      if (JSON.stringify(audited({ ...before, ...next })) === JSON.stringify(audited(before))) return w.row(SavedAnalysis, before);
      const row = (await w.query(sql`UPDATE saved_analysis SET name = ${next.name}, description = ${next.description}, document = ${next.document},
          parameters = ${JSON.stringify(next.parameters)}::jsonb, shared = ${next.shared}, updated_at = now()
        WHERE id = ${before.id}::uuid RETURNING *`))[0];
      await w.record({ action: 'updateAnalysis', entityType: 'SavedAnalysis', entityId: row.id, before: trail(before), after: trail(row), jurisdictionIds: [row.jurisdiction_id], feed: false });
      return w.row(SavedAnalysis, row);
    });
  }

  @Mutation(() => ID, { description: 'Deletes one of your saved analyses; answers its id.' })
  deleteAnalysis(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<string> {
    return write(ctx, async (w) => {
      const before = await lockOwn(w, id, 'id');
      await w.query(sql`DELETE FROM saved_analysis WHERE id = ${before.id}::uuid`);
      await w.record({ action: 'deleteAnalysis', entityType: 'SavedAnalysis', entityId: before.id, before: trail(before), after: null, jurisdictionIds: [before.jurisdiction_id], operation: 'DELETE', feed: false });
      return id;
    });
  }
}
