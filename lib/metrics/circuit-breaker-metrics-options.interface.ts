import type { CanActivate, Type } from '@nestjs/common';

/**
 * A prom-client `Registry`, by the members the metrics use. Described here rather than imported,
 * so that the package's types compile in an app without prom-client; any prom-client Registry
 * is one.
 */
export interface PrometheusRegistry {
  registerMetric(metric: object): void;
  removeSingleMetric(name: string): void;
  getSingleMetric(name: string): unknown;
}

/**
 * `CircuitBreakerModule.forRoot({ metrics: {} })`: Prometheus metrics through `prom-client` (an
 * optional peer dependency, loaded only when `metrics` is given).
 *
 * @example
 * CircuitBreakerModule.forRoot({ metrics: {} }) // prom-client's default registry
 * CircuitBreakerModule.forRoot({ metrics: { registry: myRegistry, prefix: 'orders_' } })
 * CircuitBreakerModule.forRoot({ metrics: { path: '/metrics', guards: [ScrapeGuard] } }) // served
 */
export interface CircuitBreakerMetricsOptions {
  /**
   * Where the metrics are registered. Default: prom-client's default `register`, the one
   * `@willsoto/nestjs-prometheus` serves unless told otherwise.
   */
  registry?: PrometheusRegistry;
  /** Prefix of every metric name. Default `'circuit_breaker_'`. */
  prefix?: string;
  /**
   * At most this many circuits get series (the circuit name is a label): circuits built later
   * are left out, with one warning. Default: the module's `maxCircuits` (10 000), which bounds
   * the circuits themselves; a removed circuit frees its series and its place.
   */
  maxCircuits?: number;
  /** Buckets of the call duration histogram, in seconds. */
  buckets?: number[];
  /**
   * Serves the registry's Prometheus text (the circuit metrics and whatever else is in it) at
   * this route, under the app's global prefix, e.g. `'/metrics'`. Default: no route. Read when
   * `forRoot()` is called: a route cannot wait for `forRootAsync()`'s factory, which must leave
   * it out (start-up says so) and serve the registry from a controller of its own.
   */
  path?: string;
  /**
   * Guards for that route, as `@UseGuards()` takes them. A guard class is built in the
   * circuit-breaker module: what it injects must be global or exported to it. Default: none
   * (global guards still apply).
   */
  guards?: CircuitBreakerMetricsGuard[];
}

/** A guard for the metrics route: a class Nest builds and injects, or an instance. */
export type CircuitBreakerMetricsGuard = Type<CanActivate> | CanActivate;
