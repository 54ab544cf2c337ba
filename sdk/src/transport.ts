import { codeOfStatus, GraphQLErrorEntry, HubError, HubErrorCode } from './errors.js';
import { parseRetryAfter } from './retry.js';

/** The part of the Fetch API the client uses: pass any implementation (undici, node-fetch, a test double). */
export type FetchLike = (url: string, init: {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
}) => Promise<ResponseLike>;

export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface GraphQLRequestBody {
  query?: string;
  operationName?: string;
  variables?: unknown;
  extensions?: { persistedQuery?: { version: 1; sha256Hash: string } };
}

interface GraphQLResponseBody {
  data?: unknown;
  errors?: GraphQLErrorEntry[];
  extensions?: Record<string, unknown>;
}

export interface TransportOptions {
  url: string;
  fetch: FetchLike;
  timeoutMs: number;
  headers: () => Promise<Record<string, string>>;
}

/**
 * One HTTP attempt: POST the body, read the answer, and turn anything but clean data into a
 * HubError (with whatever data came with it). A connection that was refused never reached the
 * hub: `notSent` tells the retry logic so.
 */
export async function post(t: TransportOptions, body: GraphQLRequestBody, signal?: AbortSignal): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new HubError({ code: 'TIMEOUT', message: `no answer from the hub within ${t.timeoutMs} ms` })), t.timeoutMs);
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let res: ResponseLike;
  let text: string;
  try {
    res = await t.fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(await t.headers()) },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    text = await res.text();
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (controller.signal.aborted && controller.signal.reason instanceof HubError) throw controller.signal.reason;
    throw networkError(e);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  return answer(res, text);
}

/** The client's own failures: nothing usable came back. */
function networkError(e: unknown): HubError {
  const cause = (e as { cause?: { code?: string } })?.cause;
  const err = new HubError({ code: 'NETWORK_ERROR', message: `cannot reach the hub: ${(cause as Error | undefined)?.message ?? (e as Error)?.message ?? e}`, cause: e });
  // Refused: the request never left; safe to repeat whatever it was.
  (err as { notSent?: boolean }).notSent = cause?.code === 'ECONNREFUSED';
  return err;
}

export function wasNotSent(e: HubError): boolean {
  return (e as { notSent?: boolean }).notSent === true || e.code === 'RATE_LIMITED';
}

function answer(res: ResponseLike, text: string): unknown {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  const headerRetryAfter = parseRetryAfter(res.headers.get('retry-after'));
  let body: GraphQLResponseBody | undefined;
  try {
    body = JSON.parse(text) as GraphQLResponseBody;
  } catch {
    body = undefined;
  }
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  if (errors.length) {
    const first = errors[0];
    const ext = first.extensions ?? {};
    const code = (typeof ext.code === 'string' ? ext.code : res.status >= 400 ? codeOfStatus(res.status) : 'INTERNAL_SERVER_ERROR') as HubErrorCode;
    const retryAfter = typeof ext.retryAfter === 'number' ? ext.retryAfter : headerRetryAfter;
    throw new HubError({
      code,
      message: first.message,
      field: typeof ext.field === 'string' ? ext.field : undefined,
      path: first.path,
      requestId,
      retryAfter,
      data: body?.data ?? undefined,
      status: res.status,
      errors,
    });
  }
  if (res.status < 200 || res.status >= 300 || !body || typeof body !== 'object' || !('data' in body)) {
    throw new HubError({
      code: codeOfStatus(res.status >= 300 ? res.status : 500),
      message: `HTTP ${res.status} from the hub${text ? `: ${text.slice(0, 200)}` : ''}`,
      requestId,
      retryAfter: headerRetryAfter,
      status: res.status,
    });
  }
  return body.data;
}
