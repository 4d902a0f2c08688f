import type {
  CircuitBreakerOpenTelemetryOptions,
  OpenTelemetryMeter,
} from './circuit-breaker-opentelemetry-options.interface.js';
import {
  checkOptionsObject,
  metricsOptionError,
  resolveSharedOptions,
} from './metrics-option-checks.js';

/** `openTelemetry` once checked, with every default filled in (`meter` alone may stay unset). */
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
  registryMaxCircuits: number,
): ResolvedOpenTelemetryOptions {
  checkOptionsObject('openTelemetry', openTelemetry, '{ meter }');
  const { meter } = openTelemetry;
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
  return {
    meter,
    ...resolveSharedOptions('openTelemetry', openTelemetry, registryMaxCircuits),
  };
}
