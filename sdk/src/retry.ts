import type { HubError } from './errors.js';

/**
 * When to try again, and after how long. Network errors, timeouts, 503 and 429 are
 * transient; a request whose effect is unknown (sent, but no answer) is repeated only when
 * repeating it is harmless: queries and the idempotent upserts. A 429 and a refused
 * connection mean the hub did nothing, so even other mutations are tried again.
 */
export interface RetryPolicy {
  /** Further attempts after the first. */
  maxRetries: number;
  /** First backoff, doubled each attempt. */
  baseDelayMs: number;
  /** Longest wait between attempts (a larger Retry-After is still honoured). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 300, maxDelayMs: 20_000 };

export function isRetryable(error: HubError, idempotent: boolean, notSent: boolean): boolean {
  if (error.code === 'RATE_LIMITED') return true;
  const transient = error.code === 'NETWORK_ERROR' || error.code === 'TIMEOUT' || error.code === 'SERVICE_UNAVAILABLE' || error.status === 503;
  return transient && (idempotent || notSent);
}

/**
 * Milliseconds to wait before attempt `attempt + 1`: the hub's Retry-After when it gave one
 * (plus a little jitter, so clients it turned away together do not return together), else
 * exponential backoff with full jitter.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number, random: () => number = Math.random): number {
  if (retryAfterSeconds !== undefined && retryAfterSeconds >= 0) return retryAfterSeconds * 1000 + Math.floor(random() * 250);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
