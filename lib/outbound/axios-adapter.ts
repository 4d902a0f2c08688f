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
  adapter?: unknown;
}
interface AxiosInterceptors {
  use(
    fulfilled: (config: AxiosRequest) => AxiosRequest,
    rejected: undefined,
    options: { synchronous: boolean },
  ): number;
  eject(id: number): void;
}
/** An axios instance, as far as protecting it goes. */
export interface AxiosInstanceLike {
  defaults: { adapter?: unknown };
  interceptors: { request: AxiosInterceptors };
}
/**
 * What protecting an instance needs of the axios module: `getAdapter`, which turns `'http'`,
 * `['xhr', 'http', 'fetch']`… into the adapter, and the defaults axios falls back on when a
 * request's config names no adapter.
 */
export interface AxiosLike {
  getAdapter(adapter: unknown, config?: AxiosRequest): AxiosAdapter;
  defaults: { adapter?: unknown };
}

const PROTECTED = Symbol('nestjs-circuit-breaker.outbound');
type ProtectedAdapter = AxiosAdapter & { [PROTECTED]: OutboundCircuits };

/**
 * Puts every request of `instance` through its origin's circuit, whichever adapter it uses: the
 * instance's adapter is wrapped, and a request interceptor wraps the one a request names for
 * itself (`{ adapter: 'fetch' }`, a list, a function) or the instance was given later. An
 * adapter, not an interceptor alone, sends: the circuit sees each request from send to answer
 * (exact half-open permits and in-flight counts), its timeout aborts the real request through
 * the config's `signal`, and a refused request never reaches the adapter (no socket). An
 * adapter already protected is never wrapped again. Returns what undoes it; nothing when the
 * instance is protected already.
 */
export function protectAxios(
  instance: AxiosInstanceLike,
  circuits: OutboundCircuits,
  axios: AxiosLike,
): (() => void) | undefined {
  const original = instance.defaults.adapter;
  if (isProtected(original)) return undefined;
  const protectedAdapter = protectAdapter(original, circuits, axios);
  instance.defaults.adapter = protectedAdapter;
  // Synchronous: with no asynchronous interceptor of the app's, axios still sends at once.
  const interceptor = instance.interceptors.request.use(
    (config) => {
      // What axios itself will use: the config's adapter, else its module defaults'.
      const adapter = config.adapter || axios.defaults.adapter;
      if (!isProtected(adapter)) config.adapter = protectAdapter(adapter, circuits, axios);
      return config;
    },
    undefined,
    { synchronous: true },
  );
  return () => {
    instance.interceptors.request.eject(interceptor);
    if (instance.defaults.adapter === protectedAdapter) instance.defaults.adapter = original;
  };
}

/** `adapter` (a name, a list, a function) behind the circuit of each request's origin. */
function protectAdapter(
  adapter: unknown,
  circuits: OutboundCircuits,
  axios: AxiosLike,
): ProtectedAdapter {
  const send = (config: AxiosRequest, signal: AbortSignal | undefined) =>
    // Resolved per request, as axios does: the `fetch` adapter depends on the config.
    axios.getAdapter(
      adapter,
      config,
    )(signal === undefined || signal === config.signal ? config : { ...config, signal });
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
  protectedAdapter[PROTECTED] = circuits;
  return protectedAdapter;
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
