import { resolveCircuitOptions, type CircuitOptions } from '../engine/circuit-options.js';
import { CircuitOptionsError } from '../engine/errors/circuit-options.error.js';
import { isPlainObject } from '../core/resolve-module-options.js';
import type { CircuitBreakerOutboundOptions } from './circuit-breaker-outbound-options.interface.js';
import { originOf } from './origin-of.js';

/** See `maxOrigins`: far above one service's dependencies, within a scrape's series budget. */
export const DEFAULT_MAX_ORIGINS = 500;
export const DEFAULT_IDLE_MS = 600_000;

/** A host wildcard of `origins`: `https://*.example.com` is `{ prefix: 'https://', suffix: '.example.com' }`. */
interface OriginPattern {
  readonly scheme: string;
  /** `.example.com:8443`, or `.example.com` on the scheme's default port. */
  readonly suffix: string;
  readonly options: CircuitOptions;
}

/** The outbound options, checked, defaults filled in. */
export interface ResolvedOutboundOptions {
  readonly defaults: CircuitOptions | undefined;
  readonly exact: ReadonlyMap<string, CircuitOptions>;
  /** Longest suffix first: the most specific wildcard wins. */
  readonly patterns: readonly OriginPattern[];
  readonly maxOrigins: number;
  readonly idleMs: number;
  readonly httpService: boolean;
  readonly fetch: 'global' | false;
}

/**
 * Checks `outbound` at start-up: every mistake is a `CircuitOptionsError` naming the option,
 * and every origin's circuit options are resolved once, so that a bad one fails here rather than
 * on the first call to that origin.
 */
export function resolveOutboundOptions(options: unknown): ResolvedOutboundOptions {
  if (options === undefined) options = {};
  if (!isPlainObject(options))
    throw outboundError('', options, 'an object such as { httpService: true }');
  const { defaults, origins, maxOrigins, idleMs, httpService, fetch } =
    options as CircuitBreakerOutboundOptions;
  if (defaults !== undefined && !isPlainObject(defaults)) {
    throw outboundError('.defaults', defaults, 'an object of circuit options');
  }
  resolveCircuitOptions('outbound', defaults);
  if (maxOrigins !== undefined && !(Number.isSafeInteger(maxOrigins) && maxOrigins >= 1)) {
    throw outboundError('.maxOrigins', maxOrigins, 'a whole number ≥ 1');
  }
  if (idleMs !== undefined && !(Number.isSafeInteger(idleMs) && idleMs >= 1)) {
    throw outboundError('.idleMs', idleMs, 'a whole number of milliseconds ≥ 1');
  }
  if (httpService !== undefined && typeof httpService !== 'boolean') {
    throw outboundError('.httpService', httpService, 'true or false');
  }
  if (fetch !== undefined && fetch !== false && fetch !== 'global') {
    throw outboundError('.fetch', fetch, "'global' or false");
  }
  const exact = new Map<string, CircuitOptions>();
  const patterns: OriginPattern[] = [];
  if (origins !== undefined) {
    if (!isPlainObject(origins)) {
      throw outboundError('.origins', origins, 'an object of circuit options by origin');
    }
    for (const [key, given] of Object.entries(origins)) {
      const option = `.origins[${JSON.stringify(key)}]`;
      if (!isPlainObject(given)) throw outboundError(option, given, 'an object of circuit options');
      resolveCircuitOptions(`outbound:${key}`, defaults, given);
      const pattern = patternOf(key);
      if (pattern !== undefined) {
        patterns.push({ ...pattern, options: given });
        continue;
      }
      const origin = originOf(key);
      if (origin === undefined || !isBareOrigin(key)) {
        throw outboundError(
          option,
          key,
          "an origin such as 'https://payments.example.com' or 'https://*.example.com' (no path)",
        );
      }
      exact.set(origin, given);
    }
  }
  patterns.sort((a, b) => b.suffix.length - a.suffix.length);
  return {
    defaults,
    exact,
    patterns,
    maxOrigins: maxOrigins ?? DEFAULT_MAX_ORIGINS,
    idleMs: idleMs ?? DEFAULT_IDLE_MS,
    httpService: httpService ?? false,
    fetch: fetch ?? false,
  };
}

/**
 * The options an origin's circuit is built with: `defaults`, then the most specific wildcard
 * that matches it, then its exact entry.
 */
export function originOptions(resolved: ResolvedOutboundOptions, origin: string): CircuitOptions {
  const wildcard = resolved.patterns.find(
    ({ scheme, suffix }) => origin.startsWith(scheme) && origin.endsWith(suffix),
  )?.options;
  return { ...resolved.defaults, ...wildcard, ...resolved.exact.get(origin) };
}

/** `https://*.example.com[:port]` as scheme and suffix, or `undefined` when it is not a wildcard. */
function patternOf(key: string): Omit<OriginPattern, 'options'> | undefined {
  const match = /^(https?:\/\/)\*(\.[a-z0-9.-]+)(:\d+)?$/i.exec(key);
  if (match === null) return undefined;
  const [, scheme, host, port] = match;
  // The port as an origin writes it: left out when it is the scheme's default.
  const origin = originOf(`${scheme}x${host}${port ?? ''}`);
  if (origin === undefined) return undefined;
  return { scheme: scheme!.toLowerCase(), suffix: origin.slice(scheme!.length + 1) };
}

/** Whether `key` is an origin alone: no path, query, fragment nor credentials. */
function isBareOrigin(key: string): boolean {
  const url = new URL(key);
  return (
    url.pathname === '/' &&
    !key.endsWith('/') &&
    url.search === '' &&
    url.hash === '' &&
    url.username === ''
  );
}

function outboundError(option: string, value: unknown, expected: string): CircuitOptionsError {
  return new CircuitOptionsError('', `outbound${option}`, value, expected, 'CircuitBreakerModule');
}
