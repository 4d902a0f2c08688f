import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type Histogram,
  type MetricData,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';

/**
 * An OpenTelemetry SDK reader that collects when the test asks, not on a timer: what it reads
 * is what the metrics reported after the calls made so far.
 */
export class TestMetricReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}

  /** Every scope's metrics, from one collection. */
  async scopes(): Promise<ScopeMetrics[]> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'collection failed');
    return resourceMetrics.scopeMetrics;
  }

  /** The metrics of one collection, by name. */
  async metrics(): Promise<Map<string, MetricData>> {
    const scopes = await this.scopes();
    return new Map(scopes.flatMap(({ metrics }) => metrics.map((m) => [m.descriptor.name, m])));
  }

  /**
   * The data points of a counter or UpDownCounter from one collection, each as
   * `name{key="value",…} value` with the keys sorted, the lines sorted: easy to compare whole.
   */
  async points(name: string): Promise<string[]> {
    const metric = (await this.metrics()).get(name);
    if (metric === undefined) return [];
    if (metric.dataPointType !== DataPointType.SUM) throw new Error(`${name} is not a sum`);
    return metric.dataPoints
      .map(({ attributes, value }) => `${series(name, attributes)} ${value}`)
      .sort();
  }

  /** The data points of a histogram from one collection, by their series, as `points()` names them. */
  async histogram(name: string): Promise<Map<string, Histogram>> {
    const metric = (await this.metrics()).get(name);
    if (metric === undefined) return new Map();
    if (metric.dataPointType !== DataPointType.HISTOGRAM)
      throw new Error(`${name} is not a histogram`);
    return new Map(
      metric.dataPoints.map(({ attributes, value }) => [series(name, attributes), value]),
    );
  }
}

/** `name{key="value",…}`, keys sorted. */
export function series(name: string, attributes: Record<string, unknown>): string {
  const pairs = Object.keys(attributes)
    .sort()
    .map((key) => `${key}="${String(attributes[key])}"`);
  return `${name}{${pairs.join(',')}}`;
}

/**
 * An SDK MeterProvider with a test reader. Cumulative, the SDK's default; `delta` reports only
 * what was observed or recorded since the last collection.
 */
export function testMeterProvider(temporality: 'cumulative' | 'delta' = 'cumulative') {
  const reader = new TestMetricReader({
    aggregationTemporalitySelector: () =>
      temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({ readers: [reader] });
  return { reader, provider, meter: provider.getMeter('test') };
}
