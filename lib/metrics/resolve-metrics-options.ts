import { DEFAULT_MAX_CIRCUITS } from '../core/resolve-module-options.js';
import type { CircuitBreakerMetricsOptions } from './circuit-breaker-metrics-options.interface.js';
import { checkBuckets, checkMaxCircuits, metricsOptionError } from './metrics-option-checks.js';

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
    throw metricsOptionError('metrics', metrics, 'an object such as {} or { registry }');
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
    throw metricsOptionError('metrics.registry', registry, 'a prom-client Registry');
  }
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) {
    throw metricsOptionError(
      'metrics.prefix',
      prefix,
      'letters, digits, _ and : (not starting with a digit)',
    );
  }
  checkMaxCircuits('metrics.maxCircuits', maxCircuits);
  checkBuckets('metrics.buckets', buckets);
  return { registry, prefix, maxCircuits, buckets: [...buckets] };
}
