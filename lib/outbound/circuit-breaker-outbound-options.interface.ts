import type { CircuitOptions } from '../engine/circuit-options.js';

/**
 * `CircuitBreakerModule.forRoot({ outbound })`: one circuit per origin (scheme + host + port) for
 * the calls the application makes, named `outbound:<origin>` (never a path nor a query). Off by
 * default; each client is protected only when its own option asks for it.
 */
export interface CircuitBreakerOutboundOptions {
  /** The options of every origin's circuit, over the module's `defaults`. */
  defaults?: CircuitOptions;
  /**
   * Per-origin options, over `defaults`: an exact origin (`'https://payments.example.com'`,
   * `'http://10.0.0.7:8080'`) or a host wildcard (`'https://*.example.com'`: any host ending in
   * `.example.com`, on that scheme and port). Layered: `defaults`, the longest matching
   * wildcard, then the exact origin.
   */
  origins?: Record<string, CircuitOptions>;
  /**
   * How many origin circuits exist at once, at most. Default 500: far more than the dependencies
   * of one service, few enough that their metric series (about a dozen per circuit) stay within
   * what a scrape holds. At the bound the least recently used closed, idle origin is evicted;
   * when none can be, a call to a new origin is refused with `TooManyOriginsError`.
   */
  maxOrigins?: number;
  /**
   * An origin's circuit unused for this long, closed and with nothing in flight, is removed
   * (it loses nothing: a new one starts closed, as it was). Whole milliseconds; default 600 000.
   */
  idleMs?: number;
  /** Protects every `HttpService` of `@nestjs/axios` (and `HttpModule.register` instances). */
  httpService?: boolean;
  /**
   * `'global'`: installs the interceptor on undici's global dispatcher (what Node's `fetch`
   * uses) at module init, and puts the previous dispatcher back at shutdown. Needs `undici` ≥ 7.
   */
  fetch?: 'global' | false;
}
