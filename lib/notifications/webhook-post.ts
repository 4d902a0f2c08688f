import type { ResolvedWebhook } from './resolve-notifications-options.js';

export type PostResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Worth another try: a network error, a timeout, a 5xx or a 429. */
      readonly retry: boolean;
      /** What went wrong, fit for a log: a status or an error code, never a URL or a header. */
      readonly problem: string;
      /** What a 429 or 503 asked for in `Retry-After`. */
      readonly retryAfterMs?: number;
    };

const TIMED_OUT = Symbol('timed out');

/**
 * One POST of `body` to `webhook`, abandoned after `timeoutMs` or when `stop` aborts. Never
 * rejects. `connection: close`, so that no socket of fetch's shared pool outlives the message:
 * notifications are rare, a new connection each costs nothing that matters. Redirects are not
 * followed: they would carry the webhook's headers, tokens included, wherever they point.
 */
export async function postMessage(
  webhook: ResolvedWebhook,
  body: string,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<PostResult> {
  if (stop.aborted) return { ok: false, retry: false, problem: 'stopped' };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
  const stopped = () => controller.abort(stop.reason);
  stop.addEventListener('abort', stopped, { once: true });
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: requestHeaders(webhook),
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    await response.body?.cancel().catch(() => {});
    return answer(response);
  } catch (error) {
    if (controller.signal.reason === TIMED_OUT) {
      return { ok: false, retry: true, problem: `no answer within ${timeoutMs} ms` };
    }
    if (stop.aborted) return { ok: false, retry: false, problem: 'stopped' };
    return { ok: false, retry: true, problem: `network error${codeOf(error)}` };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', stopped);
  }
}

function requestHeaders({ headers }: ResolvedWebhook): Headers {
  const all = new Headers({ 'content-type': 'application/json' });
  for (const [name, value] of Object.entries(headers)) all.set(name, value);
  all.set('connection', 'close');
  return all;
}

function answer(response: Response): PostResult {
  const { status } = response;
  if (status >= 200 && status < 300) return { ok: true };
  const problem = `HTTP ${status}`;
  if (status >= 300 && status < 400) {
    return { ok: false, retry: false, problem: `${problem} (a redirect: give the final URL)` };
  }
  const retry = status >= 500 || status === 429;
  return {
    ok: false,
    retry,
    problem,
    retryAfterMs: retryAfter(response.headers.get('retry-after')),
  };
}

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1_000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The system error code under fetch's `TypeError: fetch failed` (ECONNREFUSED…): never a message. */
function codeOf(error: unknown): string {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? ` (${code})` : '';
}
