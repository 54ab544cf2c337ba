/**
 * Typed documents without a GraphQL runtime: the text travels as a string, the result and
 * variables types ride along. Shaped like @graphql-typed-document-node/core's
 * DocumentTypeDecoration, so documents typed by other tools (TypedDocumentNode from
 * graphql-codegen's client preset or typed-document-node) are accepted by hub.request too.
 */
export interface DocumentTypeDecoration<TResult, TVariables> {
  /** Type-only: never set at run time. */
  __apiType?: (variables: TVariables) => TResult;
}

/** A document the SDK generated: its text and the sha256 hex of that text (persisted documents). */
export interface TypedDocumentString<TResult, TVariables> extends DocumentTypeDecoration<TResult, TVariables> {
  readonly text: string;
  readonly hash: string;
  toString(): string;
}

/** A parsed document (graphql-js DocumentNode) as far as the SDK needs it: its source text. */
export interface DocumentNodeLike {
  readonly kind: 'Document';
  readonly loc?: { readonly source: { readonly body: string } };
}

/** Anything hub.request accepts. */
export type AnyDocument<TResult, TVariables> =
  | TypedDocumentString<TResult, TVariables>
  | (DocumentNodeLike & DocumentTypeDecoration<TResult, TVariables>)
  | (string & DocumentTypeDecoration<TResult, TVariables>)
  | (String & DocumentTypeDecoration<TResult, TVariables>);

export function typedDocument<TResult, TVariables>(text: string, hash: string): TypedDocumentString<TResult, TVariables> {
  return { text, hash, toString: () => text };
}

/** The text of a document, and its hash when the SDK generated it. */
export function documentText(doc: AnyDocument<unknown, never>): { text: string; hash?: string } {
  if (typeof doc === 'string' || doc instanceof String) return { text: String(doc) };
  if ('text' in doc && typeof doc.text === 'string') return { text: doc.text, hash: (doc as TypedDocumentString<unknown, never>).hash };
  const body = (doc as DocumentNodeLike).loc?.source.body;
  if (typeof body !== 'string') {
    throw new TypeError('hub.request: this DocumentNode has no source text (parsed with noLocation?): pass the document as a string');
  }
  return { text: body };
}

/**
 * The result of a field selected once per kind under the kind's name (`Campus: node(id:) {
 * __typename ... on Campus {...} }`): the alias whose selection matched, i.e. the entity
 * of that kind, or null.
 */
export type MatchedKind<TData> = { [K in keyof TData]: Extract<NonNullable<TData[K]>, { __typename: K; id: string }> }[keyof TData] | null;

/** Picks the matched alias at run time (the others hold only a __typename naming another kind). */
export function matchedKind(data: Record<string, unknown> | null | undefined): unknown {
  for (const [alias, value] of Object.entries(data ?? {})) {
    if (value && typeof value === 'object' && (value as { __typename?: string }).__typename === alias) return value;
  }
  return null;
}
