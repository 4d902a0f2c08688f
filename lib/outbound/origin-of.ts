/** The origins of URLs already parsed, by the text they were given as: a bounded memo. */
const parsed = new Map<string, string | undefined>();
const MAX_PARSED = 4_096;

/**
 * `url`'s origin (scheme + host + port, default ports left out, host lower-cased), or
 * `undefined` for what is not an absolute http(s) URL. Never the path, query or credentials.
 */
export function originOf(url: string | URL | undefined | null): string | undefined {
  if (url === undefined || url === null) return undefined;
  if (typeof url !== 'string') return httpOrigin(url);
  let origin = parsed.get(url);
  if (origin === undefined && !parsed.has(url)) {
    origin = URL.canParse(url) ? httpOrigin(new URL(url)) : undefined;
    if (parsed.size >= MAX_PARSED) parsed.clear();
    // Only origins are memoized: a full URL (with its path) would fill the memo with each path.
    if (origin === url) parsed.set(url, origin);
  }
  return origin;
}

function httpOrigin(url: URL): string | undefined {
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
}

/** The methods a retry may send again: those HTTP defines as idempotent. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Whether a request of `method` may be retried without being asked for (default GET). */
export function isIdempotent(method: string | undefined): boolean {
  return method === undefined || method === 'GET' || IDEMPOTENT.has(method.toUpperCase());
}
