/** How retries of 429 and 503 answers (and of requests that never got an answer) are spaced. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns them off. Default 3. */
  retries?: number;
  /** The first wait; each retry doubles it, with jitter. Default 200 ms. */
  backoffMs?: number;
  /** No wait is longer, Retry-After included. Default 10 s. */
  backoffMaxMs?: number;
}

export const RETRIES_DEFAULT = 3;
export const BACKOFF_MS_DEFAULT = 200;
export const BACKOFF_MAX_MS_DEFAULT = 10_000;
/** What is retried: rate limited, and unavailable (the server's database is away, say). */
const RETRIED_STATUSES = new Set([429, 503]);

/** Waits `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A connection refused never reached the server: safe to send again, whatever the request. */
function neverSent(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === "ECONNREFUSED";
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or odd. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  if (!/ GMT$/.test(value.trim())) return undefined; // an IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT"
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A fetch that sends `request` again on 429 and 503 and when no answer came at all, waiting
 * Retry-After when the server gives one, else an exponential backoff with full jitter. A POST
 * is retried only with an Idempotency-Key (the client sets one on every route that takes it),
 * so that a retry of a write the server did apply replays its first answer instead of applying
 * it twice; a POST without one is sent again only when the connection was refused.
 */
export function retryingFetch(base: typeof fetch, options: RetryOptions = {}): typeof fetch {
  const retries = options.retries ?? RETRIES_DEFAULT;
  const backoffMs = options.backoffMs ?? BACKOFF_MS_DEFAULT;
  const backoffMaxMs = options.backoffMaxMs ?? BACKOFF_MAX_MS_DEFAULT;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError("retries must be an integer >= 0");
  if (!(backoffMs >= 0) || !(backoffMaxMs >= backoffMs)) throw new RangeError("need 0 <= backoffMs <= backoffMaxMs");

  return async (input, init) => {
    const request = new Request(input, init);
    const safe = request.method !== "POST" || request.headers.has("Idempotency-Key");
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries || !safe;
      let response: Response;
      try {
        response = await base(request.clone());
      } catch (error) {
        if (attempt >= retries || request.signal.aborted || !(safe || neverSent(error))) throw error;
        await sleep(jitter(backoffMs, backoffMaxMs, attempt), request.signal);
        continue;
      }
      if (last || !RETRIED_STATUSES.has(response.status)) return response;
      const wait = retryAfterMs(response.headers.get("retry-after"));
      await response.body?.cancel();
      await sleep(Math.min(backoffMaxMs, wait ?? jitter(backoffMs, backoffMaxMs, attempt)), request.signal);
    }
  };
}

function jitter(backoffMs: number, backoffMaxMs: number, attempt: number): number {
  return Math.random() * Math.min(backoffMaxMs, backoffMs * 2 ** attempt);
}
