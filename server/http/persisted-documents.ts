import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';
import { GraphQLError } from 'graphql';
import { hubError } from '../graphql/errors';
import { withStatus } from './input';
import { projectPath } from '../paths';

/**
 * Persisted documents: the SDK's codegen writes sdk/persisted-documents.json, an object
 * mapping the sha256 (hex) of each operation's exact text to that text. The hub loads it once
 * at start, read-only (every replica ships the same file, so nothing is shared at run time),
 * and answers a request that sends only `extensions.persistedQuery { version: 1, sha256Hash }`
 * with the manifest's document, through Apollo Server's own APQ path: the manifest is the
 * first tier of its persisted-query cache, and automatic persisted queries (hash + query
 * registers the document) keep working for every other document in a bounded in-memory tier.
 * An API client marked persisted-only may run manifest documents only.
 */
export const DEFAULT_PERSISTED_DOCUMENTS = projectPath('sdk', 'persisted-documents.json');

export interface PersistedDocuments {
  /** The file read (or looked for). */
  readonly file: string;
  /** False when the default file did not exist at start: the manifest is empty. */
  readonly found: boolean;
  /** sha256 hex of the exact document text → that text. */
  readonly byHash: ReadonlyMap<string, string>;
}

export const sha256Hex = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Reads the manifest: `file` (an option), else HUB_PERSISTED_DOCUMENTS, else the SDK's
 * sdk/persisted-documents.json. A missing default file is an empty manifest (the SDK has not
 * been generated yet); a configured file that is missing, or an entry whose key is not the
 * sha256 of its text, stops the start: a broken manifest is a deployment error.
 */
export function loadPersistedDocuments(file?: string, env: NodeJS.ProcessEnv = process.env, fallback = DEFAULT_PERSISTED_DOCUMENTS): PersistedDocuments {
  const configured = file ?? (env.HUB_PERSISTED_DOCUMENTS || undefined);
  const at = path.resolve(configured ?? fallback);
  let text: string;
  try {
    text = fs.readFileSync(at, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !configured) return { file: at, found: false, byHash: new Map() };
    throw new Error(`persisted documents: cannot read ${at}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`persisted documents: ${at} is not JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`persisted documents: ${at} must hold an object mapping sha256 hashes to documents`);
  }
  const byHash = new Map<string, string>();
  for (const [hash, doc] of Object.entries(parsed)) {
    if (typeof doc !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || sha256Hex(doc) !== hash) {
      throw new Error(`persisted documents: in ${at}, ${hash} is not the sha256 (lowercase hex) of its document`);
    }
    byHash.set(hash, doc);
  }
  return { file: at, found: true, byHash };
}

/** The bound of the in-memory tier of automatic persisted queries (characters of document text). */
const APQ_MAX_CHARS = 32 * 1024 * 1024;

/**
 * Apollo Server's persisted-query cache (a KeyValueCache): the manifest first, read-only, then
 * the documents clients registered with APQ, least recently used dropped beyond a bound. Apollo
 * prefixes its keys with "apq:".
 */
export class PersistedDocumentCache {
  private readonly registered = new Map<string, string>();
  private chars = 0;

  constructor(private readonly manifest: ReadonlyMap<string, string>) {}

  private static hashOf(key: string): string {
    return key.startsWith('apq:') ? key.slice(4) : key;
  }

  async get(key: string): Promise<string | undefined> {
    const hash = PersistedDocumentCache.hashOf(key);
    const fixed = this.manifest.get(hash);
    if (fixed !== undefined) return fixed;
    const doc = this.registered.get(hash);
    if (doc !== undefined) {
      // Most recently used last.
      this.registered.delete(hash);
      this.registered.set(hash, doc);
    }
    return doc;
  }

  async set(key: string, value: string): Promise<void> {
    const hash = PersistedDocumentCache.hashOf(key);
    if (this.manifest.has(hash) || value.length > APQ_MAX_CHARS) return;
    await this.delete(key);
    this.registered.set(hash, value);
    this.chars += value.length;
    for (const [oldest, doc] of this.registered) {
      if (this.chars <= APQ_MAX_CHARS) break;
      this.registered.delete(oldest);
      this.chars -= doc.length;
    }
  }

  async delete(key: string): Promise<boolean> {
    const hash = PersistedDocumentCache.hashOf(key);
    const doc = this.registered.get(hash);
    if (doc === undefined) return false;
    this.registered.delete(hash);
    this.chars -= doc.length;
    return true;
  }
}

/** The document text and persisted-query hash a GraphQL request over HTTP carries (POST body or GET parameters). */
/** What identifies the document of a request: its method and parsed body (POST), else its query string. */
type DocumentRequest = { method?: string; body?: unknown; query?: unknown; url?: string };
function requestDocument(req: DocumentRequest): { query?: unknown; hash?: unknown } {
  if (req.method === 'POST') {
    const body = req.body as { query?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
    return { query: body.query, hash: body.extensions?.persistedQuery?.sha256Hash };
  }
  const params = req.query as Record<string, unknown>;
  let hash: unknown;
  if (typeof params.extensions === 'string') {
    try {
      hash = JSON.parse(params.extensions)?.persistedQuery?.sha256Hash;
    } catch {
      hash = undefined;
    }
  }
  return { query: params.query, hash };
}

/**
 * Whether the request runs a manifest document: its text when it sends one (whatever hash it
 * names beside it), else the document its hash names.
 */
export function runsPersistedDocument(docs: PersistedDocuments, req: DocumentRequest): boolean {
  const { query, hash } = requestDocument(req);
  if (typeof query === 'string' && query !== '') return docs.byHash.has(sha256Hex(query));
  return typeof hash === 'string' && docs.byHash.has(hash);
}

/** A persisted-only API client sent another document: FORBIDDEN (HTTP 403), before anything runs. */
export function persistedOnlyRefusal(): GraphQLError {
  return withStatus(
    hubError(
      'FORBIDDEN',
      "This API client may run persisted documents only: send one of the hub's persisted documents (the SDK's operations) by its sha256 hash in extensions.persistedQuery; other documents are refused",
    ),
    403,
  );
}
