import { DEFAULT_MAX_CIRCUITS } from '../core/resolve-module-options.js';
import type {
  CircuitBreakerOpenTelemetryOptions,
  OpenTelemetryMeter,
} from './circuit-breaker-opentelemetry-options.interface.js';
import { checkBuckets, checkMaxCircuits, metricsOptionError } from './metrics-option-checks.js';
import { DEFAULT_DURATION_BUCKETS } from './resolve-metrics-options.js';

export type ResolvedOpenTelemetryOptions = Required<
  Omit<CircuitBreakerOpenTelemetryOptions, 'meter'>
> &
  Pick<CircuitBreakerOpenTelemetryOptions, 'meter'>;

/** The members of a `Meter` the metrics call: a meter without one would fail at first use. */
const METER_MEMBERS: ReadonlyArray<keyof OpenTelemetryMeter> = [
  'createObservableCounter',
  'createObservableUpDownCounter',
  'createHistogram',
  'addBatchObservableCallback',
  'removeBatchObservableCallback',
];

/**
 * Checks `openTelemetry` and fills in the defaults, so that a mistake stops the application at
 * start-up. The circuits reported are bounded by the registry's own cap (`registryMaxCircuits`),
 * unless `openTelemetry.maxCircuits` sets a lower one; the buckets default to the Prometheus
 * metrics' own, so that both exporters show the same histogram.
 */
export function resolveOpenTelemetryOptions(
  openTelemetry: CircuitBreakerOpenTelemetryOptions,
  registryMaxCircuits = DEFAULT_MAX_CIRCUITS,
): ResolvedOpenTelemetryOptions {
  if (typeof openTelemetry !== 'object' || openTelemetry === null) {
    throw metricsOptionError('openTelemetry', openTelemetry, 'an object such as {} or { meter }');
  }
  const {
    meter,
    maxCircuits = registryMaxCircuits,
    buckets = DEFAULT_DURATION_BUCKETS,
  } = openTelemetry;
  if (
    meter !== undefined &&
    (typeof meter !== 'object' ||
      meter === null ||
      METER_MEMBERS.some((member) => typeof meter[member] !== 'function'))
  ) {
    throw metricsOptionError(
      'openTelemetry.meter',
      meter,
      'an OpenTelemetry Meter, such as metrics.getMeter(name)',
    );
  }
  checkMaxCircuits('openTelemetry.maxCircuits', maxCircuits);
  checkBuckets('openTelemetry.buckets', buckets);
  return { meter, maxCircuits, buckets: [...buckets] };
}
