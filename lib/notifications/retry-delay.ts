/**
 * The wait before retry number `retry` (0 for the first): drawn at random in [0, bound), the
 * bound doubling from `baseMs` up to `maxMs` ("full jitter"), so that senders that failed
 * together do not come back together. Never less than what the receiver asked for in
 * `Retry-After`, within `maxMs`.
 */
export function retryDelayMs(
  retry: number,
  baseMs: number,
  maxMs: number,
  askedMs = 0,
  random = Math.random,
): number {
  const bound = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.min(maxMs, Math.max(Math.floor(random() * bound), askedMs));
}
