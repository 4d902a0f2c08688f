import type { OutboundCircuits } from './outbound-circuits.js';
import type { HttpReply } from './outbound-reply.js';
import { isIdempotent, originOf } from './origin-of.js';

// What this file needs of axios, without importing it: axios is an optional peer.
type AxiosAdapter = (config: AxiosRequest) => Promise<unknown>;
interface AxiosRequest {
  url?: string;
  baseURL?: string;
  method?: string;
  signal?: unknown;
}
/** An axios instance, as far as protecting it goes. */
export interface AxiosInstanceLike {
  defaults: { adapter?: unknown };
}
/** axios's `getAdapter`, which turns `'http'`, `['xhr', 'http', 'fetch']`… into the adapter. */
export type GetAxiosAdapter = (adapter: unknown) => AxiosAdapter;

const PROTECTED = Symbol('nestjs-circuit-breaker.outbound');
type ProtectedAdapter = AxiosAdapter & {
  [PROTECTED]: { circuits: OutboundCircuits; original: unknown };
};

/**
 * Puts `instance`'s requests through their origin's circuit by wrapping its adapter: the
 * circuit sees each request from send to answer (exact half-open permits and in-flight counts),
 * its timeout aborts the real request through the config's `signal`, and a refused request
 * never reaches the adapter (no socket). Returns what undoes it; nothing when already protected.
 */
export function protectAxios(
  instance: AxiosInstanceLike,
  circuits: OutboundCircuits,
  getAdapter: GetAxiosAdapter,
): (() => void) | undefined {
  const original = instance.defaults.adapter;
  if (isProtected(original)) return undefined;
  let adapter: AxiosAdapter | undefined;
  const send = (config: AxiosRequest, signal: AbortSignal | undefined) => {
    adapter ??= getAdapter(original);
    return adapter(
      signal === undefined || signal === config.signal ? config : { ...config, signal },
    );
  };
  const protectedAdapter = ((config: AxiosRequest) => {
    const origin = originOf(isAbsolute(config.url) ? config.url : config.baseURL);
    if (origin === undefined) return send(config, undefined);
    return circuits.call({
      origin,
      idempotent: isIdempotent(config.method),
      signal: config.signal as AbortSignal | undefined,
      send: (signal) => send(config, signal),
      replyOf: axiosReply,
    });
  }) as ProtectedAdapter;
  protectedAdapter[PROTECTED] = { circuits, original };
  instance.defaults.adapter = protectedAdapter;
  return () => {
    if (instance.defaults.adapter === protectedAdapter) instance.defaults.adapter = original;
  };
}

function isProtected(adapter: unknown): boolean {
  return typeof adapter === 'function' && PROTECTED in adapter;
}

function isAbsolute(url: string | undefined): url is string {
  return url !== undefined && /^[a-z][a-z\d+\-.]*:\/\//i.test(url);
}

interface AxiosResponseLike {
  status?: unknown;
  headers?: Record<string, unknown> & { get?: (name: string) => unknown };
}

/** The status and `Retry-After` of an axios response, or of an error that carries one. */
function axiosReply(answer: unknown, thrown: boolean): HttpReply | undefined {
  const response = (thrown ? (answer as { response?: unknown } | null)?.response : answer) as
    AxiosResponseLike | undefined;
  if (typeof response?.status !== 'number') return undefined;
  const headers = response.headers;
  const retryAfter = headers?.['retry-after'] ?? headers?.get?.('retry-after');
  return { status: response.status, retryAfter: retryAfter as HttpReply['retryAfter'] };
}
