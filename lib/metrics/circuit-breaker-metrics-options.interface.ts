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
}
