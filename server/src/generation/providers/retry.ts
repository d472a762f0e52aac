/**
 * When and how long to wait before retrying a model request: 429 and 5xx answers and dropped
 * connections are retried with exponential backoff, and a `Retry-After` (seconds or an HTTP date)
 * or `retry-after-ms` header from the server wins over the computed delay, capped by a maximum.
 */

export interface BackoffPolicy {
  maxRetries: number;
  /** The first computed delay; each retry doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** True for the HTTP statuses worth retrying. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === 408 || status === 409 || status === 429 || (status !== undefined && status >= 500);
}

/** The delay a server asked for, in milliseconds, from headers read case-insensitively; undefined when absent or unreadable. */
export function retryAfterMs(header: (name: string) => string | null | undefined, now = Date.now()): number | undefined {
  const ms = header('retry-after-ms');
  if (ms && /^\d+(?:\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = header('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, serverAsked: number | undefined, random = Math.random): number {
  const computed = policy.baseDelayMs * 2 ** attempt * (0.75 + random() * 0.5);
  return Math.round(Math.min(policy.maxDelayMs, serverAsked ?? computed));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
