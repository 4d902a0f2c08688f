/**
 * A `Retry-After` header's wait in milliseconds: delay-seconds or an HTTP date, never below 0
 * nor above `maxMs` (an upstream cannot hold its callers longer than a circuit stays open).
 * `undefined` when there is none or it cannot be read.
 */
export function retryAfterMs(
  header: string | readonly string[] | undefined | null,
  maxMs: number,
  now = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1_000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), maxMs);
}
