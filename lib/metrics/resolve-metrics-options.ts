import type {
  CircuitBreakerMetricsGuard,
  CircuitBreakerMetricsOptions,
} from './circuit-breaker-metrics-options.interface.js';
import {
  checkOptionsObject,
  metricsOptionError,
  resolveSharedOptions,
} from './metrics-option-checks.js';

/** The default `metrics.prefix` of every metric's name. */
export const DEFAULT_METRICS_PREFIX = 'circuit_breaker_';

/** `metrics` once checked, with every default filled in (`registry` and the route may stay unset). */
export type ResolvedMetricsOptions = Required<
  Omit<CircuitBreakerMetricsOptions, 'registry' | 'path' | 'guards'>
> &
  Pick<CircuitBreakerMetricsOptions, 'registry' | 'path'> & {
    guards: CircuitBreakerMetricsGuard[];
  };

/**
 * Checks `metrics` and fills in the defaults, so that a mistake stops the application at
 * start-up. The series are bounded by the registry's own cap (`registryMaxCircuits`), unless
 * `metrics.maxCircuits` sets a lower one.
 */
export function resolveMetricsOptions(
  metrics: CircuitBreakerMetricsOptions,
  registryMaxCircuits: number,
): ResolvedMetricsOptions {
  checkOptionsObject('metrics', metrics, '{ registry }');
  const { registry, prefix = DEFAULT_METRICS_PREFIX } = metrics;
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
  return {
    registry,
    prefix,
    ...resolveSharedOptions('metrics', metrics, registryMaxCircuits),
    ...resolveMetricsRoute(metrics),
  };
}

/** `metrics.path` and `metrics.guards`, checked; `guards` defaults to none. */
export function resolveMetricsRoute({ path, guards = [] }: CircuitBreakerMetricsOptions): {
  path: string | undefined;
  guards: CircuitBreakerMetricsGuard[];
} {
  if (path !== undefined && (typeof path !== 'string' || path.trim() === '')) {
    throw metricsOptionError('metrics.path', path, "a route such as '/metrics'");
  }
  if (!Array.isArray(guards) || !guards.every(isGuard)) {
    throw metricsOptionError('metrics.guards', guards, 'an array of guard classes or instances');
  }
  return { path, guards: [...guards] };
}

/** A guard class (a function) or an object with `canActivate`. */
function isGuard(value: unknown): value is CircuitBreakerMetricsGuard {
  return (
    typeof value === 'function' ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { canActivate?: unknown }).canActivate === 'function')
  );
}
