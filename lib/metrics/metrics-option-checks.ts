import { inspect } from 'node:util';

/** From 5 ms to 10 s: calls to a dependency, fast answers from a cache to slow timeouts. */
export const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The options both exporters have (`metrics.*` and `openTelemetry.*`), checked and defaulted. */
export interface SharedMetricsOptions {
  maxCircuits: number;
  buckets: number[];
}

/**
 * The first step of resolving an exporter's options: they must be an object, such as `{}` or
 * `example`. `option` names them as the user wrote them (`metrics`, `openTelemetry`).
 */
export function checkOptionsObject(
  option: string,
  given: unknown,
  example: string,
): asserts given is object {
  if (typeof given !== 'object' || given === null) {
    throw metricsOptionError(option, given, `an object such as {} or ${example}`);
  }
}

/**
 * The last step: `maxCircuits` (default: the registry's own cap, `registryMaxCircuits`) and
 * `buckets` (default: `DEFAULT_DURATION_BUCKETS`), checked in that order. Each resolver checks
 * its own options before calling this, so that a bad input gets the same first error as ever.
 */
export function resolveSharedOptions(
  option: string,
  given: Partial<SharedMetricsOptions>,
  registryMaxCircuits: number,
): SharedMetricsOptions {
  const { maxCircuits = registryMaxCircuits, buckets = DEFAULT_DURATION_BUCKETS } = given;
  checkMaxCircuits(`${option}.maxCircuits`, maxCircuits);
  checkBuckets(`${option}.buckets`, buckets);
  // A copy: the user's array may change after start-up; the histogram's bounds may not.
  return { maxCircuits, buckets: [...buckets] };
}

function checkMaxCircuits(option: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw metricsOptionError(option, value, 'a whole number ≥ 1');
  }
}

/** Histogram bucket bounds in seconds: at least one, each above zero and the one before. */
function checkBuckets(option: string, value: unknown): asserts value is number[] {
  const increasing =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (b, i) =>
        typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > value[i - 1]),
    );
  if (!increasing) throw metricsOptionError(option, value, 'increasing numbers of seconds > 0');
}

/** The start-up error for an exporter's option: what it must be, and what it was given. */
export function metricsOptionError(option: string, value: unknown, expected: string): Error {
  return new Error(
    `CircuitBreakerModule: ${option} must be ${expected}, got ${inspect(value, { depth: 0 })}`,
  );
}
