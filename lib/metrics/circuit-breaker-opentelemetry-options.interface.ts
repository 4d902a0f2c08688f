/**
 * An OpenTelemetry `Meter` (from `@opentelemetry/api`), by the members the metrics use.
 * Described here rather than imported, so that the package's types compile in an app without
 * `@opentelemetry/api`; any `Meter`, `metrics.getMeter(...)` or an SDK's, is one.
 */
export interface OpenTelemetryMeter {
  createObservableCounter(name: string, options?: object): object;
  createObservableUpDownCounter(name: string, options?: object): object;
  createHistogram(
    name: string,
    options?: object,
  ): { record(value: number, attributes?: object): void };
  addBatchObservableCallback(callback: BatchCallback, observables: object[]): void;
  removeBatchObservableCallback(callback: BatchCallback, observables: object[]): void;
}

/** What collects the observable instruments' values, all of them in one pass. */
type BatchCallback = (result: {
  observe(observable: object, value: number, attributes?: object): void;
}) => void;

/**
 * `CircuitBreakerModule.forRoot({ openTelemetry: {} })`: OpenTelemetry metrics through
 * `@opentelemetry/api` (an optional peer dependency, loaded only when `openTelemetry` is given).
 * Independent of the Prometheus `metrics` option: either, or both.
 *
 * @example
 * CircuitBreakerModule.forRoot({ openTelemetry: {} }) // the global MeterProvider's meter
 * CircuitBreakerModule.forRoot({ openTelemetry: { meter: provider.getMeter('orders') } })
 */
export interface CircuitBreakerOpenTelemetryOptions {
  /**
   * The meter that creates the instruments. Default: the global MeterProvider's
   * `metrics.getMeter('nestjs-circuit-breaker', <this package's version>)`, which is
   * OpenTelemetry's no-op until the app registers a provider (the Node SDK does); register it
   * before the application starts.
   */
  meter?: OpenTelemetryMeter;
  /**
   * At most this many circuits are reported (the circuit name is an attribute): circuits built
   * later are left out, with one warning. Default: the module's `maxCircuits` (10 000); a
   * removed circuit stops being reported and frees its place.
   */
  maxCircuits?: number;
  /**
   * Bucket bounds of the call duration histogram, in seconds, given to the SDK as advice (a
   * View configured in the SDK wins). Default: the Prometheus metrics' buckets, 5 ms to 10 s.
   */
  buckets?: number[];
}
