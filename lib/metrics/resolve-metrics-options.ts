import { inspect } from 'node:util';
import { DEFAULT_MAX_CIRCUITS } from '../core/resolve-module-options.js';
import type { CircuitBreakerMetricsOptions } from './circuit-breaker-metrics-options.interface.js';

export const DEFAULT_METRICS_PREFIX = 'circuit_breaker_';
/** From 5 ms to 10 s: calls to a dependency, fast answers from a cache to slow timeouts. */
export const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type ResolvedMetricsOptions = Required<Omit<CircuitBreakerMetricsOptions, 'registry'>> &
  Pick<CircuitBreakerMetricsOptions, 'registry'>;

/**
 * Checks `metrics` and fills in the defaults, so that a mistake stops the application at
 * start-up. The series are bounded by the registry's own cap (`registryMaxCircuits`), unless
 * `metrics.maxCircuits` sets a lower one.
 */
export function resolveMetricsOptions(
  metrics: CircuitBreakerMetricsOptions,
  registryMaxCircuits = DEFAULT_MAX_CIRCUITS,
): ResolvedMetricsOptions {
  if (typeof metrics !== 'object' || metrics === null) {
    throw metricsError('metrics', metrics, 'an object such as {} or { registry }');
  }
  const {
    registry,
    prefix = DEFAULT_METRICS_PREFIX,
    maxCircuits = registryMaxCircuits,
    buckets = DEFAULT_DURATION_BUCKETS,
  } = metrics;
  if (
    registry !== undefined &&
    typeof (registry as { registerMetric?: unknown }).registerMetric !== 'function'
  ) {
    throw metricsError('metrics.registry', registry, 'a prom-client Registry');
  }
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) {
    throw metricsError(
      'metrics.prefix',
      prefix,
      'letters, digits, _ and : (not starting with a digit)',
    );
  }
  if (!Number.isSafeInteger(maxCircuits) || maxCircuits < 1) {
    throw metricsError('metrics.maxCircuits', maxCircuits, 'a whole number ≥ 1');
  }
  const increasing =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every(
      (b, i) =>
        typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!),
    );
  if (!increasing) {
    throw metricsError('metrics.buckets', buckets, 'increasing numbers of seconds > 0');
  }
  return { registry, prefix, maxCircuits, buckets: [...buckets] };
}

function metricsError(option: string, value: unknown, expected: string): Error {
  return new Error(
    `CircuitBreakerModule: ${option} must be ${expected}, got ${inspect(value, { depth: 0 })}`,
  );
}
